// The whole MNER model (encoders + fusion + alignment + CRF) on synthetic data: gradients by
// finite differences through every part, learning, save/load, ablation switches, missing images.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset, readContexts } from '../lib/data/index.js';
import { createFromScratch, loadModel, type NerExample, type ShapCAModel, type ShapCAOptions } from '../lib/model/index.js';
import { loadNerExamples } from '../lib/tasks/ner/data.js';
import { WORD_FEATURE_BUCKETS } from '../lib/heads/word-features.js';
import { checkEntries, checkGradients, trainFewSteps } from './model-checks.js';

const test = suite('ShapCAModel (NER)');
const TYPES = ['PER', 'LOC', 'ORG'];
const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
let dir = '';
let train: NerExample[] = [];

async function tinyModel(options: Partial<ShapCAOptions> = {}, seed = 3): Promise<ShapCAModel> {
  return createFromScratch({
    entityTypes: TYPES, corpus: train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 300, seed,
    text: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
    image: { image_size: 32, patch_size: 16, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 48 },
    options: { alignDim: 16, fusionHeads: 2, maxLength: 48, ...options },
  });
}

const ctx = (step: number) => ({ seed: 5, epoch: 0, batch: step, step });

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-model-'));
  await generateSyntheticDataset({ outDir: dir, seed: 2, sizes: { train: 24, dev: 4, test: 4 }, imageSize: 32 });
  const contexts = await readContexts(join(dir, 'contexts', 'captions.jsonl'));
  train = (await loadNerExamples({ file: join(dir, 'ner', 'train.txt'), contexts, imagesDir: join(dir, 'images'), entityTypes: TYPES }, IMAGE)).examples;
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('gradients of the total loss match finite differences in every parameter group', async () => {
  const model = await tinyModel();
  const base = await checkGradients(model, model.encode(train.slice(0, 4)));
  assert.ok(base.parts.crf! > 0 && base.parts.align! > 0 && base.parts.c2i! > 0, JSON.stringify(base.parts));
});

test('training lowers the loss, and a saved model predicts exactly as before', async () => {
  const model = await tinyModel();
  const losses = (await trainFewSteps(model, model.encode(train.slice(0, 8)), 12)).map((r) => r.loss);
  assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss went from ${losses[0]} to ${losses.at(-1)}`);
  const before = await model.predict(model.encode(train.slice(8, 14)));
  const out = join(dir, 'saved');
  await model.save(out);
  const again = await loadModel(out);
  assert.equal(await again.predict(again.encode(train.slice(8, 14))), before);
  assert.equal(before.map((p) => p.tags.length), train.slice(8, 14).map((e) => e.tokens.length));
});

test('word features: a hashed table added to the emissions; its gradient matches finite differences; saved and loaded', async () => {
  const model = await tinyModel({ wordFeatures: true, useImage: false, useFusion: false });
  const slot = model.store.slot('tagger.word_features.weight');
  assert.equal(slot.shape, [WORD_FEATURE_BUCKETS, 7]);
  const batch = model.encode(train.slice(0, 4));
  assert.ok(batch.wordFeatures && batch.wordFeatures.offsets.length === batch.batch * batch.maxWords + 1);
  model.zeroGrad();
  await model.trainStep(batch, ctx(0));
  const grad = model.store.grad('tagger.word_features.weight');
  const w = model.store.get('tagger.word_features.weight');
  const used = Array.from(batch.wordFeatures!.ids.slice(0, 40));
  const picks = used.flatMap((row) => [row * 7, row * 7 + 3]).sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!)).slice(0, 4);
  assert.ok(Math.abs(grad[picks[0]!]!) > 0, 'the features of the batch get a gradient');
  await checkEntries(model, batch, w, grad, picks, 'word_features');
  const losses = (await trainFewSteps(model, batch, 10)).map((r) => r.loss);
  assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss went from ${losses[0]} to ${losses.at(-1)}`);
  assert.ok(w.some((v) => v !== 0), 'the table trained');
  const before = await model.predict(model.encode(train.slice(8, 14)));
  const out = join(dir, 'word-features');
  await model.save(out);
  const again = await loadModel(out);
  assert.ok(again.config.options.wordFeatures);
  assert.equal(await again.predict(again.encode(train.slice(8, 14))), before);
  // Without the features in the batch, the tagger says what is missing.
  const bare = { ...again.encode(train.slice(0, 2)), wordFeatures: undefined };
  await again.predict(bare).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /word-feature layer/));
});

test('ablation switches remove what they switch off', async () => {
  const textOnly = await tinyModel({ useContext: false, useImage: false, useFusion: false, useAlignment: false });
  assert.equal(textOnly.paramGroups().map((g) => g.name), ['text_encoder', 'heads']);
  const b = textOnly.encode(train.slice(0, 3));
  assert.ok(b.tokenTypeIds.every((t) => t === 0), 'no context segment');
  const r = await textOnly.trainStep(b, ctx(0));
  assert.equal(Object.keys(r.parts), ['crf']);
  const noFusion = await tinyModel({ useFusion: false });
  assert.not.ok(noFusion.store.slots.some((s) => s.name.startsWith('fusion.')));
  const infonce = await tinyModel({ objective: 'infonce' });
  const ri = await infonce.trainStep(infonce.encode(train.slice(0, 4)), ctx(0));
  assert.ok(ri.parts.align! > 0);
});

test('a sample without an image keeps the text path: gate 0, still tagged', async () => {
  const model = await tinyModel();
  const examples = train.slice(0, 3).map((e, i) => (i === 1 ? { ...e, pixels: null } : e));
  const batch = model.encode(examples);
  assert.equal(Array.from(batch.hasImage), [1, 0, 1]);
  const preds = await model.predict(batch);
  assert.is(preds[1]!.gate, 0);
  assert.ok(preds[0]!.gate > 0 && preds[0]!.gate < 1);
  const r = await model.trainStep(batch, ctx(0));
  assert.ok(Number.isFinite(r.loss));
});

test.run();
