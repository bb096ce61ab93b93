// The context generation run: describe every image once, with a bounded number of requests in
// flight. Finished work is kept twice — in the cache (atomic files) before it is appended to the
// JSONL output — so a rerun after a crash skips what the output already has, copies from the
// cache what the output missed, and asks the model only for the rest. Failures are logged with
// their reason and the run goes on.
import { readFile, rm } from 'node:fs/promises';

import { type ContextRecord, parseContexts } from '../data/contexts.js';
import { outsideReason } from '../util/confine.js';
import { ContextCache } from './cache.js';
import type { VisionClient } from './client.js';
import { LmmError } from './errors.js';
import { encodeImage, readImageFile } from './image-payload.js';
import { JsonlAppender } from './jsonl-append.js';
import { DEFAULT_PROMPT, renderPrompt } from './prompt.js';
import { type RetryOptions, withRetries } from './retry.js';

/** One image to describe. */
export interface ContextJob {
  /** The id written to the output (the dataset's image id). */
  id: string;
  /** Path of the image file. */
  image: string;
  /** The post's text, used where the prompt template says `{text}`. */
  text?: string;
}

export type JobOutcome = 'done' | 'cached' | 'failed';

export interface GenerateProgress {
  id: string;
  outcome: JobOutcome;
  done: number;
  cached: number;
  failed: number;
  total: number;
}

export interface GenerateOptions {
  client: VisionClient;
  jobs: readonly ContextJob[];
  /** JSONL output (our context format), appended to. */
  output: string;
  /** Cache folder (see defaultCacheDir). */
  cacheDir: string;
  /** Where failures go, one JSON line each. Default `<output>.failures.jsonl`. */
  failuresPath?: string;
  /** Prompt template (see renderPrompt). Default DEFAULT_PROMPT. */
  promptTemplate?: string;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  retry?: RetryOptions;
  /** Longest image side sent to the model, in pixels. Default 768. */
  maxImageSide?: number;
  /** Largest image file read; a larger one (or one that is not a regular file) fails that image. Default 64 MiB. */
  maxImageBytes?: number;
  /** When set, an image whose real path (symlinks followed) is outside this folder fails instead of being read. */
  imagesRoot?: string;
  /** Stops the run: nothing new starts, requests in flight are cancelled. */
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
  /** Told before each back-off wait (what the progress line shows while nothing else moves). */
  onWait?: (wait: { id: string; attempt: number; delayMs: number; error: LmmError }) => void;
}

export interface GenerateSummary {
  total: number;
  /** Described by the model in this run. */
  done: number;
  /** Already in the output or the cache: no request made. */
  cached: number;
  failed: number;
  /** True when the signal stopped the run before every job was handled. */
  aborted: boolean;
  output: string;
  failuresPath: string;
  /** Bytes of a torn last line removed from the output before appending. */
  repairedBytes: number;
}

/** A line of the failures file. */
export interface FailureRecord {
  id: string;
  image: string;
  kind: string;
  status?: number;
  error: string;
  attempts: number;
}

export async function generateContexts(options: GenerateOptions): Promise<GenerateSummary> {
  const { client, output } = options;
  const template = options.promptTemplate ?? DEFAULT_PROMPT;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`expected concurrency to be a positive integer but received ${concurrency}`);
  const failuresPath = options.failuresPath ?? `${output}.failures.jsonl`;
  const cache = new ContextCache(options.cacheDir);

  // Jobs by id, first wins: MNRE lists an image once per entity pair.
  const jobs = [...new Map(options.jobs.map((j) => [j.id, j])).values()];
  const { appender, repairedBytes } = await JsonlAppender.open(output);
  const existing = await existingContexts(output);
  // One output file holds one configuration: mixing models or prompts in it would be silent.
  for (const job of jobs) {
    const previous = existing.get(job.id);
    if (previous && (previous.model !== client.model || previous.prompt !== renderPrompt(template, job.text))) {
      await appender.close();
      throw new Error(`${output} already has a context for ${job.id} from model ${JSON.stringify(previous.model)} with another model or prompt; write to another output file`);
    }
  }
  await rm(failuresPath, { force: true }); // failures are per run; a rerun tries them again
  // Opened on the first failure; a promise, so workers failing together share one file handle.
  let failures: Promise<JsonlAppender> | undefined;

  const summary: GenerateSummary = { total: jobs.length, done: 0, cached: 0, failed: 0, aborted: false, output, failuresPath, repairedBytes };
  const report = (id: string, outcome: JobOutcome) => {
    summary[outcome]++;
    options.onProgress?.({ id, outcome, done: summary.done, cached: summary.cached, failed: summary.failed, total: summary.total });
  };

  const runJob = async (job: ContextJob): Promise<void> => {
    const prompt = renderPrompt(template, job.text);
    if (existing.has(job.id)) return report(job.id, 'cached');
    try {
      const outside = options.imagesRoot === undefined ? undefined : await outsideReason(job.image, options.imagesRoot);
      if (outside) throw new LmmError('image', outside);
      const { bytes, hash } = await readImageFile(job.image, options.maxImageBytes);
      const key = ContextCache.key(hash, prompt, client.model);
      const hit = await cache.get(key);
      if (hit) {
        await appender.append(record(job.id, hit.context, client.model, prompt));
        return report(job.id, 'cached');
      }
      const image = await encodeImage(bytes, job.image, options.maxImageSide ?? 768);
      const retry: RetryOptions = {
        ...options.retry,
        onRetry: (info) => {
          options.retry?.onRetry?.(info);
          options.onWait?.({ id: job.id, ...info });
        },
      };
      const { value: context } = await withRetries(() => client.describe({ prompt, image, signal: options.signal }), retry, options.signal);
      await cache.put(key, { imageHash: hash, model: client.model, prompt, context, createdAt: new Date().toISOString() });
      await appender.append(record(job.id, context, client.model, prompt));
      report(job.id, 'done');
    } catch (err) {
      if (options.signal?.aborted) return; // stopping: not a failure of this image
      if (!(err instanceof LmmError)) throw err; // a bug or a disk error: stop the run
      failures ??= JsonlAppender.open(failuresPath).then((r) => r.appender);
      const failure: FailureRecord = { id: job.id, image: job.image, kind: err.kind, error: err.message, attempts: err.attempts };
      if (err.status !== undefined) failure.status = err.status;
      await (await failures).append(failure);
      report(job.id, 'failed');
    }
  };

  let next = 0;
  let fatal: unknown;
  const worker = async () => {
    while (next < jobs.length && !options.signal?.aborted && fatal === undefined) {
      const job = jobs[next++] as ContextJob;
      try {
        await runJob(job);
      } catch (err) {
        fatal ??= err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, jobs.length)) }, worker));
  } finally {
    await appender.close();
    await (await failures)?.close();
  }
  if (fatal !== undefined) throw fatal;
  summary.aborted = summary.done + summary.cached + summary.failed < summary.total;
  return summary;
}

function record(id: string, context: string, model: string, prompt: string): ContextRecord {
  return { id, context, model, prompt };
}

/** Contexts already in the output (lenient: a damaged line is redone, not fatal). */
async function existingContexts(path: string): Promise<Map<string, ContextRecord>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return new Map();
  }
  // Keyed by exact id here (not imageKey): the output is ours and ids are written as given.
  return new Map([...parseContexts(text, path, { lenient: true })].map((r) => [r.id, r]));
}
