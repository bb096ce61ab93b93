// The persistent context cache: one small JSON file per (image hash, prompt, model), written
// atomically, so a finished description survives any crash and is never paid for twice — across
// runs, output files and datasets that share images.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';

export interface CacheEntry {
  imageHash: string;
  model: string;
  prompt: string;
  context: string;
  /** When it was generated (ISO 8601), for people reading the cache. */
  createdAt: string;
}

/** Where the cache lives unless told otherwise: $SHAPCA_CACHE_DIR, $XDG_CACHE_HOME/shapca, ~/.cache/shapca; then /contexts. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHAPCA_CACHE_DIR) return join(env.SHAPCA_CACHE_DIR, 'contexts');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'shapca', 'contexts');
}

export class ContextCache {
  constructor(readonly dir: string) {}

  /** The key of a (image hash, prompt, model) triple: a sha256, also the entry's file name. */
  static key(imageHash: string, prompt: string, model: string): string {
    return createHash('sha256').update(JSON.stringify([imageHash, model, prompt])).digest('hex');
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The entry, or undefined when absent or unreadable (an unreadable entry is simply redone). */
  async get(key: string): Promise<CacheEntry | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as Partial<CacheEntry>;
      return typeof entry.context === 'string' && typeof entry.model === 'string' && typeof entry.prompt === 'string' ? (entry as CacheEntry) : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    await writeFileAtomic(this.path(key), `${JSON.stringify(entry)}\n`);
  }
}
