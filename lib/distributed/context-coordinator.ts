// `generateContextsDistributed`: `shapca context --queue`. The images still to describe go to the
// queue in chunks; workers describe them through the shared context cache (lmm describeImage) and
// this process appends the contexts and failures as `shapca context` does, chunk after chunk, so
// a rerun after a crash skips what the output holds, and the cache answers for what it missed.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';

import { existingContexts, type FailureRecord, type GenerateOptions, type GenerateSummary, record } from '../lmm/generate.js';
import { JsonlAppender } from '../lmm/jsonl-append.js';
import { DEFAULT_PROMPT, renderPrompt } from '../lmm/prompt.js';
import { checkRedis } from './connection.js';
import type { ContextChunkData, ContextChunkResult, ContextClientSpec } from './payload.js';
import { parseRedisUrl, QueueError } from './redis-url.js';
import { type ChunkOutcome, RunQueue } from './run-queue.js';

export interface DistributedContextOptions extends Omit<GenerateOptions, 'client'> {
  /** redis://[user:password@]host:port[/db] */
  queue: string;
  /** The model server as workers reach it; the API key is read from their environment. */
  client: ContextClientSpec;
  /** Images per chunk. Default 32. */
  chunkSize?: number;
  /** Chunks on the queue at once. Default 16. */
  inFlight?: number;
  /** Attempts per chunk (a chunk fails only on a worker error, not on a failed image). Default 3. */
  attempts?: number;
  keepQueue?: boolean;
  /** A chunk's lock time on the workers, ms (see DistributedExtractOptions.lockMs). */
  lockMs?: number;
  redisWaitMs?: number;
  log?: (line: string) => void;
}

export async function generateContextsDistributed(o: DistributedContextOptions): Promise<GenerateSummary> {
  const target = parseRedisUrl(o.queue);
  const log = o.log ?? (() => undefined);
  await checkRedis(target);
  const template = o.promptTemplate ?? DEFAULT_PROMPT;
  const chunkSize = o.chunkSize ?? 32;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new QueueError(`expected the chunk size to be a positive integer but received ${chunkSize}`);
  const failuresPath = o.failuresPath ?? `${o.output}.failures.jsonl`;
  const jobs = [...new Map(o.jobs.map((j) => [j.id, j])).values()];
  const existing = await existingContexts(o.output);
  for (const job of jobs) {
    const previous = existing.get(job.id);
    if (previous && (previous.model !== o.client.model || previous.prompt !== renderPrompt(template, job.text))) {
      throw new QueueError(`${o.output} already has a context for ${job.id} from model ${JSON.stringify(previous.model)} with another model or prompt; write to another output file`);
    }
  }
  const { appender, repairedBytes } = await JsonlAppender.open(o.output);
  await rm(failuresPath, { force: true });
  let failures: JsonlAppender | undefined;
  const summary: GenerateSummary = { total: jobs.length, done: 0, cached: 0, failed: 0, aborted: false, output: o.output, failuresPath, repairedBytes };
  const report = (id: string, outcome: 'done' | 'cached' | 'failed') => {
    summary[outcome]++;
    o.onProgress?.({ id, outcome, done: summary.done, cached: summary.cached, failed: summary.failed, total: summary.total });
  };
  for (const job of jobs) if (existing.has(job.id)) report(job.id, 'cached');
  const todo = jobs.filter((j) => !existing.has(j.id));
  const name = `c-${createHash('sha256').update(JSON.stringify([resolve(o.output), o.client.model, template])).digest('hex').slice(0, 16)}`;
  const rq = await RunQueue.open<ContextChunkData, ContextChunkResult>({ target, name, attempts: o.attempts ?? 3, redisWaitMs: o.redisWaitMs ?? 60_000, log, settings: o.lockMs ? { lockMs: o.lockMs } : {} });
  const aborted = new Promise<null>((res) => {
    if (o.signal?.aborted) res(null);
    o.signal?.addEventListener('abort', () => res(null), { once: true });
  });
  let finished = false;
  try {
    const pending: { start: number; outcome: Promise<ChunkOutcome<ContextChunkResult>> }[] = [];
    let next = 0;
    const fill = async () => {
      while (next < todo.length && pending.length < (o.inFlight ?? 16) && !o.signal?.aborted) {
        const start = next;
        next += chunkSize;
        const data: ContextChunkData = {
          kind: 'context', client: o.client, promptTemplate: template, jobs: todo.slice(start, start + chunkSize), cacheDir: o.cacheDir,
          maxImageSide: o.maxImageSide ?? 768, concurrency: o.concurrency ?? 4,
          retry: { retries: o.retry?.retries ?? 4, baseDelayMs: o.retry?.baseDelayMs ?? 1000 },
        };
        pending.push({ start, ...(await rq.submit(`c${start}`, data)) });
      }
    };
    await fill();
    while (pending.length > 0) {
      const head = pending[0]!;
      const outcome = await Promise.race([head.outcome, aborted]);
      if (outcome === null) break;
      const chunkJobs = todo.slice(head.start, head.start + chunkSize);
      const results = outcome.ok
        ? outcome.result.results
        : chunkJobs.map((j) => ({ id: j.id, outcome: 'failed' as const, image: j.image, kind: 'worker', error: target.redact(outcome.reason), attempts: o.attempts ?? 3 }));
      for (const r of results) {
        if (r.outcome === 'failed') {
          failures ??= (await JsonlAppender.open(failuresPath)).appender;
          const { outcome: _, ...failure } = r;
          await failures.append(failure satisfies FailureRecord);
        } else {
          await appender.append(record(r.id, r.context, o.client.model, r.prompt));
        }
        report(r.id, r.outcome);
      }
      await rq.consumed(`c${head.start}`);
      pending.shift();
      await fill();
    }
    finished = next >= todo.length && pending.length === 0;
  } finally {
    await appender.close();
    await failures?.close();
    await rq.close({ keep: !finished || (o.keepQueue ?? false) }).catch((err: unknown) => log(`redis: ${target.redact((err as Error).message)}`));
  }
  summary.aborted = !finished;
  return summary;
}
