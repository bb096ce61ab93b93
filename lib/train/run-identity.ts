// What a run was started with — the task, the data files (by size and sha256, not by name: a
// moved file is the same data, an edited one is not), the options — kept in outDir/run.json. A
// resume (of a killed run or of a finished one) first compares the identity it is given with the
// stored one and refuses, naming the first difference, before anything is loaded: resuming with
// other data or options would mix two runs, or fail deep inside with shapes that do not fit.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';
import { identityDifference } from '../util/identity.js';
import { TrainError } from './errors.js';

export const IDENTITY_FILE = 'run.json';
export { fileIdentity, identityDifference, type FileIdentity } from '../util/identity.js';

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
