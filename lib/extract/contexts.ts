// Where a post's context comes from, in order: the record itself, a context set (keyed by image
// id, or by the record's id), or — when asked — an LMM describing the image on the fly through the
// context client, with the same persistent cache as `shapca context` (a rerun pays for nothing twice).
import { basename } from 'node:path';

import type { ContextSet } from '../data/contexts.js';
import { imageKey } from '../data/images.js';
import { ContextCache } from '../lmm/cache.js';
import type { VisionClient } from '../lmm/client.js';
import { LmmError } from '../lmm/errors.js';
import { encodeImage, readImageFile } from '../lmm/image-payload.js';
import { DEFAULT_PROMPT, renderPrompt } from '../lmm/prompt.js';
import { type RetryOptions, withRetries } from '../lmm/retry.js';
import { Semaphore } from './limit.js';

export interface GenerateContextOptions {
  client: VisionClient;
  /** The cache folder (see lmm defaultCacheDir). */
  cacheDir: string;
  /** Prompt template (lmm renderPrompt). Default DEFAULT_PROMPT. */
  promptTemplate?: string;
  /** Put the post's text where the template says {text}. Default false. */
  withText?: boolean;
  /** Longest image side sent, in pixels. Default 768. */
  maxImageSide?: number;
  /** Largest image file read. Default 64 MiB. */
  maxImageBytes?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

export interface ContextSourceOptions {
  /** Contexts keyed by image id (the image file's name without extension) or by record id. */
  contexts?: ContextSet;
  /** Generate the missing contexts of posts with an image. */
  generate?: GenerateContextOptions;
}

export interface ResolvedContext {
  context?: string;
  /** Why generation failed (the post runs without a context). */
  error?: string;
}

export class ContextSource {
  private readonly cache: ContextCache | null;
  private readonly requests: Semaphore;

  constructor(private readonly o: ContextSourceOptions) {
    this.cache = o.generate ? new ContextCache(o.generate.cacheDir) : null;
    this.requests = new Semaphore(o.generate?.concurrency ?? 4);
  }

  /**
   * The context for a post: its own, the set's (by its image's id, else `imageKey` when its image is
   * not read, else its id), or a generated one.
   */
  async resolve(post: { id: string; tokens: string[]; context?: string; imagePath?: string; imageKey?: string }): Promise<ResolvedContext> {
    if (post.context) return { context: post.context };
    const found = (post.imagePath ? this.o.contexts?.get(imageKey(basename(post.imagePath))) : undefined)
      ?? (post.imageKey ? this.o.contexts?.get(post.imageKey) : undefined) ?? this.o.contexts?.get(post.id);
    if (found) return { context: found.context };
    if (!this.o.generate || !post.imagePath) return {};
    try {
      return { context: await this.generate(post.imagePath, post.tokens.join(' ')) };
    } catch (err) {
      if (!(err instanceof LmmError)) throw err;
      return { error: err.message };
    }
  }

  private async generate(imagePath: string, text: string): Promise<string> {
    const g = this.o.generate!;
    const prompt = renderPrompt(g.promptTemplate ?? DEFAULT_PROMPT, g.withText ? text : undefined);
    const { bytes, hash } = await readImageFile(imagePath, g.maxImageBytes);
    const key = ContextCache.key(hash, prompt, g.client.model);
    const hit = await this.cache!.get(key);
    if (hit) return hit.context;
    const context = await this.requests.run(async () => {
      const image = await encodeImage(bytes, imagePath, g.maxImageSide ?? 768);
      return (await withRetries(() => g.client.describe({ prompt, image, ...(g.signal ? { signal: g.signal } : {}) }), g.retry, g.signal)).value;
    });
    await this.cache!.put(key, { imageHash: hash, model: g.client.model, prompt, context, createdAt: new Date().toISOString() });
    return context;
  }
}
