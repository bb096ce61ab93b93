// A worker's part of a distributed extraction: one chunk of records through the very pipeline a
// single process runs (runPipeline, same batch size and window), returned as its output lines.
import { performance } from 'node:perf_hooks';

import type { ContextSet } from '../data/contexts.js';
import { resultLine } from '../extract/output.js';
import { runPipeline } from '../extract/pipeline.js';
import type { SourceItem } from '../extract/records.js';
import { readContextFiles } from '../data/context-files.js';
import type { ModelCache } from './model-cache.js';
import type { ExtractChunkData, ExtractChunkResult } from './payload.js';

/** Context sets read by this worker, by their files (the last few runs'). */
export class ContextSets {
  private readonly sets = new Map<string, Promise<ContextSet>>();

  get(spec: NonNullable<ExtractChunkData['options']['contexts']>): Promise<ContextSet> {
    const key = JSON.stringify(spec);
    let set = this.sets.get(key);
    if (!set) {
      set = readContextFiles(spec.files, spec.format);
      set.catch(() => this.sets.delete(key));
      this.sets.set(key, set);
      while (this.sets.size > 4) this.sets.delete(this.sets.keys().next().value!);
    }
    return set;
  }
}

async function* itemsOf(items: SourceItem[]): AsyncGenerator<SourceItem> {
  yield* items;
}

/** The chunk's output lines, or null when `signal` stopped it first (the chunk is then handed back). */
export async function runExtractChunk(
  data: ExtractChunkData,
  ctx: { models: ModelCache; contexts: ContextSets; worker: string; signal?: AbortSignal },
): Promise<ExtractChunkResult | null> {
  const started = performance.now();
  const o = data.options;
  const contexts = o.contexts ? await ctx.contexts.get(o.contexts) : undefined;
  return ctx.models.use(data.model, async (model) => {
    const out: ExtractChunkResult = { lines: '', count: 0, errors: 0, imageErrors: 0, contextErrors: 0, ms: 0, worker: ctx.worker };
    const results = runPipeline(model, itemsOf(data.items), {
      batchSize: o.batchSize, window: o.window, imagesDir: o.imagesDir, ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(contexts ? { contexts } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    for await (const r of results) {
      out.lines += resultLine(r);
      out.count++;
      if (r.error !== undefined) out.errors++;
      if (r.imageError !== undefined) out.imageErrors++;
      if (r.contextError !== undefined) out.contextErrors++;
    }
    out.ms = performance.now() - started;
    return out.count === data.items.length ? out : null;
  });
}
