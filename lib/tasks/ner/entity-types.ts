import { parseTag } from '../../data/bio.js';
import { readTwitterNer } from '../../data/twitter-ner.js';
import { findSplitFile } from '../../data/splits.js';

const CANONICAL = ['PER', 'LOC', 'ORG', 'OTHER', 'MISC'];

/** The entity types used by a dataset's training tags, in the usual order (PER, LOC, ORG, ...). */
export async function inferEntityTypes(dataDir: string): Promise<string[]> {
  const ds = await readTwitterNer(await findSplitFile('twitter', dataDir, 'train'), { lenient: true });
  const seen = new Set<string>();
  for (const r of ds.records) for (const t of r.tags) if (parseTag(t).type) seen.add(parseTag(t).type);
  return [...seen].sort((a, b) => {
    const ia = CANONICAL.indexOf(a), ib = CANONICAL.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}
