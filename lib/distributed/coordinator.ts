// `extractDistributed`: `shapca extract --queue`. Reads the input as the single-process run does,
// cuts it into chunks aligned to record positions, keeps at most `inFlight` chunks on the queue
// (so Redis and this process hold a bounded number of records whatever the input's size), and
// writes each chunk's lines as soon as every chunk before it is written: the output is the file a
// single process writes. Resuming continues the output file and takes the chunks that workers
// finished meanwhile from Redis instead of running them again.
import { createHash, randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';

import type { ContextFormat } from '../data/context-importers.js';
import { checkedContinuation, type ExtractFileOptions, type ExtractFileSummary } from '../extract/file.js';
import { inspectOutput, type LineSink, openFileSink, streamSink } from '../extract/output.js';
import { createExtractProgress } from '../extract/progress.js';
import type { SourceItem } from '../extract/records.js';
import { countItems, detectFormat, fileItems, type InputFormat } from '../extract/sources.js';
import { type Chunk, chunksOf, chunkSizeOf, failedChunkLines, linesFrom } from './chunks.js';
import { checkRedis } from './connection.js';
import { modelIdentity } from './model-identity.js';
import type { ExtractChunkData, ExtractChunkResult } from './payload.js';
import { dirIdentity } from '../util/identity.js';
import { assertOutputsAreNotInputs } from '../util/same-file.js';
import { parseRedisUrl, QueueError } from './redis-url.js';
import { type ChunkOutcome, RunQueue } from './run-queue.js';

/** The options of extractFile that a distributed run shares (imagesDir and model paths as given: workers resolve relative ones from their own working directory). */
type SharedOptions = Pick<ExtractFileOptions, 'input' | 'format' | 'output' | 'resume' | 'overwrite' | 'progress' | 'batchSize' | 'window' | 'imagesDir' | 'concurrency' | 'signal'>;

export interface DistributedExtractOptions extends SharedOptions {
  /** redis://[user:password@]host:port[/db] */
  queue: string;
  /** The model folder (a relative path is resolved by each worker in its own working directory). */
  model: string;
  /** Context files the workers read (not a ContextSet: they load it themselves). */
  contexts?: { files: string[]; format: ContextFormat };
  /** Records per chunk (a multiple of the window). Default 256 rounded up to whole windows. */
  chunkSize?: number;
  /** Chunks on the queue at once. Default 16. */
  inFlight?: number;
  /** Attempts per chunk before its records get an error line each. Default 3. */
  attempts?: number;
  /** A chunk's lock time on the workers, ms: a dead worker's chunk is taken again after about this long. Default: the workers' (30000). */
  lockMs?: number;
  /** Keep the run's keys in Redis at the end (for inspection). */
  keepQueue?: boolean;
  /** How long Redis may stay unreachable before the run fails, ms. Default 60000. */
  redisWaitMs?: number;
  /** Notes on the run (connection trouble, refusals, lost chunks); default: none. */
  log?: (line: string) => void;
}

export interface DistributedExtractSummary extends ExtractFileSummary {
  queue: string;
  chunks: number;
  /** Chunks finished by workers before this coordinator started (resume): not run again. */
  reusedChunks: number;
  /** Chunks that failed every attempt, and their records (each got an error line). */
  failedChunks: number;
  failedRecords: number;
  /** Chunks run per worker. */
  workers: Record<string, number>;
  /** Time workers spent running this run's chunks (as they report it), s: with `seconds`, the queue's overhead. */
  workerSeconds: number;
  /** Workers that refused the run because their copy of the model differs, with the reason. */
  refusals: Record<string, string>;
}

/** The run's queue name: the same for the same input, output, model and batching (so a resume finds it). */
function queueName(o: DistributedExtractOptions, hash: string, chunkSize: number, window: number): string {
  if (!o.output) return `x-${randomBytes(8).toString('hex')}`;
  const key = JSON.stringify([resolve(o.input), resolve(o.output), hash, chunkSize, o.batchSize ?? 32, window, o.imagesDir ?? null, o.contexts ?? null]);
  return `x-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

interface InFlight {
  chunk: Chunk;
  outcome: Promise<ChunkOutcome<ExtractChunkResult>>;
}

export async function extractDistributed(o: DistributedExtractOptions): Promise<DistributedExtractSummary> {
  if (o.resume && !o.output) throw new QueueError('resuming needs an output file (--output)');
  // Before anything is opened: the output must not be the input, a model file or a context file.
  if (o.output) {
    const modelFiles = Object.values(await dirIdentity(o.model)).map((m) => m.path);
    assertOutputsAreNotInputs([o.output], [o.input, ...modelFiles, ...(o.contexts?.files ?? [])]);
  }
  const target = parseRedisUrl(o.queue);
  const log = o.log ?? (() => undefined);
  await checkRedis(target);
  const model = await modelIdentity(o.model);
  const batchSize = o.batchSize ?? 32;
  const window = o.window ?? 8 * batchSize;
  const chunkSize = chunkSizeOf(o.chunkSize, window);
  const inFlight = o.inFlight ?? 16;
  const attempts = o.attempts ?? 3;
  const format = !o.format || o.format === 'auto' ? await detectFormat(o.input) : o.format;
  const state = o.resume && o.output ? await inspectOutput(o.output) : { done: 0, lastId: null, repairedBytes: 0 };
  let items: AsyncIterable<SourceItem> = fileItems(o.input, format, { images: o.imagesDir !== undefined });
  if (state.done > 0) items = checkedContinuation(items, state.done, state.lastId, { input: o.input, output: o.output! });
  const total = o.progress && process.stderr.isTTY ? await countItems(o.input, format) : 0;
  const name = queueName(o, model.hash, chunkSize, window);
  const options: ExtractChunkData['options'] = {
    batchSize, window, imagesDir: o.imagesDir ?? dirname(o.input), ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.contexts ? { contexts: o.contexts } : {}),
  };

  const sink: LineSink = o.output ? await openFileSink(o.output, { resume: o.resume ?? false, overwrite: o.overwrite ?? false }) : streamSink(process.stdout);
  const rq = await RunQueue.open<ExtractChunkData, ExtractChunkResult>({ target, name, attempts, redisWaitMs: o.redisWaitMs ?? 60_000, log, settings: o.lockMs ? { lockMs: o.lockMs } : {} });
  const bar = createExtractProgress(total, state.done, o.progress ?? false);
  const summary: DistributedExtractSummary = {
    input: o.input, output: o.output ?? null, format, resumed: state.done, written: 0, errors: 0, imageErrors: 0, contextErrors: 0,
    seconds: 0, recordsPerSecond: 0, repairedBytes: state.repairedBytes, aborted: false,
    queue: name, chunks: 0, reusedChunks: 0, failedChunks: 0, failedRecords: 0, workers: {}, workerSeconds: 0, refusals: {},
  };
  const started = process.hrtime.bigint();
  const aborted = new Promise<null>((resolve) => {
    if (o.signal?.aborted) resolve(null);
    o.signal?.addEventListener('abort', () => resolve(null), { once: true });
  });
  let finished = false;
  try {
    const chunks = chunksOf(items, chunkSize, state.done)[Symbol.asyncIterator]();
    const pending: InFlight[] = [];
    let more = true;
    const fill = async () => {
      while (more && pending.length < inFlight && !o.signal?.aborted) {
        const next = await chunks.next();
        if (next.done) {
          more = false;
          break;
        }
        const chunk = next.value;
        const data: ExtractChunkData = { kind: 'extract', model, start: chunk.start, items: chunk.items, options };
        pending.push({ chunk, ...(await rq.submit(`c${chunk.start}`, data)) });
      }
    };
    await fill();
    while (pending.length > 0) {
      const head = pending[0]!;
      const outcome = await Promise.race([head.outcome, aborted]);
      if (outcome === null) break;
      await writeChunk(head.chunk, outcome);
      await rq.consumed(`c${head.chunk.start}`);
      pending.shift();
      await fill();
    }
    finished = pending.length === 0 && !more;
  } catch (err) {
    if (err instanceof Error) err.message = target.redact(err.message);
    throw err;
  } finally {
    bar.stop();
    await sink.close();
    for (const [w, reason] of rq.refused) summary.refusals[w] = reason;
    // A finished run leaves nothing behind; a stopped or failed one keeps its chunks for --resume.
    await rq.close({ keep: !finished || (o.keepQueue ?? false) }).catch((err: unknown) => log(`redis: ${target.redact((err as Error).message)}`));
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  summary.recordsPerSecond = summary.seconds > 0 ? summary.written / summary.seconds : 0;
  summary.aborted = !finished;
  return summary;

  async function writeChunk(chunk: Chunk, outcome: ChunkOutcome<ExtractChunkResult>): Promise<void> {
    const skip = Math.max(0, state.done - chunk.start);
    const kept = chunk.items.length - skip;
    summary.chunks++;
    let lines: string;
    let counts: Pick<ExtractChunkResult, 'errors' | 'imageErrors' | 'contextErrors'>;
    if (outcome.ok) {
      const r = outcome.result;
      if (r.count !== chunk.items.length) throw new QueueError(`chunk c${chunk.start}: the worker ${r.worker} returned ${r.count} results for ${chunk.items.length} records`);
      lines = linesFrom(r.lines, skip);
      counts = skip === 0 ? r : countsOf(lines);
      summary.workers[r.worker] = (summary.workers[r.worker] ?? 0) + 1;
      if (!outcome.reused) summary.workerSeconds += (r.ms ?? 0) / 1000;
      if (outcome.reused) summary.reusedChunks++;
    } else {
      const reason = `chunk of records ${chunk.start + 1}–${chunk.start + chunk.items.length} failed after ${attempts} attempts: ${target.redact(outcome.reason)}`;
      log(reason);
      lines = linesFrom(failedChunkLines(chunk, reason), skip);
      counts = { errors: kept, imageErrors: 0, contextErrors: 0 };
      summary.failedChunks++;
      summary.failedRecords += kept;
    }
    await sink.write(lines);
    summary.written += kept;
    summary.errors += counts.errors;
    summary.imageErrors += counts.imageErrors;
    summary.contextErrors += counts.contextErrors;
    bar.update(state.done + summary.written, summary.errors);
  }
}

/** Error counts of output lines (only for a chunk resumed part-way; whole chunks carry their counts). */
function countsOf(lines: string): Pick<ExtractChunkResult, 'errors' | 'imageErrors' | 'contextErrors'> {
  const c = { errors: 0, imageErrors: 0, contextErrors: 0 };
  for (const line of lines.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { error?: string; imageError?: string; contextError?: string };
    if (r.error !== undefined) c.errors++;
    if (r.imageError !== undefined) c.imageErrors++;
    if (r.contextError !== undefined) c.contextErrors++;
  }
  return c;
}
