// Loading a task's three splits from a dataset folder: the split files found by their usual names,
// the context files read once and shared, a wrong images folder refused up front, an empty split
// refused, and what loading each split reported kept beside its examples.
import { stat } from 'node:fs/promises';

import type { ContextFormat } from '../data/context-importers.js';
import { readContextFiles } from '../data/context-files.js';
import type { ContextSet } from '../data/contexts.js';
import { type DatasetKind, findSplitFile, type Split } from '../data/splits.js';

/** Where a task's data is: what every task's data options hold. */
export interface SplitDataOptions {
  dataDir: string;
  /** Context files, merged (our JSONL by default; see contextsFormat); absent: no contexts. */
  contexts?: string[];
  /** Format of the context files. Default 'jsonl'. */
  contextsFormat?: ContextFormat;
  imagesDir?: string;
  lenient?: boolean;
}

/** What a task's example loader is given for one split file. */
export interface SplitSource {
  file: string;
  lenient: boolean;
  contexts?: ContextSet;
  imagesDir?: string;
}

export interface Splits<E, R> {
  train: E[];
  dev: E[];
  test: E[];
  reports: Record<Split, R>;
}

/** The three splits of `o.dataDir` (files named as `kind` names them), each read by `load`. */
export async function loadTaskSplits<E, R>(
  kind: DatasetKind,
  o: SplitDataOptions,
  load: (source: SplitSource) => Promise<{ examples: E[]; report: R }>,
): Promise<Splits<E, R>> {
  const contexts = o.contexts?.length ? await readContextFiles(o.contexts, o.contextsFormat ?? 'jsonl') : undefined;
  return loadSplits(async (split) => load({
    file: await findSplitFile(kind, o.dataDir, split), lenient: o.lenient ?? false,
    ...(contexts ? { contexts } : {}), ...(o.imagesDir ? { imagesDir: o.imagesDir } : {}),
  }), o);
}

/** The three splits, loaded together, with what loading each reported. */
export async function loadSplits<E, R>(
  load: (split: Split) => Promise<{ examples: E[]; report: R }>,
  where: { dataDir: string; imagesDir?: string | undefined },
): Promise<Splits<E, R>> {
  // A wrong images folder would otherwise only show up as every image failing, one by one.
  if (where.imagesDir && !(await isDirectory(where.imagesDir))) {
    throw new Error(`the images folder ${where.imagesDir} does not exist (leave out --images to train without images)`);
  }
  // One split after the other, so that a missing or broken file is always reported for the
  // first split that has one (train before dev before test), not for whichever failed first.
  const train = await load('train');
  const dev = await load('dev');
  const test = await load('test');
  for (const [split, part] of [['train', train], ['dev', dev], ['test', test]] as const) {
    if (part.examples.length === 0) throw new Error(`the ${split} split of ${where.dataDir} has no examples`);
  }
  return {
    train: train.examples, dev: dev.examples, test: test.examples,
    reports: { train: train.report, dev: dev.report, test: test.report },
  };
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** An empty gold file would score 0 (or NaN) and look like a result: it is an error instead. */
export function refuseEmpty(file: string, examples: readonly unknown[]): void {
  if (examples.length === 0) throw new Error(`${file} has no examples to evaluate`);
}
