// Checks a blob against the Hub's ETag: an LFS file's ETag is the sha256 of its bytes, a small
// git file's is its git blob id, sha1("blob <size>\0" + bytes). Both also fix the size.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export type BlobCheck = { ok: true } | { ok: false; why: string };

/** Whether the file at path has `size` bytes (when given) and hashes to `etag`. */
export async function checkBlob(path: string, etag: string, size?: number): Promise<BlobCheck> {
  const actual = (await stat(path)).size;
  if (size !== undefined && actual !== size) return { ok: false, why: `${actual} bytes where the Hub declares ${size}` };
  let hash;
  if (etag.length === 64) {
    hash = createHash('sha256');
  } else if (etag.length === 40) {
    hash = createHash('sha1');
    hash.update(`blob ${actual}\0`);
  } else {
    return { ok: true };
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  return digest === etag ? { ok: true } : { ok: false, why: `${etag.length === 64 ? 'sha256' : 'git sha1'} ${digest.slice(0, 12)}… where the ETag is ${etag.slice(0, 12)}…` };
}
