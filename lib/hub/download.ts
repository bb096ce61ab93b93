// A blob into the cache: under a per-blob lock, downloaded into <etag>.incomplete (resumed with
// a Range request after an interruption, within this call or a later one), never past the
// declared size, checked against the ETag, then renamed into place. A cached blob that fails
// the check is fetched again.
import { existsSync } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import lockfile from 'proper-lockfile';

import type { RepoCache } from './cache.js';
import { HubError } from './errors.js';
import { type HttpContext, hubRequest } from './http.js';
import type { FileMetadata } from './metadata.js';
import { createDownloadProgress } from './progress.js';
import { checkBlob } from './verify.js';

/** How long to wait for another process that is downloading the same blob. */
const LOCK_WAIT_MS = 60 * 60 * 1000;

export interface BlobDownload extends HttpContext {
  /** Wait for the next bytes of a download. */
  downloadTimeoutMs: number;
  /** Attempts after an interrupted transfer. Default 4. */
  retries?: number;
  /** Draw a progress bar on a terminal. */
  progress: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

const retryable = (err: unknown) =>
  err instanceof HubError && (err.code === 'SHAPCA_HUB_NETWORK' || (err.code === 'SHAPCA_HUB_HTTP' && (err.status === 429 || (err.status ?? 0) >= 500)));

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

/** Holds the blob's lock while fn runs; waits (saying so once) while another process holds it. */
async function withLock<T>(path: string, onWait: () => void, fn: (lost: () => Error | null) => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  let lostWith: Error | null = null;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let release: (() => Promise<void>) | undefined;
  for (let waited = false; !release;) {
    try {
      release = await lockfile.lock(path, {
        // A lock whose holder stopped refreshing it (a killed process) is taken over after `stale`.
        realpath: false, lockfilePath: path, stale: 10_000, update: 2_500, retries: 0,
        onCompromised: (err) => {
          lostWith = err;
        },
      });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ELOCKED') throw err;
      if (!waited) onWait();
      waited = true;
      if (Date.now() > deadline) throw new HubError(`gave up waiting for the lock ${path}`, 'SHAPCA_HUB_NETWORK');
      await sleep(150);
    }
  }
  try {
    return await fn(() => lostWith);
  } finally {
    await release().catch(() => undefined);
  }
}

/** One GET of the rest of the file into `partial`, from byte `have`. */
async function transfer(meta: FileMetadata, partial: string, have: number, o: BlobDownload, label: string): Promise<void> {
  const res = await hubRequest(o, meta.location, {
    method: 'GET', headers: have > 0 ? { range: `bytes=${have}-` } : {}, timeoutMs: o.downloadTimeoutMs, follow: 'storage',
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const { status, headers, body } = res.response;
  let from = 0;
  if (status === 206) {
    const m = /^bytes (\d+)-/.exec(headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== have) {
      res.abort();
      throw new HubError(`${label}: the server answered a Range request for byte ${have} with ${headers.get('content-range')}`, 'SHAPCA_HUB_PROTOCOL');
    }
    from = have;
  } else if (status !== 200) {
    res.abort();
    if (status === 416) await unlink(partial).catch(() => undefined);
    const code = status === 401 || status === 403 ? 'SHAPCA_HUB_AUTH' : 'SHAPCA_HUB_HTTP';
    throw new HubError(`${label}: the download answered ${status}`, status === 416 ? 'SHAPCA_HUB_NETWORK' : code, { status });
  }
  const file = await open(partial, from === 0 ? 'w' : 'a');
  const progress = createDownloadProgress(label, meta.size, from, { bar: o.progress, log: o.log });
  let pos = from;
  try {
    if (!body) throw new HubError(`${label}: an empty answer`, 'SHAPCA_HUB_NETWORK');
    const reader = body.getReader();
    for (;;) {
      res.arm(o.downloadTimeoutMs);
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        const why = res.timedOut() ? `no data for ${o.downloadTimeoutMs / 1000} s` : `connection lost: ${(err as Error).message}`;
        throw new HubError(`${label}: ${why} at byte ${pos} of ${meta.size}`, 'SHAPCA_HUB_NETWORK', { cause: err });
      }
      if (chunk.done) break;
      if (pos + chunk.value.length > meta.size) {
        throw new HubError(`${label}: the server sent more than the ${meta.size} bytes it declared`, 'SHAPCA_HUB_INTEGRITY');
      }
      await file.write(chunk.value);
      pos += chunk.value.length;
      progress.update(pos);
    }
    if (pos < meta.size) throw new HubError(`${label}: the connection ended at byte ${pos} of ${meta.size}`, 'SHAPCA_HUB_NETWORK');
    progress.stop(true);
  } finally {
    progress.stop(false);
    res.abort();
    await file.close();
  }
}

/** The blob of `meta` in the cache, checked; downloads it when absent or corrupt. */
export async function ensureBlob(cache: RepoCache, meta: FileMetadata, o: BlobDownload): Promise<{ path: string; downloaded: boolean }> {
  const label = `${cache.repoId}/${meta.file}`;
  const blob = cache.blobPath(meta.etag);
  const partial = cache.incompletePath(meta.etag);
  const waitLine = () => o.log(`waiting for another process that is downloading ${label}`);
  return withLock(cache.lockPath(meta.etag), waitLine, async (lost) => {
    if (existsSync(blob)) {
      const check = await checkBlob(blob, meta.etag, meta.size);
      if (check.ok) return { path: blob, downloaded: false };
      o.log(`${label}: the cached blob is corrupt (${check.why}); fetching it again`);
      await unlink(blob);
    }
    await mkdir(dirname(blob), { recursive: true });
    const attempts = 1 + (o.retries ?? 4);
    for (let fresh = 0; ; fresh++) {
      for (let attempt = 1; ; attempt++) {
        let have = await sizeOf(partial);
        if (have > meta.size) {
          await unlink(partial);
          have = 0;
        }
        if (have === meta.size) break;
        try {
          await transfer(meta, partial, have, o, label);
          break;
        } catch (err) {
          if (!retryable(err) || attempt >= attempts) throw err;
          o.log(`${(err as Error).message}; resuming (attempt ${attempt + 1} of ${attempts})`);
          await sleep(Math.min(4000, 250 * 2 ** (attempt - 1)));
        }
      }
      const lockLost = lost();
      if (lockLost) throw new HubError(`${label}: lost the download lock (${lockLost.message})`, 'SHAPCA_HUB_INTEGRITY');
      const check = await checkBlob(partial, meta.etag, meta.size);
      if (check.ok) break;
      await unlink(partial);
      if (fresh >= 1) throw new HubError(`${label}: the download does not match the Hub's ETag (${check.why})`, 'SHAPCA_HUB_INTEGRITY');
      o.log(`${label}: the download does not match the Hub's ETag (${check.why}); fetching it again from the start`);
    }
    await rename(partial, blob);
    return { path: blob, downloaded: true };
  });
}
