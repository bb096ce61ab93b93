// From an input item to what the model receives: the record checked, its image path resolved and
// decoded with the model's recipe (sharp, off the main thread), its context found or generated.
// Failures stay with the post: a bad record gets `error`; an unreadable image or a failed context
// request are noted and the post runs without them.
import { isAbsolute, resolve } from 'node:path';

import { ImageError, preprocess } from '../image/preprocess.js';
import { outsideReason } from '../util/confine.js';
import type { ContextSource, ResolvedContext } from './contexts.js';
import { checkRecord, type SourceItem } from './records.js';
import type { ExtractionModel, ModelInput } from './types.js';

/** A post ready to run, or the reason it cannot. */
export interface PreparedPost {
  id: string;
  tokens: string[];
  /** Absent when the record was malformed (then `error` says why). */
  input?: ModelInput;
  error?: string;
  imageError?: string;
  contextError?: string;
}

export interface PrepareContext {
  model: ExtractionModel;
  contexts: ContextSource;
  /** Relative image paths resolve here. */
  imagesDir: string;
  /** Refuse images whose real path is outside imagesDir (the record gets an imageError). */
  imagesOnly?: boolean;
  /** Largest image file read. Default 64 MiB. */
  maxImageBytes?: number;
}

/** The image's pixels, or null with post.imageError saying why not. */
async function loadPixels(path: string, post: PreparedPost, ctx: PrepareContext): Promise<Float32Array | null> {
  const recipe = ctx.model.image!;
  return preprocess(path, ctx.maxImageBytes === undefined ? recipe : { ...recipe, maxFileBytes: ctx.maxImageBytes }).catch((err: unknown) => {
    if (!(err instanceof ImageError)) throw err;
    post.imageError = err.message;
    return null;
  });
}

export function imagePath(image: string, imagesDir: string): string {
  return isAbsolute(image) ? image : resolve(imagesDir, image);
}

export async function preparePost(item: SourceItem, ctx: PrepareContext): Promise<PreparedPost> {
  const checked = checkRecord(item, { pair: ctx.model.pair ?? false });
  if (!checked.ok) return { id: checked.id, tokens: [], error: checked.error };
  const r = checked.record;
  let path = r.image ? imagePath(r.image, ctx.imagesDir) : undefined;
  const post: PreparedPost = { id: r.id, tokens: r.tokens };
  if (path && ctx.imagesOnly) {
    // Checked before anything reads the file: neither decoded nor sent to a context server.
    const outside = await outsideReason(path, ctx.imagesDir);
    if (outside) {
      post.imageError = outside;
      path = undefined;
    }
  }
  const [context, pixels] = await Promise.all([
    ctx.model.usesContext
      ? ctx.contexts.resolve({
          id: r.id, tokens: r.tokens, ...(r.context ? { context: r.context } : {}), ...(path ? { imagePath: path } : {}),
          ...(item.contextKey ? { imageKey: item.contextKey } : {}),
        })
      : Promise.resolve<ResolvedContext>({}),
    path && ctx.model.image ? loadPixels(path, post, ctx) : Promise.resolve(null),
  ]);
  if (context.error) post.contextError = context.error;
  post.input = { id: r.id, tokens: r.tokens, pixels, ...(context.context ? { context: context.context } : {}), ...(r.pair ? { pair: r.pair } : {}) };
  return post;
}
