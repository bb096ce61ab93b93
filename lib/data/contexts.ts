// Image contexts (docs/ARCHITECTURE.md, "Contexts"): text an LMM wrote about each image, generated once and then used
// as data. Our own file format is JSON lines, one `{"id", "context", "model", "prompt"}` per
// image; importers for published context sets (context-importers.ts) produce the same records.
import { writeFileAtomic } from '../util/atomic-write.js';
import { DataFormatError, Issues, type ReadOptions } from './errors.js';
import { imageKey } from './images.js';
import { parseJsonAt } from './json-records.js';
import { asObject, type Fail, stringField } from './record-fields.js';
import { readText, splitLines } from './text-file.js';

/** One image's context. `id` is the dataset's image id (with or without extension). */
export interface ContextRecord {
  id: string;
  context: string;
  /** What wrote it: an LMM name, or the published set it was imported from. */
  model: string;
  /** The prompt it answered (empty when unknown). */
  prompt: string;
}

/** How many of a dataset's images have a context. */
export interface ContextCoverage {
  total: number;
  covered: number;
  /** covered / total (1 when total is 0). */
  ratio: number;
  /** Image ids without a context, in the order given, without repeats. */
  missing: string[];
}

/** Contexts keyed by image: lookups ignore an image extension, so `123` finds `123.jpg`. */
export class ContextSet implements Iterable<ContextRecord> {
  private readonly byKey = new Map<string, ContextRecord>();
  /** Records whose image already had a context (the first one is kept). */
  duplicates = 0;
  /** Malformed lines skipped in lenient mode. */
  skipped: DataFormatError[] = [];

  constructor(
    records: Iterable<ContextRecord> = [],
    /** Where the contexts came from (a file path), for messages. */
    readonly source = '',
  ) {
    for (const r of records) this.add(r);
  }

  /** Adds a record; returns false (and counts a duplicate) when its image already has one. */
  add(record: ContextRecord): boolean {
    const key = imageKey(record.id);
    if (this.byKey.has(key)) {
      this.duplicates++;
      return false;
    }
    this.byKey.set(key, record);
    return true;
  }

  get(imageId: string): ContextRecord | undefined {
    return this.byKey.get(imageKey(imageId));
  }

  has(imageId: string): boolean {
    return this.byKey.has(imageKey(imageId));
  }

  get size(): number {
    return this.byKey.size;
  }

  [Symbol.iterator](): Iterator<ContextRecord> {
    return this.byKey.values();
  }

  /** Coverage of a dataset's images (ids repeated across records count once). */
  coverage(imageIds: Iterable<string>): ContextCoverage {
    const seen = new Set<string>();
    const missing: string[] = [];
    for (const id of imageIds) {
      const key = imageKey(id);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!this.byKey.has(key)) missing.push(id);
    }
    const total = seen.size;
    const covered = total - missing.length;
    return { total, covered, ratio: total === 0 ? 1 : covered / total, missing };
  }
}

/** One line of our JSONL format (with its newline). */
export function formatContextLine(record: ContextRecord): string {
  return `${JSON.stringify({ id: record.id, context: record.context, model: record.model, prompt: record.prompt })}\n`;
}

/** Reads our JSONL context file. Every line needs string id (non-empty), context, model and prompt. */
export async function readContexts(path: string, options: ReadOptions = {}): Promise<ContextSet> {
  return parseContexts(await readText(path), path, options);
}

export function parseContexts(text: string, file: string, options: ReadOptions = {}): ContextSet {
  const issues = new Issues(file, options.lenient ?? false);
  const set = new ContextSet([], file);
  splitLines(text).forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const record = issues.guard(() => {
      const fail: Fail = (expected, found) => issues.fail(i + 1, expected, found);
      const obj = asObject(parseJsonAt(lineText, file, i + 1, 'a context record'), 'the line', fail);
      return {
        id: stringField(obj, 'id', '', fail, { nonEmpty: true }),
        context: stringField(obj, 'context', '', fail),
        model: stringField(obj, 'model', '', fail),
        prompt: stringField(obj, 'prompt', '', fail),
      };
    });
    if (record) set.add(record);
  });
  set.skipped = issues.skipped;
  return set;
}

/** Writes contexts to a JSONL file atomically (a temporary file renamed over the target). */
export async function writeContexts(path: string, records: Iterable<ContextRecord>): Promise<void> {
  let text = '';
  for (const r of records) text += formatContextLine(r);
  await writeFileAtomic(path, text);
}
