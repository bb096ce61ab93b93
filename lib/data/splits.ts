// Where each split of a dataset lives. The releases disagree on names (valid.txt vs val.txt,
// ours_val.txt vs the original `mnre_val .txt` with a space), so a split is found by trying the
// known names in order.
import { access } from 'node:fs/promises';
import { join } from 'node:path';

export type Split = 'train' | 'dev' | 'test';
export type DatasetKind = 'twitter' | 'mnre' | 'jmere';

/** File names tried for each split, first match wins. */
export const SPLIT_FILE_NAMES: Record<DatasetKind, Record<Split, readonly string[]>> = {
  twitter: { train: ['train.txt'], dev: ['valid.txt', 'val.txt', 'dev.txt'], test: ['test.txt'] },
  mnre: {
    train: ['ours_train.txt', 'mnre_train.txt', 'train.txt'],
    dev: ['ours_val.txt', 'mnre_val .txt', 'mnre_val.txt', 'val.txt', 'valid.txt', 'dev.txt'],
    test: ['ours_test.txt', 'mnre_test.txt', 'test.txt'],
  },
  jmere: { train: ['train.json'], dev: ['val.json', 'valid.json', 'dev.json'], test: ['test.json'] },
};

/** The path of a split's file in `dir`; an Error listing the names tried when none exists. */
export async function findSplitFile(kind: DatasetKind, dir: string, split: Split): Promise<string> {
  const names = SPLIT_FILE_NAMES[kind][split];
  for (const name of names) {
    const path = join(dir, name);
    try {
      await access(path);
      return path;
    } catch {
      // try the next name
    }
  }
  throw new Error(`expected a ${kind} ${split} file in ${dir} (tried ${names.map((n) => JSON.stringify(n)).join(', ')}) but found none`);
}
