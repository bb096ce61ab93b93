// Input streams for extraction, read line by line with node:readline (which pauses the file while
// lines wait, so memory does not grow with the input): JSON lines, Twitter CoNLL files (tokens
// from the first column; tags, if present, are ignored), MNRE files (mnre-items.ts), or records
// given in memory.
import { extname } from 'node:path';

import { type BoundedLine, boundedLines, DEFAULT_MAX_LINE_BYTES } from '../util/bounded-lines.js';

import { MNRE_LINE, mnreItem } from './mnre-items.js';
import type { SourceItem } from './records.js';
import type { ExtractRecord } from './types.js';

export type InputFormat = 'jsonl' | 'conll' | 'mnre';

/** Options of the file readers. */
export interface SourceOptions {
  /** Longest line read; a longer one is that record's error and reading goes on. Default 16 MiB. */
  maxLineBytes?: number;
}

/** The lines of a file, each at most maxLineBytes (see boundedLines); stopping early closes it. */
function lines(path: string, o: SourceOptions = {}): AsyncGenerator<BoundedLine> {
  return boundedLines(path, o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
}

const tooLongError = (n: number, bytes: number, o: SourceOptions): string =>
  `line ${n} is ${bytes} bytes, longer than the ${o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES}-byte limit on one line (--max-line-bytes)`;

/** One item per non-blank line (parsed when checked: a line that is not JSON gets its error then). */
export async function* jsonlItems(path: string, o: SourceOptions = {}): AsyncGenerator<SourceItem> {
  let n = 0;
  for await (const { text: raw, tooLong } of lines(path, o)) {
    n++;
    if (raw === undefined) {
      yield { error: tooLongError(n, tooLong, o), fallbackId: String(n), where: `line ${n}` };
      continue;
    }
    const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') continue;
    yield { json: line, fallbackId: String(n), where: `line ${n}` };
  }
}

const IMGID = 'IMGID:';
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tif', '.tiff']);

/**
 * One item per tweet of a Twitter CoNLL file: `IMGID:<id>`, then `token[<TAB>tag]` lines, then a
 * blank line. With `images`, the record's image is `<id>.jpg` (ids with an extension kept as is).
 */
export async function* conllItems(path: string, o: { images?: boolean } & SourceOptions = {}): AsyncGenerator<SourceItem> {
  let n = 0;
  let block: { line: number; head: string; tokens: string[]; error?: string } | null = null;
  const finish = (b: NonNullable<typeof block>): SourceItem => {
    const where = `line ${b.line}`;
    const id = b.head.startsWith(IMGID) ? b.head.slice(IMGID.length).trim() : '';
    if (!b.head.startsWith(IMGID) || id === '' || /\s/.test(id)) {
      return { error: `expected an IMGID:<id> line to start a tweet but found ${JSON.stringify(b.head.slice(0, 60))}`, fallbackId: `line ${b.line}`, where };
    }
    if (b.error) return { error: b.error, fallbackId: id, where };
    const image = IMAGE_EXT.has(extname(id).toLowerCase()) ? id : `${id}.jpg`;
    return { value: { id, tokens: b.tokens, ...(o.images ? { image } : {}) }, fallbackId: id, where };
  };
  for await (const { text: raw, tooLong } of lines(path, o)) {
    n++;
    if (raw === undefined) {
      // Inside a tweet the tweet gets the error; outside one it is a record of its own.
      if (block) block.error ??= tooLongError(n, tooLong, o);
      else yield { error: tooLongError(n, tooLong, o), fallbackId: `line ${n}`, where: `line ${n}` };
      continue;
    }
    const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '' || line.startsWith(IMGID)) {
      if (block) yield finish(block);
      block = line.trim() === '' ? null : { line: n, head: line, tokens: [] };
      continue;
    }
    if (!block) {
      block = { line: n, head: line, tokens: [] }; // a stray line: reported as one bad record
      continue;
    }
    const token = line.split('\t')[0]!;
    if (token.trim() === '') block.error ??= `line ${n}: expected a token<TAB>tag line but found ${JSON.stringify(line.slice(0, 60))}`;
    else block.tokens.push(token);
  }
  if (block) yield finish(block);
}

/** One relation record per non-blank line of an MNRE file; with `images`, the record's image is its img_id. */
export async function* mnreItems(path: string, o: { images?: boolean } & SourceOptions = {}): AsyncGenerator<SourceItem> {
  let n = 0;
  for await (const { text: raw, tooLong } of lines(path, o)) {
    n++;
    if (raw === undefined) {
      yield { error: tooLongError(n, tooLong, o), fallbackId: String(n), where: `line ${n}` };
      continue;
    }
    const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() !== '') yield mnreItem(line, n, o);
  }
}

/** Records given in memory; `fallbackId` is the 1-based position. */
export async function* recordItems(records: AsyncIterable<ExtractRecord> | Iterable<ExtractRecord>): AsyncGenerator<SourceItem> {
  let n = 0;
  for await (const value of records) {
    n++;
    yield { value, fallbackId: String(n), where: `record ${n}` };
  }
}

/** Items of a file in any of the formats. */
export function fileItems(path: string, format: InputFormat, o: { images?: boolean } & SourceOptions = {}): AsyncGenerator<SourceItem> {
  return format === 'conll' ? conllItems(path, o) : format === 'mnre' ? mnreItems(path, o) : jsonlItems(path, o);
}

/** How many records a file holds (for the progress bar), without keeping them. */
export async function countItems(path: string, format: InputFormat, o: SourceOptions = {}): Promise<number> {
  let n = 0;
  for await (const { text: line } of lines(path, o)) {
    if (line === undefined ? format !== 'conll' : format === 'conll' ? line.startsWith(IMGID) : line.trim() !== '') n++;
  }
  return n;
}

/** By the first non-blank line: 'conll' when it starts with IMGID:, 'mnre' when it opens a Python dict {'token': …, else 'jsonl'. */
export async function detectFormat(path: string, o: SourceOptions = {}): Promise<InputFormat> {
  for await (const { text: raw } of lines(path, o)) {
    if (raw === undefined) return 'jsonl'; // an over-long first line: reported as a bad JSON record
    if (raw.trim() === '') continue;
    const line = raw.replace(/^\ufeff/, '');
    return line.startsWith(IMGID) ? 'conll' : MNRE_LINE.test(line) ? 'mnre' : 'jsonl';
  }
  return 'jsonl';
}
