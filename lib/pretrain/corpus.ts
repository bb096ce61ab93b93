// The pretraining corpus: documents (a post, optionally with its image's context as the second
// segment) read from plain-text or JSONL files one line at a time, never whole, so a corpus may be
// larger than memory. Reading is synchronous (a CLI reading its own input; the vocabulary learner
// takes a plain iterable) and every line is bounded.
import { closeSync, openSync, readSync } from 'node:fs';

/** One pretraining sample: [CLS] text [SEP] (context [SEP]). */
export interface CorpusDocument {
  text: string;
  context?: string;
}

/** Something that can list its documents again for every epoch. */
export interface CorpusSource {
  documents(): Iterable<CorpusDocument>;
  /** What the corpus is, for logs. */
  describe: string;
}

/** Longest line read from a corpus file. */
export const MAX_LINE_BYTES = 1 << 20;

/** The lines of a file (without line ends), read in 64 KiB chunks; a longer line than `maxBytes` is an error. */
export function* readLines(path: string, maxBytes = MAX_LINE_BYTES): Generator<{ line: string; number: number }> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 16);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let number = 0;
    const take = (part: Buffer) => {
      const all = pending.length ? Buffer.concat([...pending, part]) : part;
      pending = [];
      pendingBytes = 0;
      number++;
      return { line: all.toString('utf8').replace(/\r$/, ''), number };
    };
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let from = 0;
      for (let i = 0; i < n; i++) {
        if (chunk[i] !== 0x0a) continue;
        if (pendingBytes + i - from > maxBytes) throw new RangeError(`${path}:${number + 1}: a line longer than ${maxBytes} bytes`);
        yield take(Buffer.from(chunk.subarray(from, i)));
        from = i + 1;
      }
      if (from < n) {
        pending.push(Buffer.from(chunk.subarray(from, n)));
        pendingBytes += n - from;
        if (pendingBytes > maxBytes) throw new RangeError(`${path}:${number + 1}: a line longer than ${maxBytes} bytes`);
      }
    }
    if (pendingBytes > 0) yield take(Buffer.alloc(0));
  } finally {
    closeSync(fd);
  }
}

const isJsonl = (path: string) => /\.jsonl?$/i.test(path);

/** A JSONL record: {"text": "..."} or {"tokens": [...]}, with an optional "context" string. */
function parseRecord(line: string, where: string): CorpusDocument {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (err) {
    throw new SyntaxError(`${where}: expected a JSON object but the line does not parse (${(err as Error).message})`);
  }
  const o = r as { text?: unknown; tokens?: unknown; context?: unknown };
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new TypeError(`${where}: expected a JSON object with "text" or "tokens"`);
  const text = typeof o.text === 'string' ? o.text : Array.isArray(o.tokens) && o.tokens.every((t) => typeof t === 'string') ? o.tokens.join(' ') : null;
  if (text === null) throw new TypeError(`${where}: expected a string "text" or a string array "tokens"`);
  if (o.context !== undefined && o.context !== null && typeof o.context !== 'string') throw new TypeError(`${where}: expected "context" to be a string`);
  return typeof o.context === 'string' && o.context.trim() ? { text, context: o.context } : { text };
}

/** Documents of corpus files: a .jsonl/.json file holds one JSON record per line, any other file one text per line. Blank lines are skipped. */
export function fileCorpus(paths: readonly string[]): CorpusSource {
  if (paths.length === 0) throw new RangeError('expected at least one corpus file');
  return {
    describe: paths.join(', '),
    *documents() {
      for (const path of paths) {
        for (const { line, number } of readLines(path)) {
          if (!line.trim()) continue;
          yield isJsonl(path) ? parseRecord(line, `${path}:${number}`) : { text: line };
        }
      }
    },
  };
}

/** Documents held in memory (e.g. gathered from datasets). */
export function memoryCorpus(docs: readonly CorpusDocument[], describe: string): CorpusSource {
  return { describe, documents: () => docs };
}

/** Every text of a corpus, the posts and the contexts: what the vocabulary is learned from. */
export function* corpusTexts(source: CorpusSource): Generator<string> {
  for (const d of source.documents()) {
    yield d.text;
    if (d.context) yield d.context;
  }
}
