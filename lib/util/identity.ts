// Identities of runs, for resumes: files by size and sha256 (not by name: a moved file is the same
// data, an edited one is not) and a comparison of two identities that names the first difference.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** A data file as identity: its path is recorded but not compared. */
export interface FileIdentity {
  path: string;
  bytes: number;
  sha256: string;
}

/** The file's size and sha256; a pipe or device (read once, not hashable) is marked as such. */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const st = await stat(path);
  if (!st.isFile()) return { path, bytes: -1, sha256: 'none (not a regular file)' };
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, bytes: st.size, sha256: hash.digest('hex') };
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
