// Learning, not timing: on the synthetic posts the entity types are only in the image and its
// caption, so a short run with context and image must beat the text-only model on dev. And the
// task loaders refuse bad input clearly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset, readContexts } from '../lib/data/index.js';
import { createFromScratch, type NerExample, type ShapCAOptions } from '../lib/model/index.js';
import { loadNerExamples } from '../lib/tasks/ner/data.js';
import { evaluateNer, loadNerSplits } from '../lib/tasks/ner/run.js';
import { AdamW } from '../lib/train/optimizer.js';

const test = suite('MNER learning and task input checks');
const TYPES = ['PER', 'LOC', 'ORG'];
const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
let dir = '';
let train: NerExample[] = [];
let dev: NerExample[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-learn-'));
  await generateSyntheticDataset({ outDir: dir, seed: 7, sizes: { train: 192, dev: 48, test: 4 }, imageSize: 32 });
  const contexts = await readContexts(join(dir, 'contexts', 'captions.jsonl'));
  const load = async (f: string) =>
    (await loadNerExamples({ file: join(dir, 'ner', f), contexts, imagesDir: join(dir, 'images'), entityTypes: TYPES }, IMAGE)).examples;
  [train, dev] = await Promise.all([load('train.txt'), load('valid.txt')]);
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function trainAndScore(options: Partial<ShapCAOptions>): Promise<{ first: number; last: number; f1: number }> {
  const model = await createFromScratch({
    entityTypes: TYPES, corpus: train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 400, seed: 11,
    text: { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 128 },
    image: { image_size: 32, patch_size: 16, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
    options: { alignDim: 32, fusionHeads: 2, maxLength: 64, ...options },
  });
  const optimizer = new AdamW(model.paramGroups(), { encoderLr: 3e-3, headLr: 3e-3 });
  const losses: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < 5; epoch++) {
    for (let i = 0; i < train.length; i += 16) {
      model.zeroGrad();
      const r = await model.trainStep(model.encode(train.slice(i, i + 16)), { seed: 1, epoch, batch: i / 16, step: step++ });
      losses.push(r.parts.crf!);
      await optimizer.step(1);
    }
  }
  const f1 = (await evaluateNer(model, dev)).conlleval.micro.f1;
  return { first: losses.slice(0, 5).reduce((a, b) => a + b) / 5, last: losses.slice(-5).reduce((a, b) => a + b) / 5, f1 };
}

test('with context and image the model beats the text-only model on dev', async () => {
  const textOnly = await trainAndScore({ useContext: false, useImage: false, useFusion: false, useAlignment: false });
  const full = await trainAndScore({});
  assert.ok(full.last < 0.5 * full.first, `the task loss should fall: ${full.first.toFixed(3)} → ${full.last.toFixed(3)}`);
  assert.ok(full.f1 > textOnly.f1 + 0.1, `dev F1 with context+image ${full.f1.toFixed(3)} vs text only ${textOnly.f1.toFixed(3)}`);
});

test('a killed Shap-CA training run resumes on the same trajectory as an uninterrupted one', async () => {
  const { train: runTrain, readLog, epochBatches, batchCount } = await import('../lib/train/index.js');
  const { loadModel } = await import('../lib/model/index.js');
  const small = train.slice(0, 48);
  async function run(outDir: string, stopAfter: number | null, resume: boolean) {
    const model = await createFromScratch({
      entityTypes: TYPES, corpus: small.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 300, seed: 5,
      text: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
      image: { image_size: 32, patch_size: 16, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 48 },
      options: { alignDim: 16, fusionHeads: 2, maxLength: 48 },
    });
    return runTrain(model, {
      trainBatches: function* ({ epoch, start, seed }) {
        for (const idx of epochBatches(small.length, 8, { seed, epoch }).slice(start)) yield model.encode(Array.from(idx, (i) => small[i]!));
      },
      batchesPerEpoch: batchCount(small.length, 8, false), epochs: 2, encoderLr: 1e-3, headLr: 1e-3, seed: 3, outDir, resume,
      evaluate: async () => ({ score: (await evaluateNer(model, dev.slice(0, 8))).conlleval.micro.f1, metrics: {} }),
      reload: async (d) => model.backbone.copyFrom((await loadModel(d)).backbone),
      checkpointEvery: 2, progress: false,
      onStep: (r) => {
        if (stopAfter !== null && r.step === stopAfter) throw new Error('killed');
      },
    });
  }
  const steps = async (d: string) => (await readLog(join(d, 'log.jsonl'))).filter((r) => r.type === 'step').map((r) => (r as { loss: number }).loss);
  await run(join(dir, 'whole'), null, false);
  await run(join(dir, 'killed'), 7, false).then(() => assert.unreachable('the run should have been stopped'), (e: Error) => assert.is(e.message, 'killed'));
  await run(join(dir, 'killed'), null, true);
  const whole = await steps(join(dir, 'whole'));
  const resumed = await steps(join(dir, 'killed'));
  assert.is(resumed.length, whole.length);
  assert.equal(resumed, whole);
});

test('bad task input: missing images folder, empty split, unknown entity type', async () => {
  const data = { dataDir: join(dir, 'ner'), entityTypes: TYPES };
  try {
    await loadNerSplits({ ...data, imagesDir: join(dir, 'no-such-folder') }, IMAGE);
    assert.unreachable('a missing images folder must be an error');
  } catch (err) {
    assert.match((err as Error).message, /the images folder .*no-such-folder does not exist/);
  }
  const empty = join(dir, 'empty');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync(empty);
  writeFileSync(join(empty, 'train.txt'), '');
  copyFileSync(join(dir, 'ner', 'valid.txt'), join(empty, 'valid.txt'));
  copyFileSync(join(dir, 'ner', 'test.txt'), join(empty, 'test.txt'));
  try {
    await loadNerSplits({ dataDir: empty, entityTypes: TYPES }, null);
    assert.unreachable('an empty split must be an error');
  } catch (err) {
    assert.match((err as Error).message, /the train split of .*empty has no examples/);
  }
  try {
    await loadNerSplits({ ...data, entityTypes: ['PER', 'LOC'] }, null);
    assert.unreachable('a tag outside the label set must be an error');
  } catch (err) {
    assert.match((err as Error).message, /ORG/);
  }
});

test.run();
