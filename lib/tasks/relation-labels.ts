// The label sets of a relation dataset: a rel2id file when the folder has one (MNRE v2 ships
// ours_rel2id.json), else the labels of the training split in the usual order.
import { access } from 'node:fs/promises';
import { join } from 'node:path';

import { JMERE_ENTITY_TYPES, JMERE_RELATIONS, MNRE_RELATIONS } from '../data/labels.js';
import { readRelationLabels } from '../data/mnre.js';

const REL2ID_NAMES = ['ours_rel2id.json', 'rel2id.json'];

/** Known labels first in their canonical order, the rest alphabetically. */
function ordered(labels: Iterable<string>, canonical: readonly string[]): string[] {
  const rank = (l: string) => (canonical.includes(l) ? canonical.indexOf(l) : canonical.length);
  return [...new Set(labels)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface RelationLabelSet {
  relations: string[];
  /** The "no relation" label among them. */
  none: string;
  /** Where they came from: a rel2id path, or 'training split'. */
  source: string;
}

/**
 * MRE labels: `rel2id` (a path) when given, else a rel2id file in `dataDir`, else the training
 * labels (`None`/`none` first, then MNRE v2's order). The none label is the one spelled none in
 * any case; one is added when the data has none.
 */
export async function mreLabels(dataDir: string, trainLabels: Iterable<string>, rel2id?: string): Promise<RelationLabelSet> {
  let path = rel2id;
  if (!path) {
    for (const name of REL2ID_NAMES) {
      if (await access(join(dataDir, name)).then(() => true, () => false)) {
        path = join(dataDir, name);
        break;
      }
    }
  }
  const relations = path ? await readRelationLabels(path) : ordered(trainLabels, MNRE_RELATIONS);
  let none = relations.find((l) => l.toLowerCase() === 'none');
  if (!none) {
    if (path) throw new Error(`${path}: expected a "None" (or "none") label among ${relations.length} labels`);
    none = 'None';
    relations.unshift(none);
  }
  if (!path) {
    relations.splice(relations.indexOf(none), 1);
    relations.unshift(none);
  }
  return { relations, none, source: path ?? 'training split' };
}

/** MJERE labels from the training triples: `None` then the relation names in JMERE's order. */
export function jointRelations(trainRelations: Iterable<string>): RelationLabelSet {
  const names = ordered(trainRelations, JMERE_RELATIONS).filter((r) => r !== 'None');
  return { relations: ['None', ...names], none: 'None', source: 'training split' };
}

/** MJERE entity types from the training triples, per / loc / org / misc first. */
export function jointEntityTypes(trainTypes: Iterable<string>): string[] {
  return ordered(trainTypes, JMERE_ENTITY_TYPES);
}

/**
 * Class-balance loss weights: label c of n_c training instances (of N) weighs (N / n_c)^power,
 * scaled so that the mean weight over the training instances is 1, then capped at `maxWeight`;
 * labels absent from training weigh 1. On MNRE v2 (power 0.5) None, 63 % of the instances, weighs
 * 0.41, /per/per/peer (8 %) 1.15 and labels under 1 % the cap 5: the all-None solution stops being
 * a cheap optimum without a handful of rare instances dominating the loss.
 */
export function classBalanceWeights(labels: readonly string[], trainLabels: readonly string[], o: { power?: number; maxWeight?: number } = {}): number[] {
  const power = o.power ?? 0.5;
  const maxWeight = o.maxWeight ?? 5;
  const counts = new Map<string, number>();
  for (const l of trainLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const n = trainLabels.length;
  const raw = labels.map((l) => (counts.get(l) ? (n / counts.get(l)!) ** power : 0));
  const mean = labels.reduce((s, l, i) => s + (counts.get(l) ?? 0) * raw[i]!, 0) / Math.max(1, n);
  return raw.map((w) => (w === 0 || !(mean > 0) ? 1 : Math.round(Math.min(maxWeight, w / mean) * 1e4) / 1e4));
}
