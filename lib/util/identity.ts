// Identities of runs, for resumes: files by size and sha256 (not by name: a moved file is the same
// data, an edited one is not) and a comparison of two identities that names the first difference.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

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

/**
 * The first difference between two identities, in words; undefined when they agree. A section
 * (top-level key) that only one side recorded is not compared: a library caller may not record
 * the model, and a resume by the CLI of its output still checks the input.
 */
export function identityDifference(saved: unknown, now: unknown): string | undefined {
  const a = leaves(saved);
  const b = leaves(now);
  const sections = (m: Map<string, string>) => new Set([...m.keys()].map((k) => k.split('.')[0]));
  const both = new Set([...sections(a)].filter((s) => sections(b).has(s)));
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (!both.has(key.split('.')[0] as string)) continue;
    if (a.get(key) !== b.get(key)) {
      const was = a.get(key) ?? 'nothing';
      const is = b.get(key) ?? 'nothing';
      const file = /\.(sha256|bytes)$/.test(key) ? ' (the file changed)' : '';
      return `${key}: the run was started with ${was} but this command gives ${is}${file}`;
    }
  }
  return undefined;
}

/** The regular files under a folder, in a stable order; [] when it is not a folder. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir).catch(() => undefined);
  return out;
}

/** Every file under a folder (a saved model) by relative path, size and sha256. */
export async function dirIdentity(dir: string): Promise<Record<string, FileIdentity>> {
  const out: Record<string, FileIdentity> = {};
  for (const p of await filesUnder(dir)) out[relative(dir, p)] = await fileIdentity(p);
  return out;
}
