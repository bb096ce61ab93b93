// The whole MJERE model (encoders + fusion + alignment + CRF entities + pair classifier) on
// synthetic data: gradients by finite differences through every part, learning, save/load, and
// predictions whose triples join predicted entities.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset, readContexts } from '../lib/data/index.js';
import { createFromScratch, loadModel, type JointExample, type JointModel, type ShapCAOptions } from '../lib/model/index.js';
import { loadJointExamples } from '../lib/tasks/joint/data.js';
import { WORD_FEATURE_BUCKETS } from '../lib/heads/word-features.js';
import { checkEntries, checkGradients, trainFewSteps } from './model-checks.js';

const test = suite('JointModel (MJERE)');
const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
let dir = '';
let train: JointExample[] = [];
let relations: string[] = [];

async function tinyModel(options: Partial<ShapCAOptions> = {}, seed = 3): Promise<JointModel> {
  return createFromScratch({
    task: 'joint', entityTypes: ['per', 'loc', 'org'], relations, corpus: train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']),
    vocabSize: 300, seed,
    text: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
    image: { image_size: 32, patch_size: 16, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 48 },
    options: { alignDim: 16, fusionHeads: 2, maxLength: 48, ...options },
  });
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-joint-'));
  await generateSyntheticDataset({ outDir: dir, seed: 2, sizes: { train: 60, dev: 4, test: 4 }, imageSize: 32 });
  const contexts = await readContexts(join(dir, 'contexts', 'captions.jsonl'));
  train = (await loadJointExamples({ file: join(dir, 'jmere', 'train.json'), contexts, imagesDir: join(dir, 'images') }, IMAGE)).examples;
  relations = ['None', ...new Set(train.flatMap((e) => e.triples!.map((t) => t.relation)))];
  // a second related pair in one sentence: the reverse of its first, so negatives and positives mix
  const first = train[0]!.triples![0]!;
  train[0] = { ...train[0]!, triples: [first, { head: first.tail, tail: first.head, relation: relations[1]! }] };
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('gradients of the total loss (CRF + pairs + alignment) match finite differences in every parameter group', async () => {
  const model = await tinyModel();
  const batch = model.encode(train.slice(0, 4));
  const base = await checkGradients(model, batch);
  assert.ok(base.parts.crf! > 0 && base.parts.relation! > 0 && base.parts.align! > 0 && base.parts.c2i! > 0, JSON.stringify(base.parts));
});

test('word features in both heads: the tagger\'s per word, the pair classifier\'s per pair; gradients by finite differences; saved and loaded', async () => {
  const model = await tinyModel({ wordFeatures: true, useImage: false, useFusion: false });
  assert.equal(model.store.slot('tagger.word_features.weight').shape, [WORD_FEATURE_BUCKETS, model.config.tags.length]);
  assert.equal(model.store.slot('pairs.word_features.weight').shape, [WORD_FEATURE_BUCKETS, relations.length]);
  assert.equal(model.paramGroups().find((g) => g.name === 'heads')!.featureRanges!.length, 2);
  const batch = model.encode(train.slice(0, 6));
  assert.ok(batch.wordFeatures && batch.wordFeatures.offsets.length === batch.batch * batch.maxWords + 1);
  model.zeroGrad();
  await model.trainStep(batch, { seed: 5, epoch: 0, batch: 0, step: 0 });
  for (const name of ['tagger', 'pairs']) {
    const grad = model.store.grad(`${name}.word_features.weight`);
    const nz = grad.reduce((k, g) => k + (g !== 0 ? 1 : 0), 0);
    assert.ok(nz > 0, `${name}: the batch's features get a gradient`);
    const picks = Array.from(grad.keys()).filter((i) => grad[i] !== 0).sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!)).slice(0, 2);
    await checkEntries(model, batch, model.store.get(`${name}.word_features.weight`), grad, picks, `${name}.word_features`);
  }
  await trainFewSteps(model, batch, 15, 5e-3);
  const seen = train.slice(0, 6);
  const pairs = seen.map((e) => e.triples!.map((t) => ({ head: t.head, tail: t.tail })));
  const before = await model.predict(model.encode(seen), { pairs });
  assert.ok(before.some((p) => p.entities.length > 1), 'some sentences have predicted entity pairs to score');
  assert.ok(before.every((p) => p.pairProbs!.every((q) => q !== null)), 'the given pairs are scored');
  const out = join(dir, 'word-features');
  await model.save(out);
  const again = await loadModel(out, 'joint');
  assert.equal(await again.predict(again.encode(seen), { pairs }), before);
});

test('training lowers both task losses, and a saved model predicts exactly as before', async () => {
  const model = await tinyModel({ useImage: false, useFusion: false });
  const steps = await trainFewSteps(model, model.encode(train.slice(0, 8)), 15, 5e-3);
  for (const part of ['crf', 'relation']) {
    const l = steps.map((s) => s.parts[part]!);
    assert.ok(l.at(-1)! < 0.6 * l[0]!, `${part} loss went from ${l[0]} to ${l.at(-1)}`);
  }
  const held = train.slice(0, 8).map(({ triples: _, ...e }) => e);
  const before = await model.predict(model.encode(held));
  const out = join(dir, 'saved');
  await model.save(out);
  const again = await loadModel(out, 'joint');
  assert.equal(again.config, model.config);
  assert.equal(await again.predict(again.encode(held)), before);
  for (const [i, p] of before.entries()) {
    assert.is(p.tags.length, held[i]!.tokens.length);
    const keys = new Set(p.entities.map((e) => `${e.start}:${e.end}:${e.type}`));
    for (const t of p.triples) {
      assert.ok(keys.has(`${t.head.start}:${t.head.end}:${t.head.type}`) && keys.has(`${t.tail.start}:${t.tail.end}:${t.tail.type}`));
      assert.ok(t.relation !== 'None' && relations.includes(t.relation) && t.score > 0);
    }
  }
  assert.ok(before.some((p) => p.triples.length > 0), 'some triples after training on the batch');
});

test('a batch without related pairs trains the tagger alone; pair limits come from the config', async () => {
  const model = await tinyModel({ useContext: false, useImage: false, useFusion: false, useAlignment: false });
  assert.equal(model.pairOptions, { negativeRatio: 2, maxEntities: 12 });
  const lone = { id: 'x', tokens: train[1]!.tokens, entities: [train[1]!.triples![0]!.head], triples: [] };
  const r = await model.trainStep(model.encode([lone]), { seed: 1, epoch: 0, batch: 0, step: 0 });
  assert.equal(Object.keys(r.parts), ['crf', 'relation']);
  assert.is(r.parts.relation, 0);
  const preds = await model.predict(model.encode([{ id: 'y', tokens: ['nothing'] }]));
  assert.equal(preds[0]!.triples, []);
});

test.run();
