// `shapca train` and `eval` against issue 13 (items 1, 5, 7): a finished run resumed with changed
// data or other options is refused naming the difference (the same command still succeeds),
// --out may not be a checkpoint it reads, --max-length past the position table is refused before
// training, and eval refuses an empty gold file and a --predictions file that is its input.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset } from '../../lib/data/index.js';
import { cli } from '../extract/cli.js';

const test = suite('hardening: train and eval CLI');
let dir = '';
let run = '';
const args = () => ['train', '--task', 'ner', '--data', join(dir, 'data', 'ner'), '--out', run, '--epochs', '1', '--batch-size', '8', '--vocab-size', '200', '--seed', '3', '--no-progress', '--json'];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-train-cli-'));
  run = join(dir, 'run');
  await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 4, sizes: { train: 8, dev: 4, test: 4 }, imageSize: 32 });
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('train --resume: the same run is its summary; other options or changed data are refused with the difference', async () => {
  const first = await cli(...args());
  assert.is(first.code, 0, first.stderr);
  const run1 = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { task: string; data: { train: { sha256: string } } };
  assert.is(run1.task, 'ner');
  assert.match(run1.data.train.sha256, /^[0-9a-f]{64}$/);
  const same = await cli(...args(), '--resume');
  assert.is(same.code, 0, same.stderr);
  assert.is((JSON.parse(same.stdout) as { testScore: number }).testScore, (JSON.parse(first.stdout) as { testScore: number }).testScore);
  const seed = await cli(...args().map((a) => (a === '3' ? '4' : a)), '--resume');
  assert.is(seed.code, 1);
  assert.match(seed.stderr, /^shapca: .*cannot resume .*run: options\.seed: the run was started with 3 but this command gives 4; start a new output folder/);
  const train = join(dir, 'data', 'ner', 'train.txt');
  appendFileSync(train, `\n${readFileSync(train, 'utf8').split('\n\n')[0]}\n`);
  const data = await cli(...args(), '--resume');
  assert.is(data.code, 1);
  assert.match(data.stderr, /data\.train\.(bytes|sha256): the run was started with .* \(the file changed\)/);
  assert.is(data.stderr.trim().split('\n').length, 1);
});

test('--max-length past the text encoder\'s position table is refused before training', async () => {
  const r = await cli(...args().map((a) => (a === run ? join(dir, 'long') : a)), '--max-length', '100000');
  assert.is(r.code, 1);
  assert.match(r.stderr, /expected maxLength \(--max-length\) of at most \d+, the text encoder's max_position_embeddings, but received 100000/);
});

test('eval: an empty gold file is an error, not F1 0; --predictions may not be the gold file', async () => {
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '');
  const e = await cli('eval', '--model', join(run, 'best'), '--data', empty, '--json');
  assert.is(e.code, 1);
  assert.match(e.stderr, /empty\.txt has no examples to evaluate/);
  const gold = join(dir, 'data', 'ner', 'test.txt');
  const before = readFileSync(gold);
  const p = await cli('eval', '--model', join(run, 'best'), '--data', gold, '--predictions', gold);
  assert.is(p.code, 1);
  assert.match(p.stderr, /refusing to write .*test\.txt: it is the input/);
  assert.ok(readFileSync(gold).equals(before));
});

test.run();
