// Cutting the input into chunks aligned to absolute record positions, so a chunk is a whole number
// of the pipeline's windows: a worker running the pipeline over a chunk forms exactly the batches
// the single-process run forms over the same records, and writes the same bytes.
import { resultLine } from '../extract/output.js';
import { itemId, type SourceItem } from '../extract/records.js';
import { QueueError } from './redis-url.js';

export interface Chunk {
  /** Position of the chunk's first record in the input (0-based); a multiple of the chunk size. */
  start: number;
  items: SourceItem[];
}

/** The chunk size to use: the one asked for (which must hold whole windows), else 256 rounded up to whole windows. */
export function chunkSizeOf(asked: number | undefined, window: number): number {
  if (asked === undefined) return Math.ceil(256 / window) * window;
  if (!Number.isInteger(asked) || asked < 1) throw new QueueError(`expected the chunk size to be a positive integer but received ${asked}`);
  if (asked % window !== 0) {
    throw new QueueError(`expected the chunk size (${asked}) to be a multiple of the window (${window} records), so chunks batch as one process does; try ${Math.ceil(asked / window) * window}`);
  }
  return asked;
}

/**
 * The chunks of the items from absolute position `from` on (`from` rounded down to a chunk
 * boundary: the records before it in that chunk are read again, so the chunk's batches match).
 */
export async function* chunksOf(items: AsyncIterable<SourceItem>, size: number, from = 0): AsyncGenerator<Chunk> {
  const first = Math.floor(from / size) * size;
  let position = 0;
  let current: SourceItem[] = [];
  for await (const item of items) {
    if (position++ < first) continue;
    current.push(item);
    if (current.length === size) {
      yield { start: position - size, items: current };
      current = [];
    }
  }
  if (current.length > 0) yield { start: position - current.length, items: current };
}

/** The lines of a chunk that could not be run: one error result per record, ids as the records have them. */
export function failedChunkLines(chunk: Chunk, reason: string): string {
  return chunk.items.map((item) => resultLine({ id: itemId(item), tokens: [], entities: [], error: reason })).join('');
}

/** The lines of a chunk's result from record `skip` of the chunk on (resume inside a chunk). */
export function linesFrom(lines: string, skip: number): string {
  if (skip <= 0) return lines;
  let at = 0;
  for (let i = 0; i < skip; i++) {
    at = lines.indexOf('\n', at) + 1;
    if (at === 0) return '';
  }
  return lines.slice(at);
}
