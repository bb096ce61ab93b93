// The whole MRE model (encoders + fusion + alignment + marker classifier) on synthetic data:
// gradients by finite differences through every part, learning, save/load, the text-only ablation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset, readContexts } from '../lib/data/index.js';
import { createFromScratch, loadModel, type ReExample, type RelationModel, type ShapCAOptions } from '../lib/model/index.js';
import { loadReExamples } from '../lib/tasks/re/data.js';
import { WORD_FEATURE_BUCKETS } from '../lib/heads/word-features.js';
import { checkEntries, checkGradients, trainFewSteps } from './model-checks.js';

const test = suite('RelationModel (MRE)');
const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
let dir = '';
let train: ReExample[] = [];
let labels: string[] = [];

async function tinyModel(options: Partial<ShapCAOptions> = {}, seed = 3): Promise<RelationModel> {
  return createFromScratch({
    task: 're', relations: labels, corpus: train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 300, seed,
    text: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
    image: { image_size: 32, patch_size: 16, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 48 },
    options: { alignDim: 16, fusionHeads: 2, maxLength: 48, ...options },
  });
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-re-'));
  await generateSyntheticDataset({ outDir: dir, seed: 2, sizes: { train: 40, dev: 4, test: 4 }, imageSize: 32 });
  const contexts = await readContexts(join(dir, 'contexts', 'captions.jsonl'));
  train = (await loadReExamples({ file: join(dir, 'mre', 'ours_train.txt'), contexts, imagesDir: join(dir, 'images') }, IMAGE)).examples;
  labels = ['None', ...new Set(train.map((e) => e.relation!).filter((r) => r !== 'None'))];
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('word features: the pair\'s hashed bag of words added to the logits; gradient by finite differences; saved and loaded', async () => {
  const model = await tinyModel({ wordFeatures: true, useImage: false, useFusion: false });
  const slot = model.store.slot('relation.word_features.weight');
  assert.equal(slot.shape, [WORD_FEATURE_BUCKETS, labels.length]);
  const batch = model.encode(train.slice(0, 6));
  assert.ok(batch.pairFeatures && batch.pairFeatures.offsets.length === batch.batch + 1);
  const ctx = { seed: 5, epoch: 0, batch: 0, step: 0 };
  model.zeroGrad();
  await model.trainStep(batch, ctx);
  const grad = model.store.grad('relation.word_features.weight');
  const w = model.store.get('relation.word_features.weight');
  const picks = Array.from(batch.pairFeatures!.ids.slice(0, 30)).flatMap((row) => [row * labels.length, row * labels.length + 1])
    .sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!)).slice(0, 3);
  assert.ok(Math.abs(grad[picks[0]!]!) > 0, 'the features of the batch get a gradient');
  await checkEntries(model, batch, w, grad, picks, 'word_features');
  await trainFewSteps(model, batch, 4);
  const before = await model.predict(model.encode(train.slice(6, 12)));
  const out = join(dir, 'word-features');
  await model.save(out);
  const again = await loadModel(out, 're');
  assert.equal(await again.predict(again.encode(train.slice(6, 12))), before);
});

test('the synthetic MRE split loads with contexts and images', () => {
  assert.ok(train.length >= 12, `${train.length} instances`);
  assert.ok(train.every((e) => e.context && e.pixels && e.pixels.length === 3 * 32 * 32));
  assert.ok(labels.length >= 3, labels.join());
});

test('gradients of the total loss match finite differences in every parameter group', async () => {
  const model = await tinyModel();
  const batch = model.encode(train.slice(0, 4));
  const base = await checkGradients(model, batch);
  assert.ok(base.parts.relation! > 0 && base.parts.align! > 0 && base.parts.c2i! > 0, JSON.stringify(base.parts));
  assert.equal(model.paramGroups().map((g) => g.name), ['text_encoder', 'image_encoder', 'heads']);
});

test('training lowers the loss, and a saved model predicts exactly as before', async () => {
  const model = await tinyModel();
  const steps = await trainFewSteps(model, model.encode(train.slice(0, 8)), 12);
  const task = steps.map((s) => s.parts.relation!);
  assert.ok(task.at(-1)! < 0.5 * task[0]!, `relation loss went from ${task[0]} to ${task.at(-1)}`);
  assert.ok(steps.at(-1)!.loss < steps[0]!.loss);
  const held = train.slice(8, 14).map(({ relation: _, ...e }) => e);
  const before = await model.predict(model.encode(held));
  const out = join(dir, 'saved');
  await model.save(out);
  const again = await loadModel(out, 're');
  assert.instance(again, model.constructor as never);
  assert.equal(again.config, model.config);
  assert.equal(await again.predict(again.encode(held)), before);
  assert.ok(before.every((p) => labels.includes(p.relation) && p.score > 0 && p.score <= 1));
  const any = await loadModel(out, 'any');
  assert.is(any.config.task, 're');
  await loadModel(out).then(
    () => assert.unreachable('an RE folder is not an NER model'),
    (err: Error) => assert.match(err.message, /expected a ner model but it holds a re model/),
  );
});

test('text only: no image group, no alignment, markers still read', async () => {
  const model = await tinyModel({ useContext: false, useImage: false, useFusion: false, useAlignment: false });
  assert.equal(model.paramGroups().map((g) => g.name), ['text_encoder', 'heads']);
  const b = model.encode(train.slice(0, 3));
  assert.ok(b.tokenTypeIds.every((t) => t === 0));
  const r = await model.trainStep(b, { seed: 1, epoch: 0, batch: 0, step: 0 });
  assert.equal(Object.keys(r.parts), ['relation']);
});

test.run();
