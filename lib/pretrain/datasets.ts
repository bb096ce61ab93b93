// In-domain pretraining text gathered from dataset folders: the posts of the TRAINING splits only
// (Twitter CoNLL train.txt, MNRE ours_train.txt, JMERE train.json) and, as their second segment,
// the contexts of the training images only. Dev and test files are never opened: only the
// training file names are looked up. A folder is a dataset, or holds datasets up to two levels down.
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { ContextSet } from '../data/contexts.js';
import { readJmere } from '../data/jmere.js';
import { readMnre } from '../data/mnre.js';
import { SPLIT_FILE_NAMES, type DatasetKind } from '../data/splits.js';
import { readTwitterNer } from '../data/twitter-ner.js';
import { memoryCorpus, readLines, type CorpusDocument, type CorpusSource } from './corpus.js';

export interface DatasetCorpusReport {
  /** One entry per training file read. */
  datasets: { dir: string; kind: DatasetKind; file: string; documents: number; withContext: number; skipped: number }[];
  /** Documents in all (repeated posts of one image count once). */
  documents: number;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** The training file of a dataset folder and its kind, or null. */
async function trainingFile(dir: string): Promise<{ kind: DatasetKind; file: string } | null> {
  for (const kind of ['jmere', 'mnre', 'twitter'] as const) {
    for (const name of SPLIT_FILE_NAMES[kind].train) {
      const file = join(dir, name);
      if (!(await exists(file))) continue;
      if (name !== 'train.txt') return { kind, file };
      // train.txt is Twitter CoNLL (IMGID lines) or MNRE (one dict per line): the first line tells.
      let line = '';
      for (const l of readLines(file)) {
        line = l.line.trim();
        break;  // (leaving the loop closes the file)
      }
      return { kind: line.startsWith('{') ? 'mnre' : 'twitter', file };
    }
  }
  return null;
}

/** Dataset folders: `dir` itself, else its sub-folders up to two levels down, in name order. */
async function datasetFolders(dir: string, depth = 0): Promise<{ dir: string; kind: DatasetKind; file: string }[]> {
  const here = await trainingFile(dir);
  if (here) return [{ dir, ...here }];
  if (depth >= 2) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: Error) => {
    throw new Error(`${dir}: cannot read the folder (${err.message})`);
  });
  const out: { dir: string; kind: DatasetKind; file: string }[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(...(await datasetFolders(join(dir, e.name), depth + 1)));
  }
  return out;
}

/**
 * The documents of the training splits of every dataset under `dirs`, each post with its
 * image's context from `contexts` when there is one. Posts repeated for one image (MNRE has one
 * line per entity pair) and datasets found twice count once.
 */
export async function datasetCorpus(dirs: readonly string[], contexts?: ContextSet): Promise<{ source: CorpusSource; report: DatasetCorpusReport }> {
  const docs: CorpusDocument[] = [];
  const seen = new Set<string>();
  const report: DatasetCorpusReport = { datasets: [], documents: 0 };
  for (const root of dirs) {
    const found = await datasetFolders(root);
    if (found.length === 0) {
      throw new Error(`${root}: no dataset found (expected a training file ${Object.values(SPLIT_FILE_NAMES).flatMap((n) => n.train).join(', ')} in it or in a sub-folder up to two levels down)`);
    }
    for (const { dir, kind, file } of found) {
      const records = kind === 'twitter'
        ? (await readTwitterNer(file, { lenient: true }))
        : kind === 'mnre' ? await readMnre(file, { relations: 'any', lenient: true }) : await readJmere(file, { relations: 'any', lenient: true });
      const entry = { dir, kind, file, documents: 0, withContext: 0, skipped: records.skipped.length };
      for (const r of records.records) {
        const text = r.tokens.join(' ');
        const key = `${r.imageId}\u0000${text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const context = contexts?.get(r.imageId)?.context;
        docs.push(context ? { text, context } : { text });
        entry.documents++;
        if (context) entry.withContext++;
      }
      report.datasets.push(entry);
    }
  }
  report.documents = docs.length;
  return { source: memoryCorpus(docs, `training splits of ${report.datasets.map((d) => d.dir).join(', ')}`), report };
}
