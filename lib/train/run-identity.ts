// What a run was started with — the task, the data files (by size and sha256, not by name: a
// moved file is the same data, an edited one is not), the options — kept in outDir/run.json. A
// resume (of a killed run or of a finished one) first compares the identity it is given with the
// stored one and refuses, naming the first difference, before anything is loaded: resuming with
// other data or options would mix two runs, or fail deep inside with shapes that do not fit.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';
import { TrainError } from './errors.js';

export const IDENTITY_FILE = 'run.json';

/** A data file as identity: its path is recorded but not compared. */
export interface FileIdentity {
  path: string;
  bytes: number;
  sha256: string;
}

export async function fileIdentity(path: string): Promise<FileIdentity> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, bytes: (await stat(path)).size, sha256: hash.digest('hex') };
}

/** Leaves of a JSON value by dotted key ('data.train.sha256'); paths of files are skipped. */
function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'path' && typeof v === 'string') continue;
      leaves(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (value !== undefined) {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

/** The first difference between two identities, in words; undefined when they agree. */
export function identityDifference(saved: unknown, now: unknown): string | undefined {
  const a = leaves(saved);
  const b = leaves(now);
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key) !== b.get(key)) {
      const was = a.get(key) ?? 'nothing';
      const is = b.get(key) ?? 'nothing';
      const file = /\.(sha256|bytes)$/.test(key) ? ' (the file changed)' : '';
      return `${key}: the run was started with ${was} but this command gives ${is}${file}`;
    }
  }
  return undefined;
}

/** Records the identity of a new run (outDir/run.json). */
export function writeIdentity(outDir: string, identity: Record<string, unknown>): Promise<void> {
  return writeFileAtomic(join(outDir, IDENTITY_FILE), `${JSON.stringify(identity, null, 1)}\n`);
}

/** Throws when outDir's run was started with another identity (runs from before run.json pass). */
export async function checkIdentity(outDir: string, identity: Record<string, unknown>): Promise<void> {
  const path = join(outDir, IDENTITY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return;
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (err) {
    throw new TrainError(`${path}: cannot read what the run was started with (${(err as Error).message})`, 'SHAPCA_TRAIN_RESUME');
  }
  const diff = identityDifference(saved, identity);
  if (diff) throw new TrainError(`cannot resume ${outDir}: ${diff}; start a new output folder for another run`, 'SHAPCA_TRAIN_RESUME');
}
