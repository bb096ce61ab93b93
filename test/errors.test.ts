// Bad input never crashes the process: it becomes a TypeError, a RangeError or a ShapcaError
// with a stable code and a message that says what was expected.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { kernels, runtime, ShapcaError } from '../lib/index.js';
import { addon } from '../lib/native/addon.js';
import { rejects } from './helpers.js';

const test = suite('bad input');
const f = (n: number) => new Float32Array(n);

test('wrong dtype is a TypeError naming the argument and what it got', async () => {
  await rejects(
    () => kernels.sgemm({ m: 2, n: 2, k: 2, a: new Int32Array(4) as unknown as Float32Array, b: f(4) }),
    TypeError,
    /sgemm: expected Float32Array for a but received Int32Array/,
  );
  await rejects(
    () => kernels.embeddingForward(new Float32Array(2) as unknown as Int32Array, f(4), 2, 2),
    TypeError,
    /expected Int32Array for ids but received Float32Array/,
  );
  await rejects(() => addon().softmaxForward(undefined as never), TypeError, /softmaxForward: expected an options object/);
});

test('short buffers are RangeErrors with the required length', async () => {
  await rejects(() => kernels.sgemm({ m: 3, n: 4, k: 5, a: f(14), b: f(20) }), RangeError, /expected a to have at least 15 elements but received 14/);
  await rejects(
    () => kernels.layernormForward({ inp: f(10), weight: f(5), bias: f(4), n: 2, c: 5 }),
    RangeError,
    /expected bias to have at least 5 elements but received 4/,
  );
  await rejects(() => kernels.sgemm({ m: 2, n: 2, k: 2, a: f(4), b: f(4), lda: 1 }), RangeError, /expected lda >= 2 but received 1/);
});

test('negative, fractional and huge sizes are RangeErrors', async () => {
  await rejects(() => kernels.sgemm({ m: -1, n: 2, k: 2, a: f(4), b: f(4) }), RangeError, /expected m to be an integer in \[0, 2147483647\]/);
  await rejects(() => kernels.sgemm({ m: 1.5, n: 2, k: 2, a: f(4), b: f(4) }), RangeError, /expected m to be an integer/);
  await rejects(() => kernels.sgemm({ m: 2 ** 40, n: 2, k: 2, a: f(4), b: f(4) }), RangeError, /expected m to be an integer/);
  await rejects(
    () => kernels.matmulForward({ inp: f(4), weight: f(4), bt: 2 ** 31 - 1, c: 2 ** 31 - 1, oc: 2 ** 31 - 1 }),
    RangeError,
    /multiply past the largest supported tensor|at least/,
  );
  await rejects(() => kernels.softmaxForward({ inp: f(4), rows: 2, cols: Number.NaN }), RangeError, /expected cols to be an integer/);
});

test('NaN and infinity in inputs are RangeErrors naming the element', async () => {
  const a = f(4);
  a[2] = Number.NaN;
  await rejects(() => kernels.sgemm({ m: 2, n: 2, k: 2, a, b: f(4) }), RangeError, /expected finite values in a but a\[2\] is NaN/);
  const x = f(8);
  x[7] = Number.POSITIVE_INFINITY;
  await rejects(() => kernels.geluForward(x), RangeError, /inp\[7\] is infinite/);
  await rejects(() => kernels.adamwStep(f(2), f(2), f(2), f(2), 1, { lr: Number.NaN }), RangeError, /expected a finite number for lr/);
});

test('native failures are ShapcaErrors with a stable code', async () => {
  const err = await rejects(() => kernels.embeddingForward(Int32Array.of(0, 5), f(8), 4, 2), ShapcaError, /ids\[1\] = 5/);
  assert.is((err as ShapcaError).code, 'SHAPCA_OUT_OF_RANGE');
  const err2 = await rejects(() => kernels.adamwStep(f(2), f(2), f(2), f(2), 1, { beta1: 1 }), ShapcaError, /beta1/);
  assert.is((err2 as ShapcaError).code, 'SHAPCA_INVALID_ARGUMENT');
  assert.ok((err2 as Error).stack, 'the error has a stack');
});

test('runtime settings reject bad values', () => {
  assert.throws(() => runtime.setThreads(-1), /expected threads to be an integer in \[0, 256\]/);
  assert.throws(() => runtime.setThreads(1000), RangeError);
  assert.throws(() => runtime.setKernelPath('sse' as never), /expected one of 'auto', 'scalar', 'avx2', 'avx512' for path but received 'sse'/);
  const info = runtime.info();
  assert.ok(runtime.availableKernelPaths().includes(info.kernelPath), info.kernelPath);
  assert.is(info.kernelPath, runtime.availableKernelPaths().at(-1), 'the best path is active by default');
  assert.is(typeof info.threads, 'number');
});

test('the process is still alive and computing after all of the above', async () => {
  const c = await kernels.sgemm({ m: 1, n: 1, k: 1, a: Float32Array.of(3), b: Float32Array.of(4) });
  assert.is(c[0], 12);
});

test.run();
