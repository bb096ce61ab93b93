// What the Hub cache holds (for `shapca hub ls`): per repository, its revisions (refs), its
// snapshots and their files, and the bytes its blobs take (partial downloads counted apart).
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { isCommitHash } from './repo-id.js';

export interface CachedSnapshot {
  commit: string;
  /** Branches and tags that point to this commit in refs/. */
  refs: string[];
  files: string[];
}

export interface CachedRepo {
  repoId: string;
  folder: string;
  /** Bytes of complete blobs. */
  bytes: number;
  /** Bytes of .incomplete downloads. */
  partialBytes: number;
  snapshots: CachedSnapshot[];
}

async function entries(dir: string) {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

/** Files under dir, relative to it (links included, not followed). */
async function walk(dir: string, root = dir, depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  const out: string[] = [];
  for (const e of await entries(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path, root, depth + 1)));
    else out.push(relative(root, path));
  }
  return out.sort();
}

async function readRefs(folder: string): Promise<Map<string, string[]>> {
  const byCommit = new Map<string, string[]>();
  const refsDir = join(folder, 'refs');
  for (const ref of await walk(refsDir)) {
    const commit = (await readFile(join(refsDir, ref), 'utf8').catch(() => '')).trim().slice(0, 64);
    if (!isCommitHash(commit)) continue;
    byCommit.set(commit, [...(byCommit.get(commit) ?? []), ref]);
  }
  return byCommit;
}

/** The model repositories in the cache, by repo id; `only` limits it to one. */
export async function listCache(cacheDir: string, only?: string): Promise<CachedRepo[]> {
  const repos: CachedRepo[] = [];
  for (const e of await entries(cacheDir)) {
    if (!e.isDirectory() || !e.name.startsWith('models--')) continue;
    const repoId = e.name.slice('models--'.length).split('--').join('/');
    if (only !== undefined && repoId !== only) continue;
    const folder = join(cacheDir, e.name);
    let bytes = 0;
    let partialBytes = 0;
    for (const b of await entries(join(folder, 'blobs'))) {
      const size = await lstat(join(folder, 'blobs', b.name)).then((s) => s.size, () => 0);
      if (b.name.endsWith('.incomplete')) partialBytes += size;
      else bytes += size;
    }
    const refs = await readRefs(folder);
    const snapshots: CachedSnapshot[] = [];
    for (const s of await entries(join(folder, 'snapshots'))) {
      if (!s.isDirectory()) continue;
      snapshots.push({ commit: s.name, refs: refs.get(s.name) ?? [], files: await walk(join(folder, 'snapshots', s.name)) });
    }
    repos.push({ repoId, folder, bytes, partialBytes, snapshots });
  }
  return repos.sort((a, b) => a.repoId.localeCompare(b.repoId));
}
