// The from-scratch relation recipe: class-balance weights (mean 1 over the training instances,
// rare labels capped), the weighted loss and its gradients, and a text-only model trained from
// scratch on a small synthetic set whose relations follow from the words (80 % None, MNRE's
// imbalance made worse) that must learn them instead of predicting None for everything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { createFromScratch, type RelationModel } from '../lib/model/index.js';
import { evaluateRe } from '../lib/tasks/re/run.js';
import { classBalanceWeights } from '../lib/tasks/relation-labels.js';
import { runTaskTraining } from '../lib/tasks/training.js';
import { checkGradients } from './model-checks.js';
import { TEXT_RELATIONS, textRelationExamples } from './re-text-data.js';

const test = suite('relation recipe from scratch (class balance)');
let dir = '';
const TEXT_ONLY = { useContext: false, useImage: false, useFusion: false, useAlignment: false, maxLength: 32 };

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-re-recipe-'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('class-balance weights: mean 1 over the training instances, rarer labels weigh more, capped', () => {
  const train = [...Array(80).fill('None'), ...Array(15).fill('a'), ...Array(5).fill('b')];
  const w = classBalanceWeights(['None', 'a', 'b', 'unseen'], train);
  const mean = (80 * w[0]! + 15 * w[1]! + 5 * w[2]!) / 100;
  assert.ok(Math.abs(mean - 1) < 1e-3, `mean weight ${mean}`);
  assert.ok(w[0]! < w[1]! && w[1]! < w[2]!, w.join());
  assert.is(w[3], 1);
  assert.ok(Math.abs(w[1]! / w[0]! - Math.sqrt(80 / 15)) < 1e-3, 'power 0.5');
  const capped = classBalanceWeights(['None', 'rare'], [...Array(9999).fill('None'), 'rare']);
  assert.is(capped[1], 5);
});

async function model(weights: number[] | undefined, seed = 3): Promise<RelationModel> {
  const train = textRelationExamples(1, 'train', 300, 0.8);
  return createFromScratch({
    task: 're', relations: TEXT_RELATIONS, ...(weights ? { relationWeights: weights } : {}), corpus: train.map((e) => e.tokens.join(' ')), vocabSize: 200, seed,
    text: { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 256 }, options: TEXT_ONLY,
  });
}

test('the weighted loss: its gradients match finite differences; weights of 1 give the plain loss', async () => {
  const batch = textRelationExamples(4, 'grad', 6, 0.5);
  const weighted = await model([0.3, 2, 1, 1.5]);
  const base = await checkGradients(weighted, weighted.encode(batch));
  const plain = await model(undefined);
  const ones = await model([1, 1, 1, 1]);
  const ctx = { seed: 1, epoch: 0, batch: 0, step: 0 };
  const a = await plain.trainStep(plain.encode(batch), ctx);
  const b = await ones.trainStep(ones.encode(batch), ctx);
  assert.is(a.loss, b.loss);
  assert.ok(base.loss !== a.loss, 'the weights change the loss');
  await model([1, 2]).then(() => assert.unreachable('wrong length'), (err: Error) => assert.match(err.message, /expected 4 finite, non-negative relation weights/));
});

test('text-only from scratch with the recipe learns the relations (not all None)', async () => {
  const train = textRelationExamples(1, 'train', 300, 0.8);
  const dev = textRelationExamples(1, 'dev', 120, 0.8);
  const testSet = textRelationExamples(1, 'test', 120, 0.8);
  const weights = classBalanceWeights(TEXT_RELATIONS, train.map((e) => e.relation!));
  const m = await model(weights);
  const summary = await runTaskTraining(m, train, { outDir: join(dir, 'run'), start: { preset: 'tiny' }, epochs: 4, batchSize: 16, seed: 7, progress: false },
    async (split) => {
      const r = await evaluateRe(m, split === 'dev' ? dev : testSet);
      return { score: r.scores.micro.f1, metrics: { predicted: [...new Set(r.predictions.map((p) => p.relation))] } };
    }, {});
  const predicted = (summary.testMetrics as { predicted: string[] }).predicted;
  assert.ok(summary.testScore > 0.5, `test micro F1 ${summary.testScore} (dev ${summary.devScores.join(', ')})`);
  assert.ok(predicted.length >= 3, `predicted labels: ${predicted.join(', ')}`);
});

test.run();
