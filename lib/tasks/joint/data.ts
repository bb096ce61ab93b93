// Joint examples from JMERE files: sentences with their triples, their images' contexts and
// preprocessed images.
import type { ContextSet } from '../../data/contexts.js';
import { readJmere } from '../../data/jmere.js';
import { type ImageRecipe, ImageLoader } from '../../model/image-loader.js';
import type { JointExample } from './batch.js';

export interface JointSource {
  /** A JMERE split (train.json, val.json, test.json: a JSON array or JSON lines). */
  file: string;
  contexts?: ContextSet;
  /** Folder with the images (`img_id` names the file); absent: no images. */
  imagesDir?: string;
  /** Accepted relation names; default 'any'. */
  relations?: readonly string[] | 'any';
  /** Accepted entity types; default per, loc, org, misc. */
  entityTypes?: readonly string[];
  lenient?: boolean;
}

export interface JointLoadReport {
  sentences: number;
  triples: number;
  withContext: number;
  withImage: number;
  imageErrors: string[];
  skipped: number;
}

export async function loadJointExamples(src: JointSource, image: ImageRecipe | null): Promise<{ examples: JointExample[]; report: JointLoadReport }> {
  const ds = await readJmere(src.file, {
    relations: src.relations ?? 'any', lenient: src.lenient ?? false, ...(src.entityTypes ? { entityTypes: src.entityTypes } : {}),
  });
  const images = new ImageLoader(src.imagesDir, image);
  const report: JointLoadReport = {
    sentences: ds.records.length, triples: 0, withContext: 0, withImage: 0, imageErrors: images.errors, skipped: ds.skipped.length,
  };
  const span = (e: { start: number; end: number; type: string }) => ({ start: e.start, end: e.end, type: e.type });
  const examples = await Promise.all(
    ds.records.map(async (r): Promise<JointExample> => {
      const context = src.contexts?.get(r.imageId)?.context;
      if (context) report.withContext++;
      const pixels = await images.load(r.imageId);
      if (pixels) report.withImage++;
      report.triples += r.triples.length;
      return {
        id: `${r.imageId}#${r.index}`, tokens: r.tokens, triples: r.triples.map((t) => ({ head: span(t.head), tail: span(t.tail), relation: t.relation })),
        ...(context ? { context } : {}), pixels,
      };
    }),
  );
  return { examples, report };
}
