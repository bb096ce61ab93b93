// Streaming batch inference. Records are read a window at a time (memory is bounded by two windows
// whatever the input's size); within a window, posts of similar length are batched together (less
// padding), and results come out in input order. While the model runs one window, the next one is
// read and prepared (images decoded by sharp, contexts looked up or generated), so native work
// overlaps with I/O and decoding.
//
// Windows are aligned to absolute record positions, so a resumed run (`skip`) forms exactly the
// batches an uninterrupted run formed, and writes byte-identical lines.
import { type ContextSourceOptions, ContextSource } from './contexts.js';
import { mapLimit } from './limit.js';
import { preparePost, type PreparedPost } from './prepare.js';
import type { SourceItem } from './records.js';
import type { ExtractionModel, ExtractResult, ModelInput, ModelOutput } from './types.js';

export interface ExtractOptions extends ContextSourceOptions {
  /** Posts per model call. Default 32. */
  batchSize?: number;
  /** Records read and batched together by length. Default 8 × batchSize. */
  window?: number;
  /** Relative image paths resolve against it. Default the working directory. */
  imagesDir?: string;
  /** Refuse image paths whose real path lies outside imagesDir (an imageError on the record). Default false. */
  imagesOnly?: boolean;
  /** Largest image file read; a larger one, or one that is not a regular file, is an imageError. Default 64 MiB. */
  maxImageBytes?: number;
  /** Images decoded and contexts resolved at once. Default 8. */
  concurrency?: number;
  /** Records already done (resume): they are not emitted, but their window is rerun so batches match. */
  skip?: number;
  /** Stops after the current window; what was emitted stays valid. */
  signal?: AbortSignal;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`expected ${name} to be a positive integer but received ${v}`);
  return v;
}

/** Rounds a score for output: 4 decimals are plenty and keep lines short. */
export function roundScore(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function resultOf(p: PreparedPost, out: ModelOutput | null, error?: string): ExtractResult {
  const r: ExtractResult = { id: p.id, tokens: p.tokens, entities: out ? out.entities.map((e) => ({ ...e, score: roundScore(e.score) })) : [] };
  if (out?.relations) r.relations = out.relations.map((x) => ({ ...x, score: roundScore(x.score) }));
  const err = p.error ?? error;
  if (err !== undefined) r.error = err;
  if (p.imageError !== undefined) r.imageError = p.imageError;
  if (p.contextError !== undefined) r.contextError = p.contextError;
  return r;
}

/** Runs a batch; when it fails, each post alone, so one bad post only fails itself. */
async function runBatch(model: ExtractionModel, inputs: ModelInput[]): Promise<(ModelOutput | Error)[]> {
  try {
    return await model.run(inputs);
  } catch (err) {
    if (inputs.length === 1) return [err as Error];
    const alone = await Promise.all(inputs.map((x) => model.run([x]).then((o) => o[0]!, (e: unknown) => e as Error)));
    if (alone.every((o) => o instanceof Error)) throw err; // not about one post: the model itself fails
    return alone;
  }
}

/** Results for one window's posts, in order: batches of similar length, run one after another. */
async function runWindow(model: ExtractionModel, posts: PreparedPost[], batchSize: number, signal?: AbortSignal): Promise<ExtractResult[] | null> {
  const lengths = posts.map((p) => (p.input ? model.length(p.input) : 0));
  const order = posts.flatMap((p, i) => (p.input ? [i] : [])).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const results: ExtractResult[] = posts.map((p) => resultOf(p, null));
  for (let k = 0; k < order.length; k += batchSize) {
    if (signal?.aborted) return null;
    const chunk = order.slice(k, k + batchSize);
    const outs = await runBatch(model, chunk.map((i) => posts[i]!.input!));
    chunk.forEach((i, j) => {
      const o = outs[j]!;
      results[i] = o instanceof Error ? resultOf(posts[i]!, null, `the model failed on this post: ${o.message}`) : resultOf(posts[i]!, o);
    });
  }
  return results;
}

/** Results for every item, in order (see the file comment). */
export async function* runPipeline(model: ExtractionModel, items: AsyncIterable<SourceItem>, o: ExtractOptions = {}): AsyncGenerator<ExtractResult> {
  const batchSize = positiveInt('batchSize', o.batchSize ?? 32);
  const window = positiveInt('window', o.window ?? 8 * batchSize);
  const concurrency = positiveInt('concurrency', o.concurrency ?? 8);
  const skip = o.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0) throw new RangeError(`expected skip to be a non-negative integer but received ${skip}`);
  const ctx = {
    model, contexts: new ContextSource(o), imagesDir: o.imagesDir ?? process.cwd(),
    ...(o.imagesOnly ? { imagesOnly: true } : {}), ...(o.maxImageBytes !== undefined ? { maxImageBytes: o.maxImageBytes } : {}),
  };
  const it = items[Symbol.asyncIterator]();
  let position = 0; // records read so far

  // The next window, read and prepared; null at the end of the input.
  const nextWindow = async (): Promise<{ start: number; posts: PreparedPost[] } | null> => {
    const first = Math.floor(skip / window) * window; // windows before this one are done: drop them unread
    while (position < first) {
      if ((await it.next()).done) return null;
      position++;
    }
    const start = position;
    const batch: SourceItem[] = [];
    while (batch.length < window) {
      const r = await it.next();
      if (r.done) break;
      batch.push(r.value);
    }
    position += batch.length;
    if (batch.length === 0) return null;
    return { start, posts: await mapLimit(batch, concurrency, (item) => preparePost(item, ctx)) };
  };

  let pending = nextWindow();
  try {
    for (;;) {
      const current = await pending;
      if (!current || o.signal?.aborted) return;
      pending = nextWindow();
      pending.catch(() => undefined); // awaited on the next turn; do not report it unhandled meanwhile
      const results = await runWindow(model, current.posts, batchSize, o.signal);
      // Stopped meanwhile: drop the window (its context requests may have been cut short); a
      // resumed run recomputes it.
      if (!results || o.signal?.aborted) return;
      for (const [i, r] of results.entries()) if (current.start + i >= skip) yield r;
    }
  } finally {
    pending.catch(() => undefined);
    void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}
