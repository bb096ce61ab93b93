// Exact Shapley values: the axioms on random games, closed forms (glove, airport, weighted
// majority), the embedding utilities against a brute-force enumeration written here and against
// PyTorch (tools/reference/shapley_fixtures.py), `mean` against its closed form.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { runtime, shapley } from '../lib/index.js';
import type { ShapleyUtility } from '../lib/shapley/index.js';
import { f32, readFixture, tensor } from './fixtures.js';
import { assertClose, randomArray } from './helpers.js';

const test = suite('shapley exact');
const fx = readFixture('shapley.shfx');
const UTILITIES: ShapleyUtility[] = ['softmax-expectation', 'cosine-sum', 'mean'];

const popcount = (m: number) => {
  let c = 0;
  for (; m; m &= m - 1) c++;
  return c;
};
const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
const weight = (k: number, s: number) => (factorial(s) * factorial(k - s - 1)) / factorial(k);
const table = (k: number, v: (mask: number) => number) => Float64Array.from({ length: 2 ** k }, (_, m) => v(m));

/** Shapley values by the subset formula, straight from the definition. */
function bruteForce(k: number, v: (mask: number) => number): number[] {
  const phi = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let mask = 0; mask < 2 ** k; mask++) {
      if (mask & (1 << i)) continue;
      phi[i]! += weight(k, popcount(mask)) * (v(mask | (1 << i)) - v(mask));
    }
  }
  return phi;
}

test('axioms on random games: efficiency, symmetry, null player, additivity', async () => {
  for (const k of [2, 5, 10]) {
    const r1 = randomArray(2 ** k, k, 3), r2 = randomArray(2 ** k, k + 50, 3);
    const v = table(k, (m) => r1[m]!), w = table(k, (m) => r2[m]!);
    const pv = await shapley.exactGame(v, k), pw = await shapley.exactGame(w, k);
    const sum = pv.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (v[2 ** k - 1]! - v[0]!)) < 1e-9, `efficiency k=${k}: ${sum}`);
    assertClose(await shapley.exactGame(table(k, (m) => v[m]! + w[m]!), k), Array.from(pv, (x, i) => x + pw[i]!), 1e-12, 1e-9, 'additivity');
    // players 0 and 1 interchangeable: swap their bits, take the smaller mask's random value
    const swap = (m: number) => (m & ~3) | ((m & 1) << 1) | ((m >> 1) & 1);
    const ps = await shapley.exactGame(table(k, (m) => r1[Math.min(m, swap(m))]!), k);
    assert.ok(Math.abs(ps[0]! - ps[1]!) < 1e-12, `symmetry k=${k}`);
    const pn = await shapley.exactGame(table(k, (m) => r1[m & ~(1 << (k - 1))]!), k);
    assert.ok(Math.abs(pn[k - 1]!) < 1e-12, `null player k=${k}: ${pn[k - 1]}`);
    assertClose(pv, bruteForce(k, (m) => v[m]!), 1e-12, 1e-9, `brute force k=${k}`);
  }
});

test('glove game: one left glove, two right gloves → 2/3, 1/6, 1/6', async () => {
  const phi = await shapley.exactGame(table(3, (m) => Math.min(m & 1, ((m >> 1) & 1) + ((m >> 2) & 1))), 3);
  assertClose(phi, [2 / 3, 1 / 6, 1 / 6], 1e-15, 0, 'glove');
});

test('airport game: phi_i = Σ_{l ≤ i} (c_l − c_{l−1}) / (k − l)', async () => {
  const cost = [1, 2.5, 2.5, 4, 7, 7.5, 11, 12];
  const k = cost.length;
  const phi = await shapley.exactGame(table(k, (m) => Math.max(0, ...cost.filter((_, i) => m & (1 << i)))), k);
  let acc = 0;
  const expect = cost.map((c, i) => (acc += (c - (i ? cost[i - 1]! : 0)) / (k - i)));
  assertClose(phi, expect, 1e-12, 1e-12, 'airport');
});

test('weighted majority games: [3; 2,1,1] and the UN Security Council [39; 7×5, 1×10]', async () => {
  const small = await shapley.exactGame(table(3, (m) => ((m & 1) * 2 + ((m >> 1) & 1) + ((m >> 2) & 1) >= 3 ? 1 : 0)), 3);
  assertClose(small, [2 / 3, 1 / 6, 1 / 6], 1e-15, 0, '[3; 2,1,1]');
  const weights = [7, 7, 7, 7, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
  const k = weights.length;
  const phi = await shapley.exactGame(table(k, (m) => (weights.reduce((a, w, i) => a + (m & (1 << i) ? w : 0), 0) >= 39 ? 1 : 0)), k);
  // a non-permanent member is pivotal after all 5 permanent and exactly 3 of the other 9 members
  const nonPermanent = 84 * weight(k, 8);
  const permanent = (1 - 10 * nonPermanent) / 5;
  assertClose(phi, weights.map((w) => (w === 7 ? permanent : nonPermanent)), 1e-14, 1e-12, 'security council');
  assert.ok(Math.abs(nonPermanent - 4 / 2145) < 1e-15 && Math.abs(permanent - 421 / 2145) < 1e-15);
});

/** v_j(S) for unit players/targets in double, from the definitions (docs/ARCHITECTURE.md, "Shapley batch games"). */
function embeddingGames(players: Float32Array, targets: Float32Array, k: number, n: number, d: number) {
  const unit = (x: Float32Array, rows: number) =>
    Array.from({ length: rows }, (_, r) => {
      const row = Array.from(x.subarray(r * d, r * d + d));
      const norm = Math.hypot(...row);
      return row.map((e) => e / norm);
    });
  const p = unit(players, k), t = unit(targets, n);
  const dot = (a: number[], b: number[]) => a.reduce((acc, x, i) => acc + x * b[i]!, 0);
  const s = p.map((pi) => t.map((tj) => dot(pi, tj)));
  return (u: ShapleyUtility, tauU: number, j: number) => (mask: number) => {
    const members = p.map((_, i) => i).filter((i) => mask & (1 << i));
    if (members.length === 0) return 0;
    if (u === 'mean') return members.reduce((a, i) => a + s[i]![j]!, 0) / members.length;
    if (u === 'softmax-expectation') {
      const w = members.map((i) => Math.exp(s[i]![j]! / tauU));
      return members.reduce((a, i, x) => a + w[x]! * s[i]![j]!, 0) / w.reduce((a, b) => a + b, 0);
    }
    const sum = new Array<number>(d).fill(0);
    for (const i of members) p[i]!.forEach((e, c) => (sum[c]! += e));
    return dot(sum, t[j]!) / Math.hypot(...sum);
  };
}

test('embedding utilities: exact method vs brute-force subsets (k = 2, 5, 8)', async () => {
  for (const k of [2, 5, 8]) {
    const n = 3, d = 6, tauU = 0.1;
    const players = randomArray(k * d, 10 + k), targets = randomArray(n * d, 20 + k);
    const games = embeddingGames(players, targets, k, n, d);
    for (const utility of UTILITIES) {
      const { phi, stderr } = await shapley.values({ players, targets, k, n, d, utility, tauU, method: 'exact' });
      assert.is(stderr, undefined);
      const expect = Array.from({ length: n }, (_, j) => bruteForce(k, games(utility, tauU, j))).flat();
      assertClose(phi, expect, 1e-5, 1e-5, `${utility} k=${k}`);
    }
  }
});

test('embedding utilities: exact method vs PyTorch (k = 6, n = 4)', async () => {
  const players = f32(fx, 'exact.players'), targets = f32(fx, 'exact.targets');
  const [k, d] = tensor(fx, 'exact.players').shape as [number, number];
  const n = tensor(fx, 'exact.targets').shape[0]!;
  for (const utility of UTILITIES) {
    const { phi } = await shapley.values({ players, targets, k, n, d, utility, tauU: 0.2, method: 'exact' });
    assertClose(phi, f32(fx, `exact.${utility}.phi`), 1e-5, 1e-5, utility);
  }
});

test("'mean' has the closed form phi_ij = b·Σ_l s_lj + (a − b)·s_ij, a = H_k/k, b = (1 − H_k)/(k(k−1))", async () => {
  const k = 9, n = 4, d = 5;
  const players = randomArray(k * d, 1), targets = randomArray(n * d, 2);
  const { phi } = await shapley.values({ players, targets, k, n, d, utility: 'mean', method: 'exact' });
  const games = embeddingGames(players, targets, k, n, d);
  let harmonic = 0;
  for (let t = 1; t <= k; t++) harmonic += 1 / t;
  const a = harmonic / k, b = (1 - harmonic) / (k * (k - 1));
  const expect: number[] = [];
  for (let j = 0; j < n; j++) {
    const s = Array.from({ length: k }, (_, i) => games('mean', 1, j)(1 << i));
    const total = s.reduce((x, y) => x + y, 0);
    s.forEach((si) => expect.push(b * total + (a - b) * si));
  }
  assertClose(phi, expect, 1e-6, 1e-5, 'mean closed form');
});

test('a 21-player table (2^21 coalitions, many chunks per task): an additive game gives each its weight', async () => {
  const k = 21, w = Array.from({ length: k }, (_, i) => i + 1);
  const v = new Float64Array(2 ** k);
  for (let m = 1; m < v.length; m++) v[m] = v[m & (m - 1)]! + w[31 - Math.clz32(m & -m)]!;
  assertClose(await shapley.exactGame(v, k), w, 1e-7, 1e-9, 'additive game k=21');
});

for (const path of (runtime.info().avx2 && runtime.info().fma ? ['scalar', 'avx2'] : ['scalar']) as runtime.KernelPath[]) {
  test(`permutation draws and estimates match the PyTorch reference (same Philox draws) [${path}]`, async () => {
    runtime.setKernelPath(path);
    try {
      const perms = tensor(fx, 'perm.perms');
      const [m, k] = perms.shape as [number, number];
      assert.equal(Array.from(shapley.permutations({ k, permutations: m, seed: 7 })), Array.from(perms.data));
      const plain = tensor(fx, 'perm.plain');
      assert.equal(Array.from(shapley.permutations({ k, permutations: 5, antithetic: false, seed: 7 })), Array.from(plain.data));
      const players = f32(fx, 'perm.players'), targets = f32(fx, 'perm.targets');
      const [n, d] = tensor(fx, 'perm.targets').shape as [number, number];
      for (const utility of UTILITIES) {
        const r = await shapley.values({ players, targets, k, n, d, utility, tauU: 0.2, permutations: m, seed: 7 });
        assertClose(r.phi, f32(fx, `perm.${utility}.phi`), 1e-5, 1e-5, `${utility} phi`);
        assertClose(r.stderr!, f32(fx, `perm.${utility}.stderr`), 1e-5, 1e-4, `${utility} stderr`);
      }
    } finally {
      runtime.setKernelPath('auto');
    }
  });
}

test.run();
