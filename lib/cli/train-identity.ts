// What `shapca train` records about a run (outDir/run.json) so that --resume can refuse another
// one: the task, the data by content (each split file and context file by size and sha256), and
// every option that changes what is trained. Also the files the run reads, which its outputs must
// not be.
import { join } from 'node:path';

import { type DatasetKind, findSplitFile, type Split } from '../data/splits.js';
import type { ShapCATask } from '../model/config.js';
import { fileIdentity } from '../util/identity.js';
import { assertOutputsAreNotInputs } from '../util/same-file.js';

const KIND: Record<ShapCATask, DatasetKind> = { ner: 'twitter', re: 'mnre', joint: 'jmere' };
/** Flags that do not change what is trained (how it runs, where it is shown). */
const NOT_IDENTITY = new Set(['resume', 'progress', 'json', 'threads', 'device', 'offline', 'out', 'data', 'contexts', 'relations']);

export async function trainIdentity(
  f: { task: ShapCATask; data: string; out: string; contexts?: string[]; relations?: string } & Record<string, unknown>,
  modelOptions: Record<string, unknown>,
  checkpointDirs: string[],
): Promise<Record<string, unknown>> {
  const data: Record<string, unknown> = {};
  const inputs: string[] = [...checkpointDirs];
  for (const split of ['train', 'dev', 'test'] as Split[]) {
    const file = await findSplitFile(KIND[f.task], f.data, split);
    data[split] = await fileIdentity(file);
    inputs.push(file);
  }
  for (const [i, c] of (f.contexts ?? []).entries()) data[`contexts${i}`] = await fileIdentity(c);
  if (f.relations) data.relations = await fileIdentity(f.relations);
  inputs.push(...(f.contexts ?? []), ...(f.relations ? [f.relations] : []));
  // The run folder and what the trainer writes at its top must not be (or replace) an input.
  const written = ['log.jsonl', 'run.json', 'summary.json', 'curves.svg', 'test-predictions.jsonl'].map((n) => join(f.out, n));
  assertOutputsAreNotInputs([f.out, ...written], inputs);
  const options = Object.fromEntries(Object.entries(f).filter(([k, v]) => !NOT_IDENTITY.has(k) && v !== undefined && typeof v !== 'function'));
  return { task: f.task, data, options: { ...options, model: modelOptions } };
}
