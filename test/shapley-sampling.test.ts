// The permutation estimator against the exact values: error ~ 1/√M, antithetic pairs beat plain
// sampling, the reported standard error is calibrated and shrinks at the rate it claims, and the
// result is reproducible whatever the thread count and kernel path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { runtime, shapley } from '../lib/index.js';
import type { ShapleyUtility } from '../lib/shapley/index.js';
import { assertClose, randomArray } from './helpers.js';

const test = suite('shapley sampling');
const k = 8, n = 3, d = 6;
const players = randomArray(k * d, 1), targets = randomArray(n * d, 101);
const base = { players, targets, k, n, d };

const exactOf = async (utility: ShapleyUtility) => (await shapley.values({ ...base, utility, method: 'exact' })).phi;

/** Root-mean-square error over `seeds` estimates, and their z-scores (error / stderr). */
async function errors(utility: ShapleyUtility, permutations: number, antithetic: boolean, seeds: number) {
  const exact = await exactOf(utility);
  let sq = 0, count = 0;
  const z: number[] = [], se: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const r = await shapley.values({ ...base, utility, permutations, antithetic, seed: 1000 + seed });
    r.phi.forEach((x, i) => {
      const err = x - exact[i]!;
      sq += err * err;
      count++;
      z.push(err / r.stderr![i]!);
      se.push(r.stderr![i]!);
    });
  }
  return { rms: Math.sqrt(sq / count), z, se };
}

test('error shrinks like 1/√M (log-log slope ≈ −1/2 over M = 8 … 512)', async () => {
  const ms = [8, 32, 128, 512];
  const rms: number[] = [];
  for (const m of ms) rms.push((await errors('softmax-expectation', m, false, 24)).rms);
  const xs = ms.map(Math.log), ys = rms.map(Math.log);
  const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  assert.ok(slope > -0.62 && slope < -0.38, `slope ${slope.toFixed(3)} (rms ${rms.map((r) => r.toExponential(2)).join(', ')})`);
  assert.ok(rms[3]! < rms[0]! / 5, `rms at M=512 (${rms[3]}) vs M=8 (${rms[0]})`);
});

test('antithetic pairs have lower error than plain permutations at equal M (all utilities)', async () => {
  for (const utility of ['softmax-expectation', 'cosine-sum', 'mean'] as const) {
    const plain = (await errors(utility, 32, false, 48)).rms;
    const anti = (await errors(utility, 32, true, 48)).rms;
    assert.ok(anti < 0.92 * plain, `${utility}: antithetic ${anti.toExponential(3)} vs plain ${plain.toExponential(3)}`);
  }
});

// The stderr is the CLT standard error of the sample mean. At small M the skewed marginals of
// some softmax-expectation games make it optimistic (E[z²] ≈ 1.9 at M = 64 here, ≈ 1.05 at 512),
// so calibration is checked where the CLT applies.
test('stderr covers the true error: E[z²] ≈ 1, |z| ≤ 1.96 about 95% of the time, halves when M quadruples', async () => {
  for (const antithetic of [false, true]) {
    const { z, se } = await errors('softmax-expectation', 512, antithetic, 30);
    const meanSq = z.reduce((a, x) => a + x * x, 0) / z.length;
    const cover = z.filter((x) => Math.abs(x) <= 1.96).length / z.length;
    assert.ok(meanSq > 0.75 && meanSq < 1.35, `antithetic=${antithetic}: E[z²] = ${meanSq.toFixed(3)}`);
    assert.ok(cover > 0.9 && cover < 0.985, `antithetic=${antithetic}: coverage ${cover.toFixed(3)}`);
    const se4 = (await errors('softmax-expectation', 2048, antithetic, 30)).se;
    const ratios = se.map((s, i) => s / se4[i]!).sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1]!;
    assert.ok(median > 1.8 && median < 2.2, `antithetic=${antithetic}: stderr(M=512)/stderr(M=2048) median ${median.toFixed(3)}`);
  }
});

test('with one sample the stderr is NaN (documented), the estimate itself is defined', async () => {
  const r = await shapley.values({ ...base, permutations: 2, antithetic: true });
  assert.ok(r.stderr!.every(Number.isNaN));
  assert.ok(r.phi.every(Number.isFinite));
});

test('same seed ⇒ same bits on 1, 2 and 3 threads (large enough to run off the main thread)', async () => {
  const kk = 48, nn = 40, dd = 32;
  const o = { players: randomArray(kk * dd, 5), targets: randomArray(nn * dd, 6), k: kk, n: nn, d: dd, seed: 9 };
  try {
    for (const utility of ['softmax-expectation', 'cosine-sum', 'mean'] as const) {
      const runs = [];
      for (const t of [1, 2, 3]) {
        runtime.setThreads(t);
        runs.push(await shapley.values({ ...o, utility, permutations: 32 }));
      }
      for (const r of runs.slice(1)) {
        assertClose(r.phi, runs[0]!.phi, 0, 0, `${utility} phi`);
        assertClose(r.stderr!, runs[0]!.stderr!, 0, 0, `${utility} stderr`);
      }
      const other = await shapley.values({ ...o, utility, permutations: 32, seed: 10 });
      assert.not.equal(Array.from(other.phi), Array.from(runs[0]!.phi), 'another seed gives another estimate');
    }
    const ex = [];
    for (const t of [1, 3]) {
      runtime.setThreads(t);
      ex.push(await shapley.values({ ...o, k: 17, players: o.players.subarray(0, 17 * dd), method: 'exact' }));
    }
    assertClose(ex[1]!.phi, ex[0]!.phi, 0, 0, 'exact k=17 on 1 vs 3 threads');
  } finally {
    runtime.setThreads(0);
  }
});

if (runtime.info().avx2 && runtime.info().fma) {
  test('AVX2 scan matches the scalar reference (70 players, 45 games)', async () => {
    const o = { players: randomArray(70 * 16, 7), targets: randomArray(45 * 16, 8), k: 70, n: 45, d: 16, permutations: 8 };
    try {
      for (const utility of ['softmax-expectation', 'cosine-sum', 'mean'] as const) {
        runtime.setKernelPath('scalar');
        const s = await shapley.values({ ...o, utility });
        runtime.setKernelPath('avx2');
        const f = await shapley.values({ ...o, utility });
        assertClose(f.phi, s.phi, 1e-6, 1e-5, utility);
      }
    } finally {
      runtime.setKernelPath('auto');
    }
  });
} else {
  console.log('  (AVX2/FMA not available on this CPU: the avx2-vs-scalar Shapley case is skipped)');
}

test.run();
