// Shap-CA, InfoNCE and L_align: losses and gradients against PyTorch autograd through the same
// Philox permutations (tools/reference/shapley_fixtures.py) and against finite differences.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { align, runtime, shapley } from '../lib/index.js';
import { addon } from '../lib/native/addon.js';
import type { ShapleyUtility } from '../lib/shapley/index.js';
import { f32, readFixture, tensor } from './fixtures.js';
import { assertClose, randomArray } from './helpers.js';

const fx = readFixture('shapley.shfx');
const UTILITIES: ShapleyUtility[] = ['softmax-expectation', 'cosine-sum', 'mean'];
const scalar = (name: string) => (tensor(fx, name).data as Float64Array)[0]!;
const paths: runtime.KernelPath[] = runtime.info().avx2 && runtime.info().fma ? ['scalar', 'avx2'] : ['scalar'];

for (const path of paths) {
  const test = suite(`alignment losses vs PyTorch [${path}]`);
  test.before(() => {
    runtime.setKernelPath(path);
  });
  test.after(() => {
    runtime.setKernelPath('auto');
  });

  test('Shap-CA loss, phi and gradients (all utilities, M = 8 antithetic, same draws as PyTorch)', async () => {
    const players = f32(fx, 'loss.players'), targets = f32(fx, 'loss.targets');
    const [k, d] = tensor(fx, 'loss.players').shape as [number, number];
    assert.equal(Array.from(shapley.permutations({ k, permutations: 8, seed: 11 })), Array.from(tensor(fx, 'loss.perms').data));
    for (const utility of UTILITIES) {
      const r = await align.shapleyContrastiveLoss({ players, targets, k, d, utility, tauU: 0.2, temperature: 0.07, permutations: 8, seed: 11 });
      const expect = scalar(`loss.${utility}.loss`);
      assert.ok(Math.abs(r.loss - expect) <= 1e-5 * Math.abs(expect), `${utility} loss ${r.loss} vs ${expect}`);
      assertClose(r.phi, f32(fx, `loss.${utility}.phi`), 1e-6, 1e-5, `${utility} phi`);
      assertClose(r.dPlayers, f32(fx, `loss.${utility}.dplayers`), 1e-5, 1e-4, `${utility} dPlayers`);
      assertClose(r.dTargets, f32(fx, `loss.${utility}.dtargets`), 1e-5, 1e-4, `${utility} dTargets`);
    }
  });

  test('InfoNCE loss and gradients', async () => {
    const players = f32(fx, 'loss.players'), targets = f32(fx, 'loss.targets');
    const [k, d] = tensor(fx, 'loss.players').shape as [number, number];
    const r = await align.infoNceLoss({ players, targets, k, d, temperature: 0.07 });
    assert.ok(Math.abs(r.loss - scalar('infonce.loss')) < 1e-5 * scalar('infonce.loss'));
    assertClose(r.dPlayers, f32(fx, 'infonce.dplayers'), 1e-5, 1e-4, 'dPlayers');
    assertClose(r.dTargets, f32(fx, 'infonce.dtargets'), 1e-5, 1e-4, 'dTargets');
  });

  test('L_align over c2t, t2c, c2i, i2c with two samples lacking an image', async () => {
    const [k, d] = tensor(fx, 'align.text').shape as [number, number];
    const imageMask = tensor(fx, 'align.mask').data as Uint8Array;
    const r = await align.alignmentLoss({
      text: f32(fx, 'align.text'), context: f32(fx, 'align.context'), image: f32(fx, 'align.image'), imageMask, k, d,
      lambdaCt: 0.7, lambdaCi: 0.3, temperature: 0.1, tauU: 0.2, permutations: 4, seed: 3,
    });
    assertClose([r.terms.c2t, r.terms.t2c, r.terms.c2i, r.terms.i2c], tensor(fx, 'align.terms').data as Float64Array, 1e-6, 1e-5, 'terms');
    assert.ok(Math.abs(r.loss - scalar('align.loss')) < 1e-5 * scalar('align.loss'));
    assertClose(r.dText, f32(fx, 'align.dtext'), 1e-5, 1e-4, 'dText');
    assertClose(r.dContext, f32(fx, 'align.dcontext'), 1e-5, 1e-4, 'dContext');
    assertClose(r.dImage!, f32(fx, 'align.dimage'), 1e-5, 1e-4, 'dImage');
    for (const i of [1, 4]) assert.ok(r.dImage!.subarray(i * d, i * d + d).every((x) => x === 0), `masked image ${i} gets no gradient`);
  });

  test.run();
}

const test = suite('alignment losses');

test('Shap-CA gradients match central differences of the loss (k = 4, d = 3, cosine-sum and softmax)', async () => {
  const k = 4, d = 3, h = 1e-2;
  const players = randomArray(k * d, 3), targets = randomArray(k * d, 4);
  for (const utility of ['cosine-sum', 'softmax-expectation'] as const) {
    const o = { k, d, utility, tauU: 0.5, temperature: 0.5, permutations: 4, seed: 2 };
    const lossAt = async (p: Float32Array, t: Float32Array) => (await align.shapleyContrastiveLoss({ ...o, players: p, targets: t })).loss;
    const r = await align.shapleyContrastiveLoss({ ...o, players, targets });
    const numeric = async (which: 'p' | 't') => {
      const out: number[] = [];
      for (let e = 0; e < k * d; e++) {
        const up = (which === 'p' ? players : targets).slice(), down = up.slice();
        up[e]! += h;
        down[e]! -= h;
        const [lu, ld] = which === 'p'
          ? [await lossAt(up, targets), await lossAt(down, targets)]
          : [await lossAt(players, up), await lossAt(players, down)];
        out.push((lu - ld) / (2 * h));
      }
      return out;
    };
    assertClose(r.dPlayers, await numeric('p'), 2e-3, 2e-2, `${utility} dPlayers`);
    assertClose(r.dTargets, await numeric('t'), 2e-3, 2e-2, `${utility} dTargets`);
  }
});

test('gradients accumulate into given buffers; the same seed gives the same loss', async () => {
  const k = 5, d = 4;
  const players = randomArray(k * d, 8), targets = randomArray(k * d, 9);
  const once = await align.shapleyContrastiveLoss({ players, targets, k, d, seed: 4 });
  const dPlayers = once.dPlayers.slice();
  const twice = await align.shapleyContrastiveLoss({ players, targets, k, d, seed: 4, dPlayers });
  assert.is(twice.loss, once.loss);
  assertClose(dPlayers, Array.from(once.dPlayers, (x) => 2 * x), 1e-7, 1e-6, 'accumulated');
  const other = await align.shapleyContrastiveLoss({ players, targets, k, d, seed: 5 });
  assert.is.not(other.loss, once.loss);
});

test('L_align: no image batch or fewer than two images → zero image terms; InfoNCE objective = its parts', async () => {
  const k = 5, d = 4;
  const text = randomArray(k * d, 1), context = randomArray(k * d, 2), image = randomArray(k * d, 3);
  const noImage = await align.alignmentLoss({ text, context, k, d });
  assert.is(noImage.terms.c2i, 0);
  assert.is(noImage.dImage, undefined);
  const c2t = await align.shapleyContrastiveLoss({ players: context, targets: text, k, d });
  assert.ok(Math.abs(noImage.terms.c2t - c2t.loss) < 1e-12 && Math.abs(noImage.loss - 0.25 * (noImage.terms.c2t + noImage.terms.t2c)) < 1e-12);
  const one = await align.alignmentLoss({ text, context, image, imageMask: Uint8Array.of(0, 0, 1, 0, 0), k, d });
  assert.is(one.terms.i2c, 0);
  assert.ok(one.dImage!.every((x) => x === 0));
  const nce = await align.alignmentLoss({ text, context, image, k, d, objective: 'infonce', lambdaCt: 1, lambdaCi: 2 });
  const part = async (p: Float32Array, t: Float32Array) => (await align.infoNceLoss({ players: p, targets: t, k, d })).loss;
  const expect = ((await part(context, text)) + (await part(text, context))) / 2 + (2 * ((await part(context, image)) + (await part(image, context)))) / 2;
  assert.ok(Math.abs(nce.loss - expect) < 1e-9, `${nce.loss} vs ${expect}`);
});

test('fresh gradients are written, not added: buffers holding NaN give the same result as zeroed ones', async () => {
  const k = 6, d = 5;
  const players = randomArray(k * d, 21), targets = randomArray(k * d, 22);
  for (const loss of ['shapca', 'infonce'] as const) {
    const call = (o: { dPlayers: Float32Array; dTargets: Float32Array; accumulate: boolean }) =>
      loss === 'shapca'
        ? addon().shapcaLoss({ players, targets, k, d, seed: 3, ...o })
        : addon().infoNceLoss({ players, targets, k, d, ...o });
    const zeroed = { dPlayers: new Float32Array(k * d), dTargets: new Float32Array(k * d), accumulate: true };
    const garbage = { dPlayers: new Float32Array(k * d).fill(NaN), dTargets: new Float32Array(k * d).fill(NaN), accumulate: false };
    assert.is(await call(garbage), await call(zeroed));
    assertClose(garbage.dPlayers, zeroed.dPlayers, 0, 0, `${loss} dPlayers`);
    assertClose(garbage.dTargets, zeroed.dTargets, 0, 0, `${loss} dTargets`);
    const fresh = loss === 'shapca'
      ? await align.shapleyContrastiveLoss({ players, targets, k, d, seed: 3 })
      : await align.infoNceLoss({ players, targets, k, d });
    assertClose(fresh.dTargets, zeroed.dTargets, 0, 0, `${loss} through the wrapper`);
  }
});

test('large batch (k = 256, d = 64) runs off the main thread and agrees across thread counts', async () => {
  const k = 256, d = 64;
  const o = { players: randomArray(k * d, 11), targets: randomArray(k * d, 12), k, d, utility: 'cosine-sum' as const };
  try {
    runtime.setThreads(1);
    const a = await align.shapleyContrastiveLoss(o);
    runtime.setThreads(2);
    const b = await align.shapleyContrastiveLoss(o);
    assert.is(b.loss, a.loss);
    assertClose(b.phi, a.phi, 0, 0, 'phi');
    assertClose(b.dPlayers, a.dPlayers, 1e-6, 1e-5, 'dPlayers (GEMM split may differ)');
  } finally {
    runtime.setThreads(0);
  }
});

test.run();
