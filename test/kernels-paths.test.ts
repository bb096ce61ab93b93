// The AVX2 path against the scalar reference through the public API, on odd and large sizes,
// strided and transposed operands, and across thread counts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { kernels, runtime } from '../lib/index.js';
import { assertClose, randomArray } from './helpers.js';

const test = suite('avx2 vs scalar, threads');
const hasAvx2 = runtime.info().avx2 && runtime.info().fma;

async function onBothPaths<T>(fn: () => Promise<T>): Promise<[T, T]> {
  runtime.setKernelPath('scalar');
  const scalar = await fn();
  runtime.setKernelPath('avx2');
  const fast = await fn();
  runtime.setKernelPath('auto');
  return [scalar, fast];
}

test.after(() => {
  runtime.setKernelPath('auto');
  runtime.setThreads(0);
});

if (!hasAvx2) {
  console.log('  (AVX2/FMA not available on this CPU: the avx2-vs-scalar cases are skipped)');
} else {
  for (const [m, n, k] of [[1, 1, 1], [7, 33, 257], [257, 7, 33], [300, 257, 130]] as const) {
    test(`sgemm ${m}x${n}x${k}, strided, all transpositions`, async () => {
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        const a = randomArray((ta ? k : m) * lda, 1), b = randomArray((tb ? n : k) * ldb, 2);
        const c0 = randomArray(m * ldc, 3);
        const [s, f] = await onBothPaths(() =>
          kernels.sgemm({ transA: ta, transB: tb, m, n, k, a, b, lda, ldb, ldc, c: c0.slice(), beta: 0.5 }),
        );
        assertClose(f, s, 1e-5 * Math.sqrt(k), 1e-5, `ta=${ta} tb=${tb}`);
      }
    });
  }

  test('softmax, layernorm, gelu on 1, 7, 33, 257, 4099 columns', async () => {
    for (const cols of [1, 7, 33, 257, 4099]) {
      const rows = 3;
      const x = randomArray(rows * cols, cols, 5);
      const [s, f] = await onBothPaths(() => kernels.softmaxForward({ inp: x, rows, cols, scale: 0.3 }));
      assertClose(f, s, 1e-7, 1e-5, `softmax ${cols}`);
      const w = randomArray(cols, 1), b = randomArray(cols, 2);
      const [ls, lf] = await onBothPaths(() => kernels.layernormForward({ inp: x, weight: w, bias: b, n: rows, c: cols }));
      assertClose(lf.out, ls.out, 1e-5, 1e-5, `layernorm ${cols}`);
      const [gs, gf] = await onBothPaths(() => kernels.geluForward(x));
      assertClose(gf, gs, 1e-6, 1e-5, `gelu ${cols}`);
    }
  });
}

test('sgemm gives the same result on 1, 2 and 3 threads (large enough to run async)', async () => {
  const [m, n, k] = [200, 300, 150];
  const a = randomArray(m * k, 5), b = randomArray(k * n, 6);
  const results: Float32Array[] = [];
  for (const t of [1, 2, 3]) {
    assert.is(runtime.setThreads(t), t);
    results.push(await kernels.sgemm({ m, n, k, a, b }));
  }
  assertClose(results[1]!, results[0]!, 0, 0, '2 threads vs 1');
  assertClose(results[2]!, results[0]!, 0, 0, '3 threads vs 1');
});

test('concurrent calls from Promise.all each get their own correct result', async () => {
  const [m, n, k] = [128, 128, 128];
  const cases = [0, 1, 2, 3, 4, 5].map((i) => ({ a: randomArray(m * k, 10 + i), b: randomArray(k * n, 20 + i) }));
  const sequential: Float32Array[] = [];
  for (const c of cases) sequential.push(await kernels.sgemm({ m, n, k, ...c }));
  const parallel = await Promise.all(cases.map((c) => kernels.sgemm({ m, n, k, ...c })));
  parallel.forEach((p, i) => assertClose(p, sequential[i]!, 0, 0, `case ${i}`));
});

test('randomUniform is reproducible per (seed, stream)', () => {
  const a = runtime.randomUniform(1000, 7, 1);
  assert.equal(Array.from(a), Array.from(runtime.randomUniform(1000, 7, 1)));
  assert.not.equal(Array.from(a), Array.from(runtime.randomUniform(1000, 7, 2)));
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  assert.ok(mean > 0.45 && mean < 0.55 && a.every((x) => x >= 0 && x < 1));
});

test.run();
