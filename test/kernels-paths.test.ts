// The SIMD paths (AVX2, AVX-512) against the scalar reference through the public API, on odd and
// large sizes, strided and transposed operands, and across thread counts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { kernels, runtime } from '../lib/index.js';
import { assertClose, randomArray } from './helpers.js';

const test = suite('simd vs scalar, threads');
const simdPaths = runtime.availableKernelPaths().filter((p) => p !== 'scalar');

/** Runs fn on the scalar path and on each SIMD path: [scalar result, [path, result][]]. */
async function onAllPaths<T>(fn: () => Promise<T>): Promise<[T, [runtime.KernelPath, T][]]> {
  runtime.setKernelPath('scalar');
  const scalar = await fn();
  const fast: [runtime.KernelPath, T][] = [];
  for (const p of simdPaths) {
    runtime.setKernelPath(p);
    fast.push([p, await fn()]);
  }
  runtime.setKernelPath('auto');
  return [scalar, fast];
}

test.after(() => {
  runtime.setKernelPath('auto');
  runtime.setThreads(0);
});

if (simdPaths.length === 0) {
  console.log('  (AVX2/FMA not available on this CPU: the simd-vs-scalar cases are skipped)');
} else {
  for (const [m, n, k] of [[1, 1, 1], [7, 33, 257], [257, 7, 33], [300, 257, 130]] as const) {
    test(`sgemm ${m}x${n}x${k}, strided, all transpositions`, async () => {
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        const a = randomArray((ta ? k : m) * lda, 1), b = randomArray((tb ? n : k) * ldb, 2);
        const c0 = randomArray(m * ldc, 3);
        const [s, fast] = await onAllPaths(() =>
          kernels.sgemm({ transA: ta, transB: tb, m, n, k, a, b, lda, ldb, ldc, c: c0.slice(), beta: 0.5 }),
        );
        for (const [p, f] of fast) assertClose(f, s, 1e-5 * Math.sqrt(k), 1e-5, `${p} ta=${ta} tb=${tb}`);
      }
    });
  }

  test('softmax, layernorm, gelu on 1, 7, 33, 257, 4099 columns', async () => {
    for (const cols of [1, 7, 33, 257, 4099]) {
      const rows = 3;
      const x = randomArray(rows * cols, cols, 5);
      const [s, fast] = await onAllPaths(() => kernels.softmaxForward({ inp: x, rows, cols, scale: 0.3 }));
      for (const [p, f] of fast) assertClose(f, s, 1e-7, 1e-5, `${p} softmax ${cols}`);
      const w = randomArray(cols, 1), b = randomArray(cols, 2);
      const [ls, lfast] = await onAllPaths(() => kernels.layernormForward({ inp: x, weight: w, bias: b, n: rows, c: cols }));
      for (const [p, lf] of lfast) assertClose(lf.out, ls.out, 1e-5, 1e-5, `${p} layernorm ${cols}`);
      const [gs, gfast] = await onAllPaths(() => kernels.geluForward(x));
      for (const [p, gf] of gfast) assertClose(gf, gs, 1e-6, 1e-5, `${p} gelu ${cols}`);
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
