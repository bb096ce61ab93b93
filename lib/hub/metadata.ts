// What the Hub says about one file before it is downloaded (a HEAD on its resolve URL): the
// commit the revision points to (X-Repo-Commit), the ETag that names the blob (X-Linked-Etag
// for LFS files: their sha256; else ETag: the git blob sha1), the size (X-Linked-Size, else
// Content-Length) and, for LFS files, the storage URL (the 302's Location). Failures become
// one-line explanations; a file the repository does not have is null.
import { isBlobEtag } from './cache.js';
import { HubError } from './errors.js';
import { type HttpContext, hubRequest, redact, refusedRedirect, storageAllowed } from './http.js';
import { isCommitHash, resolveUrl } from './repo-id.js';

/** Sanity bound on one file's declared size (the largest safetensors shards are a few GiB). */
export const MAX_FILE_BYTES = 256 * 1024 ** 3;

export interface FileMetadata {
  file: string;
  commit: string;
  etag: string;
  size: number;
  /** Where to download it: the storage URL for LFS files, else the resolve URL. */
  location: string;
}

export interface MetadataRequest extends HttpContext {
  repoId: string;
  revision: string;
  timeoutMs: number;
  /** For messages: where the token came from (null: none sent). */
  tokenSource: string | null;
  signal?: AbortSignal;
}

function normaliseEtag(raw: string | null): string | null {
  if (!raw) return null;
  return raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

function authHint(r: MetadataRequest): string {
  const page = `${r.endpoint}/${r.repoId}`;
  if (!r.token) {
    return `no token was sent: set HF_TOKEN to a read token (${r.endpoint}/settings/tokens) or run \`huggingface-cli login\`, and accept the model's conditions on ${page}`;
  }
  return `the token from ${r.tokenSource ?? 'the environment'} was sent: check that it may read ${r.repoId} and that its conditions were accepted on ${page}`;
}

function failure(r: MetadataRequest, file: string, status: number, headers: Headers): HubError {
  const code = headers.get('x-error-code') ?? '';
  const said = headers.get('x-error-message');
  const detail = said ? ` (the Hub says: ${redact(said, r.token)})` : '';
  const where = `${r.repoId} at revision ${r.revision}`;
  if ((status === 401 || status === 403) && code === 'RepoNotFound') {
    return new HubError(`${r.repoId}: not a local folder, and the Hub (${r.endpoint}) has no such repository, or it is private and ${authHint(r)}${detail}`, 'SHAPCA_HUB_NOT_FOUND', { status });
  }
  if (status === 401 || status === 403) {
    const what = code === 'GatedRepo' ? 'a gated repository' : 'a gated or private repository, or one that does not exist';
    return new HubError(`${where}: the Hub answered ${status} for ${file}: ${what}; ${authHint(r)}${detail}`, 'SHAPCA_HUB_AUTH', { status });
  }
  if (code === 'RepoNotFound') {
    return new HubError(`${r.repoId}: not a local folder, and no such repository on ${r.endpoint} (if it is private, set HF_TOKEN)${detail}`, 'SHAPCA_HUB_NOT_FOUND', { status });
  }
  if (code === 'RevisionNotFound') {
    return new HubError(`${r.repoId}: no revision ${JSON.stringify(r.revision)} (a branch, tag, commit or refs/pr/N)${detail}`, 'SHAPCA_HUB_NOT_FOUND', { status });
  }
  return new HubError(`${where}: the Hub answered ${status} for ${file}${detail}`, 'SHAPCA_HUB_HTTP', { status });
}

/** The file's metadata, or null when the repository has no such file at this revision. */
export async function fetchMetadata(r: MetadataRequest, file: string): Promise<FileMetadata | null> {
  const url = resolveUrl(r.endpoint, r.repoId, r.revision, file);
  const res = await hubRequest(r, url, { method: 'HEAD', timeoutMs: r.timeoutMs, follow: 'relative', ...(r.signal ? { signal: r.signal } : {}) });
  res.abort();
  const { status, headers } = res.response;
  if (status === 404 && (headers.get('x-error-code') ?? 'EntryNotFound') === 'EntryNotFound') return null;
  if (status >= 400) throw failure(r, file, status, headers);
  if (status >= 300 && status <= 399 && !headers.get('location')) throw new HubError(`${r.repoId}: a ${status} without a Location for ${file}`, 'SHAPCA_HUB_PROTOCOL', { status });
  const commit = headers.get('x-repo-commit')?.trim() ?? '';
  const etag = normaliseEtag(headers.get('x-linked-etag') ?? headers.get('etag'));
  const sizeText = headers.get('x-linked-size') ?? headers.get('content-length');
  const size = sizeText !== null && /^\d{1,15}$/.test(sizeText.trim()) ? Number(sizeText) : NaN;
  const problem = !isCommitHash(commit) ? 'no X-Repo-Commit commit hash'
    : etag === null || !isBlobEtag(etag) ? 'no sha1 or sha256 ETag'
    : !Number.isSafeInteger(size) ? 'no size (X-Linked-Size / Content-Length)'
    : size > MAX_FILE_BYTES ? `a size of ${size} bytes, over the ${MAX_FILE_BYTES}-byte bound` : null;
  if (problem) {
    throw new HubError(`${r.repoId}: the answer for ${file} at ${r.revision} has ${problem}; is HF_ENDPOINT (${r.endpoint}) a Hugging Face Hub?`, 'SHAPCA_HUB_PROTOCOL', { status });
  }
  // The LFS storage redirect is followed later, by the download: it must go where downloads may.
  const location = status >= 300 ? new URL(headers.get('location')!, res.url) : res.url;
  if (!storageAllowed(r, location)) throw refusedRedirect(r, res.url, location);
  return { file, commit, etag: etag!, size, location: location.href };
}
