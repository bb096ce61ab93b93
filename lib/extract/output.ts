// The JSONL output of an extraction run, resumable: whole lines only, each write one write() call
// of complete lines followed by fdatasync, so a crash leaves finished lines plus at most one torn
// line, which the next run cuts off (lmm repairJsonlTail) before counting what is done.
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

import { repairJsonlTail } from '../lmm/jsonl-append.js';

/** Where result lines go. */
export interface LineSink {
  /** Writes complete lines (each ending in "\n"); resolves once they are durable (files) or accepted (streams). */
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** What a resumed output already holds. */
export interface OutputState {
  /** Complete lines: the records done. */
  done: number;
  /** The id on the last complete line (null when there is none). */
  lastId: string | null;
  /** Bytes of a torn last line that were cut off. */
  repairedBytes: number;
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  }
  return n;
}

/** The last line of a file that ends in "\n" (read backwards in chunks). */
async function lastLine(path: string, size: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const parts: Buffer[] = [];
    let end = size - 1; // the final "\n"
    while (end > 0) {
      const start = Math.max(0, end - 65536);
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      parts.unshift(nl >= 0 ? buf.subarray(nl + 1) : buf);
      if (nl >= 0) break;
      end = start;
    }
    return Buffer.concat(parts).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Repairs a torn tail and reports what the output holds. */
export async function inspectOutput(path: string): Promise<OutputState> {
  const repairedBytes = await repairJsonlTail(path);
  let size = 0;
  try {
    size = (await stat(path)).size;
  } catch {
    return { done: 0, lastId: null, repairedBytes };
  }
  if (size === 0) return { done: 0, lastId: null, repairedBytes };
  const last = await lastLine(path, size);
  let lastId: unknown;
  try {
    lastId = (JSON.parse(last) as { id?: unknown }).id;
  } catch {
    lastId = undefined;
  }
  if (typeof lastId !== 'string') throw new Error(`${path}: cannot resume, its last line is not an extraction result: ${JSON.stringify(last.slice(0, 80))}`);
  return { done: await countLines(path), lastId, repairedBytes };
}

class FileSink implements LineSink {
  /** `durable`: a regular file, flushed after each write; /dev/null, a pipe or a terminal cannot be (fdatasync fails there). */
  constructor(
    private readonly fh: FileHandle,
    private readonly durable: boolean,
  ) {}

  async write(text: string): Promise<void> {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length; ) off += (await this.fh.write(buf, off, buf.length - off)).bytesWritten;
    if (this.durable) await this.fh.datasync();
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/**
 * Opens a file for results: appended to when resuming, else created — an existing non-empty file
 * is an error unless `overwrite` (finished work is never dropped silently).
 */
export async function openFileSink(path: string, o: { resume: boolean; overwrite: boolean }): Promise<LineSink> {
  await mkdir(dirname(path), { recursive: true });
  if (!o.resume && !o.overwrite) {
    const size = await stat(path).then((s) => s.size, () => 0);
    if (size > 0) throw new Error(`${path} already exists; pass --resume to continue it or --overwrite to start again`);
  }
  const fh = await open(path, o.resume ? 'a' : 'w');
  return new FileSink(fh, await fh.stat().then((st) => st.isFile(), () => false));
}

/**
 * A stream sink (stdout) that waits for 'drain' when the reader is slower. A stream error (EPIPE:
 * the reader went away, as with `| head`) fails the next write instead of crashing the process.
 */
export function streamSink(stream: NodeJS.WritableStream): LineSink {
  let failed: Error | null = null;
  let waiting: ((err: Error | null) => void) | null = null;
  const onError = (err: Error) => {
    failed ??= new Error(`cannot write the results: ${(err as NodeJS.ErrnoException).code === 'EPIPE' ? 'the reader of the output went away (EPIPE)' : err.message}`);
    waiting?.(failed);
  };
  stream.on('error', onError);
  return {
    write: (text) =>
      new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        waiting = (err) => {
          waiting = null;
          if (err) reject(err);
          else resolve();
        };
        if (stream.write(text)) waiting(null);
        else stream.once('drain', () => waiting?.(null));
      }),
    close: async () => {
      stream.off('error', onError);
    },
  };
}
