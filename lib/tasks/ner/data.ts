// NER examples from dataset files: sentences, their images' contexts and preprocessed images.
import { ContextSet } from '../../data/contexts.js';
import { ImageResolver } from '../../data/images.js';
import { readTwitterNer } from '../../data/twitter-ner.js';
import { ImageError, preprocess } from '../../image/preprocess.js';
import type { NerExample } from './batch.js';

export interface NerSource {
  /** A Twitter-2015/2017-style CoNLL file (IMGID lines). */
  file: string;
  /** Contexts keyed by image id. */
  contexts?: ContextSet;
  /** Folder with the images (`<id>.jpg`); absent: no images. */
  imagesDir?: string;
  /** Entity types the tags may carry. */
  entityTypes?: readonly string[];
  /** Skip and report malformed sentences instead of failing. */
  lenient?: boolean;
}

export interface NerLoadReport {
  sentences: number;
  withContext: number;
  withImage: number;
  /** Images that were missing or failed to decode, with why. */
  imageErrors: string[];
  /** Malformed lines skipped in lenient mode. */
  skipped: number;
}

/** Reads a split; images are decoded and normalised once here, with the model's recipe. */
export async function loadNerExamples(
  src: NerSource,
  image: { size: number; mean: number[]; std: number[] } | null,
): Promise<{ examples: NerExample[]; report: NerLoadReport }> {
  const ds = await readTwitterNer(src.file, { ...(src.entityTypes ? { entityTypes: src.entityTypes } : {}), lenient: src.lenient ?? false });
  const resolver = src.imagesDir && image ? new ImageResolver(src.imagesDir) : null;
  const report: NerLoadReport = { sentences: ds.records.length, withContext: 0, withImage: 0, imageErrors: [], skipped: ds.skipped.length };
  const examples = await Promise.all(
    ds.records.map(async (r, i): Promise<NerExample> => {
      const context = src.contexts?.get(r.imageId)?.context;
      if (context) report.withContext++;
      let pixels: Float32Array | null = null;
      if (resolver && image) {
        try {
          pixels = await preprocess(resolver.path(r.imageId), image);
          report.withImage++;
        } catch (err) {
          if (!(err instanceof ImageError)) throw err;
          report.imageErrors.push(`${r.imageId}: ${err.message}`);
        }
      }
      return { id: `${r.imageId}#${i}`, tokens: r.tokens, tags: r.tags, ...(context ? { context } : {}), pixels };
    }),
  );
  return { examples, report };
}
