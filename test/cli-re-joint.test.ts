// The CLI for relations and joint extraction on a small synthetic dataset: train writes a run,
// eval of the selected model reproduces its test scores and predictions exactly, resume of a
// finished run changes nothing, eval finds the task in the model folder, one-line errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset } from '../lib/data/index.js';

const test = suite('cli: train / eval --task re, joint');
let dir = '';

function shapca(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Summary {
  testScore: number;
  testMetrics: Record<string, unknown> & { precision: number; recall: number; f1: number };
  epochs: number;
  devScores: number[];
  bestDir: string;
  relations: { relations: string[]; none: string; source: string };
  data: { train: { withContext: number; withImage: number } };
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-cli-rel-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 4, sizes: { train: 40, dev: 10, test: 12 }, imageSize: 96 });
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const contexts = () => ['--contexts', join(dir, 'data', 'contexts', 'captions.jsonl')];
const common = ['--epochs', '2', '--batch-size', '8', '--vocab-size', '400', '--seed', '3', '--max-length', '64', '--no-progress', '--json'];

test('re: train with images and contexts; eval reproduces the test scores and predictions; resume is a no-op', () => {
  const run = join(dir, 'run-re');
  const data = ['--data', join(dir, 'data', 'mre'), ...contexts(), '--images', join(dir, 'data', 'images')];
  const t = shapca('train', '--task', 're', ...data, '--out', run, ...common);
  assert.is(t.code, 0, t.stderr);
  const s = JSON.parse(t.stdout) as Summary;
  assert.is(s.devScores.length, 2);
  assert.is(s.relations.none, 'None');
  assert.is(s.relations.source, 'training split');
  assert.is(s.relations.relations[0], 'None');
  assert.ok(s.data.train.withImage > 0 && s.data.train.withContext > 0);
  const predictions = join(dir, 're-eval.jsonl');
  const e = shapca('eval', '--model', s.bestDir, '--data', join(dir, 'data', 'mre', 'ours_test.txt'), ...contexts(),
    '--images', join(dir, 'data', 'images'), '--predictions', predictions, '--json');
  assert.is(e.code, 0, e.stderr);
  const scores = JSON.parse(e.stdout) as { task: string; micro: { f1: number; predicted: number; gold: number }; accuracy: number; data: { instances: number } };
  assert.is(scores.task, 're');
  assert.ok(scores.data.instances > 0);
  assert.ok(Math.abs(scores.micro.f1 - s.testScore) < 1e-9, `${scores.micro.f1} vs ${s.testScore}`);
  assert.is(scores.micro.predicted, s.testMetrics.predicted);
  assert.is(Math.round(scores.accuracy * 1e4) / 1e4, s.testMetrics.accuracy);
  assert.is(readFileSync(predictions, 'utf8'), readFileSync(join(run, 'test-predictions.jsonl'), 'utf8'));
  const lines = readFileSync(predictions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { gold: string; pred: string; head: object });
  assert.is(lines.length, scores.data.instances);
  assert.ok(lines.every((l) => s.relations.relations.includes(l.pred) && l.head));
  const again = shapca('train', '--task', 're', ...data, '--out', run, ...common, '--resume');
  assert.is(again.code, 0, again.stderr);
  assert.is((JSON.parse(again.stdout) as Summary).testScore, s.testScore);
  // the plain-text report names the metric
  const text = shapca('eval', '--model', s.bestDir, '--data', join(dir, 'data', 'mre', 'ours_test.txt'), ...contexts());
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /micro \(non-None\)\s+precision/);
});

test('joint: train without images; eval reproduces quintuple, entity and pair scores and the predictions', () => {
  const run = join(dir, 'run-joint');
  const t = shapca('train', '--task', 'joint', '--data', join(dir, 'data', 'jmere'), ...contexts(), '--no-image', '--out', run, ...common);
  assert.is(t.code, 0, t.stderr);
  const s = JSON.parse(t.stdout) as Summary & { entityTypes: string[] };
  assert.equal(s.entityTypes, ['per', 'loc', 'org']);
  assert.is(s.relations.relations[0], 'None');
  assert.ok(['quintuple', 'entity', 'pair'].every((k) => k in s.testMetrics));
  const predictions = join(dir, 'joint-eval.jsonl');
  const e = shapca('eval', '--task', 'joint', '--model', s.bestDir, '--data', join(dir, 'data', 'jmere', 'test.json'), ...contexts(), '--predictions', predictions, '--json');
  assert.is(e.code, 0, e.stderr);
  const scores = JSON.parse(e.stdout) as Record<'quintuple' | 'entity' | 'pair', { f1: number; predicted: number; gold: number }> & { data: { sentences: number } };
  assert.ok(Math.abs(scores.quintuple.f1 - s.testScore) < 1e-9, `${scores.quintuple.f1} vs ${s.testScore}`);
  for (const k of ['entity', 'pair'] as const) {
    const m = s.testMetrics[k] as { predicted: number; gold: number };
    assert.equal([scores[k].predicted, scores[k].gold], [m.predicted, m.gold], k);
  }
  assert.ok(scores.entity.gold > 0 && scores.pair.gold > 0);
  assert.is(readFileSync(predictions, 'utf8'), readFileSync(join(run, 'test-predictions.jsonl'), 'utf8'));
  assert.is(readFileSync(predictions, 'utf8').trim().split('\n').length, scores.data.sentences);
});

test('bad input: one-line reasons and a non-zero exit', () => {
  const wrongTask = shapca('eval', '--task', 'ner', '--model', join(dir, 'run-re', 'best'), '--data', join(dir, 'data', 'ner', 'test.txt'));
  assert.is.not(wrongTask.code, 0);
  assert.match(wrongTask.stderr, /expected a ner model but it holds a re model/);
  assert.is(wrongTask.stderr.trim().split('\n').length, 1, wrongTask.stderr);
  const noSplit = shapca('train', '--task', 'joint', '--data', join(dir, 'data', 'mre'), '--out', join(dir, 'x'), '--no-progress');
  assert.is.not(noSplit.code, 0);
  assert.match(noSplit.stderr, /^shapca: expected a jmere train file/m);
  const relFlag = shapca('train', '--task', 'joint', '--data', join(dir, 'data', 'jmere'), '--relations', 'x.json', '--out', join(dir, 'y'));
  assert.match(relFlag.stderr, /--relations applies to --task re only/);
  const featLr = shapca('train', '--task', 'joint', '--data', join(dir, 'data', 'jmere'), '--word-features', '--lr-features', '0', '--out', join(dir, 'y'));
  assert.match(featLr.stderr, /--lr-features/);
  const casedFlag = shapca('train', '--task', 're', '--data', join(dir, 'data', 'mre'), '--model', join(dir, 'nothing'), '--cased', '--out', join(dir, 'y'));
  assert.match(casedFlag.stderr, /--cased applies to --preset tiny/);
  const casedPretrain = shapca('pretrain', '--corpus', join(dir, 'nothing.txt'), '--model', join(dir, 'nothing'), '--cased', '--out', join(dir, 'y'));
  assert.match(casedPretrain.stderr, /--cased applies to --preset tiny/);
  const help = shapca('train', '--help');
  assert.match(help.stdout, /MNRE v1 ships zipped/);
  assert.match(help.stdout, /--task <task>/);
});

test.run();
