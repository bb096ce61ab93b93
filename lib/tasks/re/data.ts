// Relation examples from MNRE files: instances, their images' contexts and preprocessed images.
import type { ContextSet } from '../../data/contexts.js';
import { readMnre } from '../../data/mnre.js';
import { type ImageRecipe, ImageLoader } from '../../model/image-loader.js';
import type { ReExample } from './batch.js';

export interface ReSource {
  /** An MNRE file (ours_*.txt: one Python-literal dict per line). */
  file: string;
  contexts?: ContextSet;
  /** Folder with the images (`img_id` names the file); absent: no images. */
  imagesDir?: string;
  /** Accepted relation labels; default 'any' (checked by the caller against the model's labels). */
  relations?: readonly string[] | 'any';
  /** Skip and report malformed lines instead of failing. */
  lenient?: boolean;
}

export interface ReLoadReport {
  instances: number;
  withContext: number;
  withImage: number;
  /** Images that were missing or failed to decode, with why. */
  imageErrors: string[];
  /** Malformed lines skipped in lenient mode. */
  skipped: number;
}

export async function loadReExamples(src: ReSource, image: ImageRecipe | null): Promise<{ examples: ReExample[]; report: ReLoadReport }> {
  const ds = await readMnre(src.file, { relations: src.relations ?? 'any', lenient: src.lenient ?? false });
  const images = new ImageLoader(src.imagesDir, image);
  const report: ReLoadReport = { instances: ds.records.length, withContext: 0, withImage: 0, imageErrors: images.errors, skipped: ds.skipped.length };
  const examples = await Promise.all(
    ds.records.map(async (r): Promise<ReExample> => {
      const context = src.contexts?.get(r.imageId)?.context;
      if (context) report.withContext++;
      const pixels = await images.load(r.imageId);
      if (pixels) report.withImage++;
      return {
        id: `${r.imageId}#${r.line}`, tokens: r.tokens, head: { start: r.head.start, end: r.head.end }, tail: { start: r.tail.start, end: r.tail.end },
        relation: r.relation, ...(context ? { context } : {}), pixels,
      };
    }),
  );
  return { examples, report };
}
