// Access to the real benchmark text in ../shared/data (or $SHAPCA_DATA_DIR). Suites that need it
// are skipped, with the reason printed, when it is absent: the project never ships those files.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Callback, Test } from 'uvu';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = process.env.SHAPCA_DATA_DIR ?? join(repoRoot, '..', 'shared', 'data');
export const hasSharedData = existsSync(join(SHARED_DATA, 'README.md'));

/** Path inside the shared data folder. */
export const shared = (...parts: string[]): string => join(SHARED_DATA, ...parts);

let reported = false;
/** `test`, or `test.skip` (with the reason printed once) when the shared data is missing. */
export function withSharedData<T>(test: Test<T>): (name: string, fn: Callback<T>) => void {
  if (hasSharedData) return test;
  if (!reported) console.log(`  (skipping real-data checks: no dataset README at ${SHARED_DATA}; set SHAPCA_DATA_DIR to run them)`);
  reported = true;
  return test.skip;
}

/** The rows of the first Markdown table after `heading` whose header starts with `firstColumn`. */
export function readmeTable(heading: string, firstColumn: string): string[][] {
  const text = readFileSync(shared('README.md'), 'utf8');
  const from = text.indexOf(heading);
  if (from < 0) throw new Error(`README has no section "${heading}"`);
  const lines = text.slice(from).split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`).test(l));
  if (start < 0) throw new Error(`README section "${heading}" has no table starting with "${firstColumn}"`);
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

/** A README number cell as a number ("4000", "6,166"). */
export const num = (cell: string | undefined): number => Number((cell ?? '').replace(/[,\s]/g, ''));

const memo = new Map<string, Promise<unknown>>();
/** Reads a big file once per test process, however many tests ask for it. */
export function readOnce<T>(key: string, read: () => Promise<T>): Promise<T> {
  if (!memo.has(key)) memo.set(key, read());
  return memo.get(key) as Promise<T>;
}
