// Reading the context files a command or a task is given (--contexts a.jsonl b.jsonl ...): every
// file through its importer, merged into one set keyed by image id.
import { importContexts, type ContextFormat } from './context-importers.js';
import { ContextSet } from './contexts.js';

/** Reads and merges context files (the first context of an image wins). */
export async function readContextFiles(paths: string[], format: ContextFormat): Promise<ContextSet> {
  const merged = new ContextSet();
  for (const path of paths) for (const r of await importContexts(path, format)) merged.add(r);
  return merged;
}
