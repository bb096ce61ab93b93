// Which model a chunk must run with: the folder as the user named it, and a content hash of the
// files a model is loaded from. Workers hash their own copy and refuse chunks whose hash differs, so
// a fleet with a stale or different copy on one machine never writes that copy's results.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import { QueueError } from './redis-url.js';

export interface ModelIdentity {
  /** The model folder as given: a relative path is resolved by each process in its own working directory. */
  path: string;
  /** sha256 over the model's files (names and contents), hex. */
  hash: string;
}

/** What a model folder is loaded from (see lib/model/io.ts): two files and three subfolders. */
const TOP_FILES = ['shapca.json', 'heads.safetensors'];
const SUBFOLDERS = ['text', 'image', 'tokenizer'];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The content hash of a model folder; an error when it holds no shapca.json. */
export async function modelHash(dir: string): Promise<string> {
  const st = await stat(join(dir, 'shapca.json')).catch(() => null);
  if (!st?.isFile()) throw new QueueError(`${dir} is not a model folder (no shapca.json)`);
  const files = [
    ...(await Promise.all(TOP_FILES.map(async (f) => ((await stat(join(dir, f)).catch(() => null))?.isFile() ? [join(dir, f)] : [])))).flat(),
    ...(await Promise.all(SUBFOLDERS.map((d) => filesUnder(join(dir, d))))).flat(),
  ];
  const names = files.map((f) => relative(dir, f).split(sep).join('/')).sort();
  const h = createHash('sha256');
  for (const name of names) h.update(`${name}\0${await fileDigest(join(dir, name))}\n`);
  return h.digest('hex');
}

export async function modelIdentity(path: string): Promise<ModelIdentity> {
  return { path, hash: await modelHash(path) };
}
