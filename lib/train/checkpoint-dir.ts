// Whole checkpoint folders, never seen half-written: a checkpoint is filled in a hidden sibling
// (`.<name>.tmp-*`) and renamed into place. A folder cannot be renamed over a non-empty one, so an
// existing target is first moved aside (`.<name>.old-*`) and removed afterwards; a crash between
// the two renames leaves only the old copy, which `recoverDir` puts back. Leftover temporary
// folders are never read: they are deleted.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function hidden(target: string, kind: 'tmp' | 'old'): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces the folder `target` with one that `fill` writes (into an empty folder it is given).
 * If fill throws, target is left as it was and the temporary folder is removed.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = hidden(target, 'tmp');
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  let old: string | null = null;
  if (await exists(target)) {
    old = hidden(target, 'old');
    await rename(target, old);
  }
  await rename(tmp, target);
  if (old) await rm(old, { recursive: true, force: true });
}

/** What `recoverDir` found and did. */
export interface RecoverReport {
  /** Temporary or superseded folders deleted. */
  removed: string[];
  /** The superseded folder put back as target because a crash left no target. */
  restored: string | null;
}

/**
 * Cleans up after a crash in `writeDirAtomic(target)`: deletes unfinished temporary folders and,
 * when target is missing but a superseded copy survives, renames the newest copy back.
 */
export async function recoverDir(target: string): Promise<RecoverReport> {
  const parent = dirname(target);
  const name = basename(target);
  const report: RecoverReport = { removed: [], restored: null };
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return report;
  }
  const tmps = entries.filter((e) => e.startsWith(`.${name}.tmp-`)).map((e) => join(parent, e));
  const olds = entries.filter((e) => e.startsWith(`.${name}.old-`)).map((e) => join(parent, e));
  for (const t of tmps) {
    await rm(t, { recursive: true, force: true });
    report.removed.push(t);
  }
  if (olds.length > 0 && !(await exists(target))) {
    const withTimes = await Promise.all(olds.map(async (p) => ({ p, t: (await stat(p)).mtimeMs })));
    withTimes.sort((a, b) => b.t - a.t);
    const newest = withTimes[0]?.p as string;
    await rename(newest, target);
    report.restored = newest;
  }
  for (const o of olds) {
    if (o === report.restored) continue;
    await rm(o, { recursive: true, force: true });
    report.removed.push(o);
  }
  return report;
}
