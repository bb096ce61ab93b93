// `runWorker`: a long-running process that serves every live run on the queue's Redis. It watches
// the set of runs (each coordinator keeps its own entry fresh), serves each with a BullMQ Worker
// (stalled-job recovery: a chunk whose worker died is taken again once its lock expires), runs the
// chunks through the extraction pipeline (models kept loaded, LRU) or the context generator, and
// returns their results. Stopping (the signal: SIGTERM in the CLI) finishes the chunks in hand; a
// second stop hands them back to the queue at once.
import { hostname } from 'node:os';

import { type Job, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

import type { DeviceRequest } from '../device.js';
import { setThreads } from '../runtime.js';
import { checkRedis, openConnection } from './connection.js';
import { runContextChunk } from './context-chunk.js';
import { ContextSets, runExtractChunk } from './extract-chunk.js';
import { ModelCache, ModelMismatchError } from './model-cache.js';
import { type ChunkData, KEY_PREFIX, refusalsKey, RUN_STALE_MS, RUNS_KEY, type RunSettings, settingsKey } from './payload.js';
import { parseRedisUrl } from './redis-url.js';

export interface RunWorkerOptions {
  /** redis://[user:password@]host:port[/db] */
  queue: string;
  /** Chunks run at once (per run served). Default 1. */
  concurrency?: number;
  /** Native threads of this process (default: the library's). */
  threads?: number;
  device?: DeviceRequest;
  /** Models kept loaded. Default 3. */
  models?: number;
  /** How long a chunk's lock lasts without renewal, ms, unless the run sets it: a dead worker's chunk is taken again after about this long. Default 30000. */
  lockMs?: number;
  /** How many times a chunk may be recovered from a dead worker before it fails. Default 5. */
  maxStalled?: number;
  /** Shown in the coordinator's summary and in refusals. Default host:pid. */
  name?: string;
  /** Aborting it stops the worker after the chunks in hand; `handBack` hands them back instead. */
  signal?: AbortSignal;
  handBack?: AbortSignal;
  /** Called once connected, with the address (password hidden). */
  onReady?: (display: string) => void;
  /** One line per event worth telling (runs joined and left, refusals, connection trouble). */
  log?: (line: string) => void;
}

export interface WorkerSummary {
  chunks: number;
  records: number;
  refused: number;
  failed: number;
}

/** How often the set of runs is read. */
export const DISCOVERY_MS = 1000;

export async function runWorker(o: RunWorkerOptions): Promise<WorkerSummary> {
  const target = parseRedisUrl(o.queue);
  await checkRedis(target);
  o.onReady?.(target.display);
  if (o.threads) setThreads(o.threads);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const log = o.log ?? (() => undefined);
  let lastError = '';
  let lastErrorAt = 0;
  const onError = (message: string) => {
    // Said once per distinct trouble (a Redis restart makes every connection report it).
    if (message === lastError && Date.now() - lastErrorAt < 10_000) return;
    lastError = message;
    lastErrorAt = Date.now();
    log(`redis: ${target.redact(message)}`);
  };
  const models = new ModelCache({ capacity: o.models ?? 3, device: o.device ?? 'cpu' });
  const contexts = new ContextSets();
  const summary: WorkerSummary = { chunks: 0, records: 0, refused: 0, failed: 0 };
  const served = new Map<string, { worker: Worker; connection: Redis }>();
  const refused = new Set<string>();
  const closing = new Set<Promise<void>>();
  const handBack = new AbortController();
  o.handBack?.addEventListener('abort', () => handBack.abort(), { once: true });
  const redis = openConnection(target, `shapca-worker:${name}`, onError);

  const stopServing = (queue: string, force = false) => {
    const s = served.get(queue);
    if (!s) return;
    served.delete(queue);
    // BullMQ does not close a connection it was given.
    const done = s.worker.close(force).catch((err: unknown) => onError((err as Error).message)).finally(() => {
      s.connection.disconnect();
      closing.delete(done);
    });
    closing.add(done);
  };

  const processChunk = async (queue: string, job: Job<ChunkData>, token?: string) => {
    const data = job.data;
    try {
      const result = data.kind === 'extract'
        ? await runExtractChunk(data, { models, contexts, worker: name, signal: handBack.signal })
        : await runContextChunk(data, { worker: name, signal: handBack.signal });
      if (result === null) throw new HandBack();
      summary.chunks++;
      summary.records += 'count' in result ? result.count : result.results.length;
      return result;
    } catch (err) {
      if (err instanceof ModelMismatchError) {
        summary.refused++;
        refused.add(queue);
        log(`refused run ${queue}: ${err.message}`);
        await redis.hset(refusalsKey(queue), name, err.message);
        await handBackJob(job, token);
        stopServing(queue);
        throw new WaitingError();
      }
      if (err instanceof HandBack) {
        await handBackJob(job, token);
        throw new WaitingError();
      }
      summary.failed++;
      log(`chunk ${job.id} of run ${queue} failed: ${target.redact((err as Error).message)}`);
      throw err;
    }
  };

  const serve = (queue: string, settings: RunSettings) => {
    const lockMs = settings.lockMs ?? o.lockMs ?? 30_000;
    const connection = openConnection(target, `shapca-worker:${name}`, onError);
    const w = new Worker<ChunkData>(queue, (job, token) => processChunk(queue, job, token), {
      connection, prefix: KEY_PREFIX, name,
      concurrency: o.concurrency ?? 1, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: o.maxStalled ?? 5, drainDelay: 1,
    });
    w.on('error', (err) => onError(err.message));
    served.set(queue, { worker: w, connection });
    log(`serving run ${queue}`);
  };

  const discover = async () => {
    const live = new Set(await redis.zrangebyscore(RUNS_KEY, Date.now() - RUN_STALE_MS, '+inf'));
    for (const queue of live) {
      if (served.has(queue) || refused.has(queue)) continue;
      serve(queue, settingsOf(await redis.get(settingsKey(queue))));
    }
    for (const queue of served.keys()) {
      if (!live.has(queue)) {
        log(`run ${queue} ended`);
        stopServing(queue);
      }
    }
  };

  try {
    // Stopping must not wait for an unreachable Redis (its commands wait for the reconnection).
    const stopped = Promise.race([aborted(o.signal), aborted(handBack.signal)]);
    while (!o.signal?.aborted && !handBack.signal.aborted) {
      await Promise.race([discover().catch((err: unknown) => onError((err as Error).message)), stopped]);
      await sleep(DISCOVERY_MS, o.signal, handBack.signal);
    }
  } finally {
    for (const queue of [...served.keys()]) stopServing(queue, handBack.signal.aborted);
    // A second stop (hand back) does not wait for closes that an unreachable Redis holds up.
    await Promise.race([Promise.all([...closing]), aborted(handBack.signal)]);
    await models.close();
    redis.disconnect();
  }
  return summary;
}

function settingsOf(json: string | null): RunSettings {
  try {
    const s = JSON.parse(json ?? '{}') as RunSettings;
    return typeof s.lockMs === 'number' && s.lockMs >= 1000 && s.lockMs <= 3_600_000 ? { lockMs: s.lockMs } : {};
  } catch {
    return {};
  }
}

/** The chunk was stopped by a hand-back request. */
class HandBack extends Error {}

/** Back to the waiting list for another worker; if that fails (lock lost), stalled recovery takes it back instead. */
async function handBackJob(job: Job, token: string | undefined): Promise<void> {
  await job.moveToWait(token).catch(() => undefined);
}

/** Resolves when the signal aborts (never, without one); holds no timer, so it keeps no process alive. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s?.addEventListener('abort', done, { once: true });
  });
}
