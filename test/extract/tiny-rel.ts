// Tiny untrained relation (MRE) and joint (MJERE) models (BERT 1×32, ViT 1×24 at 32×32) over the
// synthetic dataset of tiny.ts, saved once per process and shared by the relation extraction and
// explanation tests. The untrained joint model finds entities everywhere and relates nearly every
// pair; a bias on the none label makes it relate about a third of them (some posts get none).
import { join } from 'node:path';

import { createFromScratch, type JointModel, type ReExample, type RelationModel, type ShapCAOptions } from '../../lib/model/index.js';
import { loadReExamples } from '../../lib/tasks/re/data.js';
import { IMAGE, tiny, type Tiny } from './tiny.js';

export interface TinyRel extends Tiny {
  /** The relation examples of mre/ours_train.txt (with contexts and images). */
  reTrain: ReExample[];
  re: RelationModel;
  reDir: string;
  joint: JointModel;
  jointDir: string;
}

const SIZES = {
  text: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
  image: { image_size: 32, patch_size: 16, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 48 },
};

export function tinyRe(t: Tiny, train: ReExample[], options: Partial<ShapCAOptions> = {}): Promise<RelationModel> {
  const relations = ['None', ...new Set(train.map((e) => e.relation!).filter((r) => r !== 'None'))];
  return createFromScratch({
    task: 're', relations, corpus: t.train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 300, seed: 3, ...SIZES,
    options: { alignDim: 16, fusionHeads: 2, maxLength: 48, ...options },
  });
}

export async function tinyJoint(t: Tiny, options: Partial<ShapCAOptions> = {}): Promise<JointModel> {
  const model = await createFromScratch({
    task: 'joint', entityTypes: ['per', 'loc', 'org'], relations: ['None', 'member_of', 'located_in'],
    corpus: t.train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 300, seed: 3, ...SIZES,
    options: { alignDim: 16, fusionHeads: 2, maxLength: 48, ...options },
  });
  model.store.get('pairs.classifier.bias')[model.none] = 0.65;
  return model;
}

let shared: Promise<TinyRel> | null = null;

export function tinyRel(): Promise<TinyRel> {
  shared ??= (async () => {
    const t = await tiny();
    const reTrain = (await loadReExamples({ file: join(t.data, 'mre', 'ours_train.txt'), contexts: t.contexts, imagesDir: join(t.data, 'images') }, IMAGE)).examples;
    const [re, joint] = await Promise.all([tinyRe(t, reTrain), tinyJoint(t)]);
    const reDir = join(t.dir, 're-model');
    const jointDir = join(t.dir, 'joint-model');
    await Promise.all([re.save(reDir), joint.save(jointDir)]);
    return { ...t, reTrain, re, reDir, joint, jointDir };
  })();
  return shared;
}
