// Which images to describe: those of a dataset file (any of the three formats, with the post's
// text for prompts that use it), or every image in a folder.
import { readdir } from 'node:fs/promises';
import { extname } from 'node:path';

import type { DataFormatError } from '../data/errors.js';
import { ImageResolver } from '../data/images.js';
import { parseJmere } from '../data/jmere.js';
import { parseMnre } from '../data/mnre.js';
import { readText } from '../data/text-file.js';
import { parseTwitterNer } from '../data/twitter-ner.js';
import type { ContextJob } from './generate.js';

export type DatasetFormat = 'twitter' | 'mnre' | 'jmere';

/** Guesses a dataset file's format from its first characters; undefined when unsure. */
export function detectDatasetFormat(text: string): DatasetFormat | undefined {
  const head = text.trimStart();
  if (head.startsWith('IMGID:')) return 'twitter';
  if (head.startsWith('[')) return 'jmere';
  if (head.startsWith("{'")) return 'mnre';
  if (head.startsWith('{"')) return 'jmere'; // JSON lines in the JMERE format
  return undefined;
}

export interface DatasetJobsOptions {
  /** Default: detected from the content. */
  format?: DatasetFormat;
  /** Skip malformed dataset records instead of stopping (they are returned in `skipped`). */
  lenient?: boolean;
}

/** One job per distinct image of a dataset file; the text is the first sentence that uses it. */
export async function jobsFromDataset(path: string, imagesDir: string, options: DatasetJobsOptions = {}): Promise<{ jobs: ContextJob[]; skipped: DataFormatError[] }> {
  const text = await readText(path);
  const format = options.format ?? detectDatasetFormat(text);
  if (!format) throw new Error(`cannot tell the format of ${path} (expected Twitter CoNLL, MNRE or JMERE); pass --format`);
  const read = { lenient: options.lenient ?? false };
  const { records, skipped } =
    format === 'twitter' ? parseTwitterNer(text, path, read) : format === 'mnre' ? parseMnre(text, path, read) : parseJmere(text, path, read);
  const images = new ImageResolver(imagesDir);
  const jobs = new Map<string, ContextJob>();
  for (const r of records) {
    if (!jobs.has(r.imageId)) jobs.set(r.imageId, { id: r.imageId, image: images.path(r.imageId), text: r.tokens.join(' ') });
  }
  return { jobs: [...jobs.values()], skipped };
}

const IMAGE_FILE = /^\.(jpe?g|png|webp|gif|bmp|tiff?)$/i;

/** One job per image file directly inside a folder (sorted by name); the id is the file name. */
export async function jobsFromFolder(imagesDir: string): Promise<ContextJob[]> {
  const images = new ImageResolver(imagesDir);
  const names = (await readdir(imagesDir, { withFileTypes: true }))
    .filter((e) => e.isFile() && IMAGE_FILE.test(extname(e.name)))
    .map((e) => e.name)
    .sort();
  return names.map((name) => ({ id: name, image: images.path(name) }));
}
