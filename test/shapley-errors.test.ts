// Bad input to the Shapley and alignment calls: a TypeError, RangeError or ShapcaError that says
// what was expected, never a crash.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { align, shapley, ShapcaError } from '../lib/index.js';
import { randomArray, rejects } from './helpers.js';

const test = suite('shapley and align bad input');
const k = 3, d = 4;
const players = randomArray(k * d, 1), targets = randomArray(k * d, 2);

test('k·d mismatch names both sizes', async () => {
  await rejects(() => shapley.values({ players: players.subarray(0, 10), targets, k, n: k, d }), RangeError,
    /shapleyValues: expected players to have k·d = 12 \(k=3, d=4\) elements but received 10/);
  await rejects(() => shapley.values({ players, targets, k, n: 2, d }), RangeError, /expected targets to have n·d = 8 \(n=2, d=4\) elements but received 12/);
  await rejects(() => align.shapleyContrastiveLoss({ players, targets: randomArray(16, 3), k, d }), RangeError,
    /shapcaLoss: expected targets to have k·d = 12/);
  await rejects(() => align.alignmentLoss({ text: players, context: targets, image: randomArray(8, 1), k, d }), RangeError,
    /alignLoss: expected image to have k·d = 12/);
  await rejects(() => align.alignmentLoss({ text: players, context: targets, imageMask: new Uint8Array(2), k, d }), RangeError,
    /expected imageMask to have k = 3 elements but received 2/);
});

test('k = 0 or 1 is refused: a game needs two players', async () => {
  for (const kk of [0, 1]) {
    await rejects(() => shapley.values({ players: players.subarray(0, kk * d), targets, k: kk, n: k, d }), RangeError, /expected k >= 2/);
    await rejects(() => align.shapleyContrastiveLoss({ players: players.subarray(0, kk * d), targets: targets.subarray(0, kk * d), k: kk, d }), RangeError, /expected k >= 2/);
  }
  await rejects(() => shapley.exactGame(new Float64Array(1), 0), RangeError, /expected k in \[1, 25\] but received 0/);
});

test('NaN and infinity name the element', async () => {
  const bad = players.slice();
  bad[5] = Number.NaN;
  await rejects(() => shapley.values({ players: bad, targets, k, n: k, d }), RangeError, /expected finite values in players but players\[5\] is NaN/);
  await rejects(() => align.infoNceLoss({ players, targets: bad, k, d }), RangeError, /targets\[5\] is NaN/);
  const v = new Float64Array(8);
  v[3] = Number.POSITIVE_INFINITY;
  await rejects(() => shapley.exactGame(v, 3), RangeError, /expected finite values in values but values\[3\] is infinite/);
});

test('k above the exact limit, and a table of the wrong size or type', async () => {
  const kk = 21;
  const o = { players: randomArray(kk * 2, 1), targets: randomArray(2, 2), k: kk, n: 1, d: 2, method: 'exact' as const };
  await rejects(() => shapley.values(o), RangeError, /method 'exact' enumerates 2\^k coalitions: expected k <= 20 but received 21 \(maxExactPlayers raises the limit up to 25/);
  await rejects(() => shapley.values({ ...o, maxExactPlayers: 26 }), RangeError, /expected maxExactPlayers to be an integer in \[1, 25\]/);
  await rejects(() => shapley.exactGame(new Float64Array(2 ** 10), 26), RangeError, /exact Shapley values enumerate 2\^k coalitions: expected k in \[1, 25\] but received 26/);
  await rejects(() => shapley.exactGame(new Float64Array(7), 3), RangeError, /expected values to have 8 elements but received 7/);
  await rejects(() => shapley.exactGame(new Float32Array(8) as unknown as Float64Array, 3), TypeError, /expected Float64Array for values but received Float32Array/);
  await rejects(() => shapley.exactGame([0, 1, 1, 2] as unknown as Float64Array, 2), TypeError, /expected Float64Array for values but received Array/);
});

test('zero vectors: cosine-sum needs non-zero players; normalising needs non-zero rows', async () => {
  const zero = players.slice();
  zero.fill(0, d, 2 * d);
  const err = await rejects(() => shapley.values({ players: zero, targets, k, n: k, d, utility: 'cosine-sum', normalize: false }), ShapcaError,
    /cosine-sum needs non-zero, finite players but player 1 has squared norm 0/);
  assert.is((err as ShapcaError).code, 'SHAPCA_INVALID_ARGUMENT');
  await rejects(() => shapley.values({ players: zero, targets, k, n: k, d }), ShapcaError, /players: row 1 has norm 0/);
  await rejects(() => align.shapleyContrastiveLoss({ players, targets: zero, k, d, utility: 'cosine-sum' }), ShapcaError, /targets: row 1 has norm 0/);
});

test('settings: utility, tauU, temperature, odd antithetic M, seed, method', async () => {
  const o = { players, targets, k, n: k, d };
  await rejects(() => shapley.values({ ...o, utility: 'max' as never }), RangeError,
    /expected one of 'softmax-expectation', 'cosine-sum', 'mean' for utility but received 'max'/);
  await rejects(() => shapley.values({ ...o, tauU: 0 }), RangeError, /expected tauU > 0/);
  await rejects(() => align.shapleyContrastiveLoss({ players, targets, k, d, temperature: -1 }), RangeError, /expected temperature > 0/);
  await rejects(() => shapley.values({ ...o, permutations: 5 }), RangeError, /expected an even number of permutations but received 5/);
  await rejects(() => shapley.values({ ...o, permutations: 0 }), RangeError, /expected permutations to be an integer in \[1, 1048576\]/);
  await rejects(() => shapley.values({ ...o, seed: -1 }), RangeError, /expected seed to be an integer in \[0, 9007199254740991\]/);
  await rejects(() => shapley.values({ ...o, method: 'monte-carlo' as never }), RangeError, /expected one of 'permutation', 'exact' for method/);
  assert.throws(() => shapley.permutations({ k: 4, permutations: 3 }), /expected an even number of permutations but received 3/);
});

test('softmax-expectation weights that would underflow are a ShapcaError, not NaN', async () => {
  const big = Float32Array.from(players, (x, i) => x * 100 + i);
  const err = await rejects(() => shapley.values({ players: big, targets, k, n: k, d, normalize: false, tauU: 0.01 }), ShapcaError,
    /softmax-expectation weights exp\(s\/tau_u\) underflow in game 0/);
  assert.is((err as ShapcaError).code, 'SHAPCA_OUT_OF_RANGE');
});

test('still computing after all of the above', async () => {
  const r = await shapley.values({ players, targets, k, n: k, d, method: 'exact' });
  assert.ok(r.phi.every(Number.isFinite));
});

test.run();
