// The CLI end to end on a small synthetic dataset: train (with resume), eval agrees with the
// run's own test score, demo-style contexts, one-line errors with a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset } from '../lib/data/index.js';

const test = suite('cli: train / eval');
let dir = '';

function shapca(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-cli-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 4, sizes: { train: 24, dev: 8, test: 8 }, imageSize: 96 });
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('train writes a run; eval of the selected model reproduces its test F1', () => {
  const run = join(dir, 'run');
  const data = ['--data', join(dir, 'data', 'ner'), '--contexts', join(dir, 'data', 'contexts', 'captions.jsonl'), '--images', join(dir, 'data', 'images')];
  const t = shapca('train', '--task', 'ner', ...data, '--out', run, '--epochs', '2', '--batch-size', '8', '--vocab-size', '400', '--seed', '3', '--no-progress', '--json');
  assert.is(t.code, 0, t.stderr);
  const summary = JSON.parse(t.stdout) as { testScore: number; epochs: number; devScores: number[]; bestDir: string };
  assert.is(summary.epochs, 2);
  assert.is(summary.devScores.length, 2);
  const e = shapca('eval', '--task', 'ner', '--model', summary.bestDir, '--data', join(dir, 'data', 'ner', 'test.txt'),
    '--contexts', join(dir, 'data', 'contexts', 'captions.jsonl'), '--images', join(dir, 'data', 'images'), '--json');
  assert.is(e.code, 0, e.stderr);
  const scores = JSON.parse(e.stdout) as { conlleval: { micro: { f1: number } }; data: { sentences: number; withImage: number } };
  assert.is(scores.data.sentences, 8);
  assert.is(scores.data.withImage, 8);
  assert.ok(Math.abs(scores.conlleval.micro.f1 - summary.testScore) < 1e-9, `${scores.conlleval.micro.f1} vs ${summary.testScore}`);
  const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type?: string; kind?: string });
  assert.ok(log.length > 3);
  // resuming a finished run changes nothing and succeeds
  const again = shapca('train', '--task', 'ner', ...data, '--out', run, '--epochs', '2', '--batch-size', '8', '--vocab-size', '400', '--seed', '3', '--no-progress', '--json', '--resume');
  assert.is(again.code, 0, again.stderr);
  assert.is((JSON.parse(again.stdout) as { testScore: number }).testScore, summary.testScore);
});

test('bad input: one-line reason and a non-zero exit', () => {
  const missing = shapca('train', '--data', join(dir, 'nope'), '--out', join(dir, 'x'), '--no-progress');
  assert.is.not(missing.code, 0);
  assert.match(missing.stderr, /^shapca: .*nope/m);
  assert.is(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  const badFlag = shapca('train', '--data', dir, '--out', dir, '--epochs', '0');
  assert.is.not(badFlag.code, 0);
  assert.match(badFlag.stderr, /expected a positive integer for --epochs/);
  const noModel = shapca('eval', '--model', join(dir, 'nothing'), '--data', join(dir, 'data', 'ner', 'test.txt'));
  assert.is.not(noModel.code, 0);
  assert.match(noModel.stderr, /shapca\.json/);
});

test('every command explains itself with --help', () => {
  for (const cmd of ['train', 'eval', 'demo', 'context', 'info']) {
    const h = shapca(cmd, '--help');
    assert.is(h.code, 0, `${cmd}: ${h.stderr}`);
    assert.match(h.stdout, /Usage: shapca/);
  }
});

test.run();
