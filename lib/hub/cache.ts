// One repository's folder in the Hub cache, in the layout Python's huggingface_hub writes:
//   models--org--name/blobs/<etag>                  file contents, named by the Hub's ETag
//   models--org--name/blobs/<etag>.incomplete       a download in progress (resumable)
//   models--org--name/snapshots/<commit>/<file>     relative symlink → ../../blobs/<etag>
//   models--org--name/refs/<revision>               the commit a branch or tag pointed to
//   models--org--name/.no_exist/<commit>/<file>     the Hub said 404 for this file
//   .locks/models--org--name/<etag>.shapca-lock     our lock while a blob is written
// Python locks with fcntl on <etag>.lock, a lock we cannot take from Node; a mkdir lock of our
// own beside it keeps Node processes apart, and both write through <etag>.incomplete and a
// rename, with our hash check catching a blob spoilt by a concurrent writer.
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readlink, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';

import { isCommitHash, repoFolderName } from './repo-id.js';

const MAX_REF = 1024;
const ETAG = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A Hub ETag usable as a blob name: the git blob sha1 (40 hex) or the LFS sha256 (64 hex). */
export function isBlobEtag(etag: string): boolean {
  return ETAG.test(etag);
}

export class RepoCache {
  readonly folder: string;

  constructor(readonly cacheDir: string, readonly repoId: string) {
    this.folder = join(cacheDir, repoFolderName(repoId));
  }

  blobPath(etag: string): string {
    return join(this.folder, 'blobs', etag);
  }

  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.incomplete`;
  }

  lockPath(etag: string): string {
    return join(this.cacheDir, '.locks', repoFolderName(this.repoId), `${etag}.shapca-lock`);
  }

  snapshotDir(commit: string): string {
    return join(this.folder, 'snapshots', commit);
  }

  snapshotFile(commit: string, file: string): string {
    return join(this.snapshotDir(commit), file);
  }

  /** The commit a revision points to in the cache: itself for a commit hash, else refs/<revision>. */
  async commitFor(revision: string): Promise<string | null> {
    if (isCommitHash(revision)) return revision;
    let text: string;
    try {
      const path = join(this.folder, 'refs', revision);
      if ((await stat(path)).size > MAX_REF) return null;
      text = await readFile(path, 'utf8');
    } catch {
      return null;
    }
    const commit = text.trim();
    return isCommitHash(commit) ? commit : null;
  }

  /** refs/<revision> = commit (no newline, as Python writes it), replaced atomically. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = join(this.folder, 'refs', revision);
    if ((await this.commitFor(revision)) === commit) return;
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, path);
  }

  /** Whether the snapshot has the file (a link that resolves, or a plain file). */
  hasSnapshotFile(commit: string, file: string): boolean {
    return existsSync(this.snapshotFile(commit, file));
  }

  /** The blob a snapshot file links to and its ETag (null for a plain file or a foreign link). */
  async blobOf(commit: string, file: string): Promise<{ path: string; etag: string | null }> {
    const path = this.snapshotFile(commit, file);
    const info = await lstat(path);
    if (!info.isSymbolicLink()) return { path, etag: null };
    const target = resolvePath(dirname(path), await readlink(path));
    const blobs = join(this.folder, 'blobs');
    const name = relative(blobs, target);
    return { path: target, etag: dirname(target) === blobs && isBlobEtag(name) ? name : null };
  }

  /**
   * snapshots/<commit>/<file> → the blob, as a relative link (so the cache can be moved); where
   * links cannot be made, a copy, as Python does.
   */
  async linkSnapshot(commit: string, file: string, etag: string): Promise<string> {
    const path = this.snapshotFile(commit, file);
    const blob = this.blobPath(etag);
    await mkdir(dirname(path), { recursive: true });
    const target = relative(dirname(path), blob);
    try {
      const current = await readlink(path).catch(() => null);
      if (current === target) return path;
      await unlink(path).catch(() => undefined);
      await symlink(target, path);
    } catch {
      await copyFile(blob, path);
    }
    return path;
  }

  /** Records that the Hub has no such file at this commit (what Python's .no_exist does). */
  async markMissing(commit: string, file: string): Promise<void> {
    const path = join(this.folder, '.no_exist', commit, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '');
  }

  isMarkedMissing(commit: string, file: string): boolean {
    return existsSync(join(this.folder, '.no_exist', commit, file));
  }
}
