// A worker's part of a distributed context generation: one chunk of images described through the
// same cache and client as `shapca context` (lmm describeImage). The API key is read from this
// worker's environment, under the variable name the job gives; it never travels through Redis.
import { ContextCache } from '../lmm/cache.js';
import { createVisionClient } from '../lmm/client.js';
import { LmmError } from '../lmm/errors.js';
import { describeImage } from '../lmm/generate.js';
import { renderPrompt } from '../lmm/prompt.js';
import { mapLimit } from '../extract/limit.js';
import type { ContextChunkData, ContextChunkResult, ContextOutcome } from './payload.js';

/** The chunk's outcomes in order, or null when `signal` stopped it first (the chunk is then handed back). */
export async function runContextChunk(data: ContextChunkData, ctx: { worker: string; signal?: AbortSignal }): Promise<ContextChunkResult | null> {
  const spec = data.client;
  const apiKey = spec.apiKeyEnv ? process.env[spec.apiKeyEnv] : undefined;
  const client = createVisionClient({ ...spec, ...(apiKey ? { apiKey } : {}) });
  const cache = new ContextCache(data.cacheDir);
  const results = await mapLimit(data.jobs, data.concurrency, async (job): Promise<ContextOutcome | null> => {
    if (ctx.signal?.aborted) return null;
    const prompt = renderPrompt(data.promptTemplate, job.text);
    try {
      const { context, cached } = await describeImage(job, { client, cache, prompt, maxImageSide: data.maxImageSide, retry: data.retry, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      return { id: job.id, outcome: cached ? 'cached' : 'done', context, prompt };
    } catch (err) {
      if (ctx.signal?.aborted) return null;
      if (!(err instanceof LmmError)) throw err; // a bug or a disk error: the chunk fails (and is retried)
      return { id: job.id, outcome: 'failed', image: job.image, kind: err.kind, error: err.message, attempts: err.attempts, ...(err.status !== undefined ? { status: err.status } : {}) };
    }
  });
  if (results.some((r) => r === null)) return null;
  return { results: results as ContextOutcome[], worker: ctx.worker };
}
