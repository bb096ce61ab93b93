// Hub repository ids and revisions, checked before they become URLs or cache paths, and the
// Hub's URL scheme for file contents: {endpoint}/{repo}/resolve/{revision}/{file}.
import { HubError } from './errors.js';

/** org/name or a legacy bare name (bert-base-uncased); the Hub's own rules. */
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]+$/;
const MAX_REPO_ID = 96;
const COMMIT = /^[0-9a-f]{40}$/;

export const DEFAULT_REVISION = 'main';

export function isCommitHash(revision: string): boolean {
  return COMMIT.test(revision);
}

/** Whether `name` reads as a repo id at all (a path such as ./model or /x/y does not). */
export function looksLikeRepoId(name: string): boolean {
  return REPO_ID.test(name) && !name.startsWith('.') && !name.startsWith('-');
}

/** The repo id, checked: org/name or name, letters, digits, - _ . only, no "--" or "..". */
export function checkRepoId(repoId: string): string {
  const bad = (why: string) => new HubError(`${JSON.stringify(repoId)} is not a Hub repo id (${why}); expected org/name or a local folder`, 'SHAPCA_HUB_INVALID_ID');
  if (repoId.length === 0 || repoId.length > MAX_REPO_ID) throw bad(`1 to ${MAX_REPO_ID} characters`);
  if (!looksLikeRepoId(repoId)) throw bad('letters, digits, "-", "_", "." and one "/"');
  if (repoId.includes('--') || repoId.includes('..')) throw bad('"--" and ".." are not allowed');
  for (const part of repoId.split('/')) {
    if (/^[-.]|[-.]$/.test(part)) throw bad('a part starts or ends with "-" or "."');
  }
  return repoId;
}

/**
 * A branch, tag, commit or refs/pr/N: it becomes one URL segment (escaped) and the path of a
 * file under refs/, so it may not climb out of it.
 */
export function checkRevision(revision: string): string {
  const bad = (why: string) => new HubError(`${JSON.stringify(revision)} is not a revision (${why})`, 'SHAPCA_HUB_INVALID_ID');
  if (revision.length === 0 || revision.length > 256) throw bad('1 to 256 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(revision)) throw bad('control characters or "\\"');
  if (revision.split('/').some((p) => p === '' || p === '.' || p === '..')) throw bad('an empty, "." or ".." part');
  return revision;
}

/** models--org--name: the repo's folder in the cache (Python's naming). */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

/** The resolve URL of a file; the revision is one escaped segment (refs/pr/1 → refs%2Fpr%2F1). */
export function resolveUrl(endpoint: string, repoId: string, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
}
