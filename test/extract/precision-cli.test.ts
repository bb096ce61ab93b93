// --precision on `shapca extract` (the tiny model over the synthetic test split) and `shapca bench`
// (what it prints, not how fast: speed is for the benchmarks).
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { availablePrecisions } from '../../lib/precision.js';
import { cli } from './cli.js';
import { tiny, type Tiny } from './tiny.js';

const test = suite('--precision and shapca bench');
let t: Tiny;

test.before(async () => {
  t = await tiny();
});

function entitiesOf(stdout: string): string[] {
  return stdout.trim().split('\n').map((l) => JSON.stringify((JSON.parse(l) as { entities: unknown[] }).entities.map((e) => ({ ...(e as object), score: 0 }))));
}

test('extract --precision: the same posts out; a low precision finds what fp32 finds on most posts', async () => {
  const input = join(t.data, 'ner', 'test.txt');
  const args = ['extract', '--model', t.modelDir, '--input', input, '--images', join(t.data, 'images'), '--no-progress'];
  const fp32 = await cli(...args);
  assert.is(fp32.code, 0, fp32.stderr);
  for (const p of ['bf16', 'int8'] as const) {
    const r = await cli(...args, '--precision', p);
    assert.is(r.code, 0, r.stderr);
    const [a, b] = [entitiesOf(fp32.stdout), entitiesOf(r.stdout)];
    assert.is(b.length, a.length);
    const same = a.filter((x, i) => x === b[i]).length;
    assert.ok(same >= 0.9 * a.length, `${p}: ${same} of ${a.length} posts extract as at fp32`);
    if (!availablePrecisions().includes(p)) assert.match(r.stderr, new RegExp(`precision '${p}' was requested but`));
  }
  const bad = await cli(...args, '--precision', 'fp16');
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /fp16.*(invalid|Allowed choices)|Allowed choices.*fp32, bf16, int8/is);
});

test('shapca bench gemm --json: one row per shape and precision, with the fraction of the measured peak', async () => {
  const r = await cli('bench', 'gemm', '--threads', '1', '--reps', '1', '--json');
  assert.is(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { bench: string; precision: string; gflops: number; peakFraction?: number; threads: number });
  assert.is(rows.length, 3 * availablePrecisions().length);
  for (const row of rows) {
    assert.is(row.bench, 'gemm');
    assert.is(row.threads, 1);
    assert.ok(row.gflops > 0 && row.peakFraction !== undefined && row.peakFraction > 0, JSON.stringify(row));
  }
  const bad = await cli('bench', 'nothing');
  assert.is.not(bad.code, 0);
});

test('shapca bench as text into a log: a row per line on stdout, progress lines of their own on stderr', async () => {
  const r = await cli('bench', 'gemm', '--threads', '1', '--reps', '1');
  assert.is(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.is(rows.length, 3 * availablePrecisions().length, r.stdout);
  for (const row of rows) assert.match(row, /^gemm +\S.* GFLOP\/s/);
  // stderr is a pipe here, not a terminal: no carriage returns to run into the rows
  assert.not.match(r.stderr, /\r/);
  assert.match(r.stderr, /^ {2}… gemm bert ffn-in 2048x3072x768 fp32 threads=1$/m);
});

test.run();
