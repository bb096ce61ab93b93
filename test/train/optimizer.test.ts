// AdamW over parameter groups + the linear schedule + global clipping vs PyTorch
// (tools/reference/make_train_fixtures.py: torch.optim.AdamW, LambdaLR, clip_grad_norm_).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { train } from '../../lib/index.js';
import { f32, readFixture, tensor } from '../fixtures.js';
import { assertClose, rejects } from '../helpers.js';

const fx = readFixture('train.shfx');
const scalar = (name: string) => tensor(fx, name).data[0] as number;
const STEPS = scalar('schedule.total');
const WARMUP = scalar('schedule.warmup');
const NAMES = ['encoder', 'head'] as const;

function groups(): train.ParamGroup[] {
  return NAMES.map((name) => {
    const nd = tensor(fx, `${name}.no_decay`).data as Int32Array;
    const noDecay: Array<[number, number]> = [];
    for (let i = 0; i < nd.length; i += 2) noDecay.push([nd[i] as number, nd[i + 1] as number]);
    const params = f32(fx, `${name}.p0`);
    return { name, params, grads: new Float32Array(params.length), pretrained: name === 'encoder', noDecay };
  });
}

function optimizer(gs: train.ParamGroup[]): train.AdamW {
  return new train.AdamW(gs, {
    encoderLr: scalar('encoder.lr'), headLr: scalar('head.lr'),
    weightDecay: scalar('adamw.weight_decay'), maxGradNorm: scalar('clip.max_norm'),
  });
}

async function runSteps(opt: train.AdamW, gs: train.ParamGroup[], from: number, to: number, schedule: train.LinearSchedule) {
  for (let step = from; step <= to; step++) {
    for (const g of gs) g.grads.set(f32(fx, `${g.name}.g${step}`));
    const report = await opt.step(schedule.factor(step - 1));
    const norm = scalar(`norm${step}`);
    assert.ok(Math.abs(report.gradNorm - norm) <= 1e-6 * norm, `step ${step}: grad norm ${report.gradNorm} vs ${norm}`);
    assertClose([report.lr.encoder, report.lr.head], [scalar(`encoder.lr${step}`), scalar(`head.lr${step}`)], 1e-12, 1e-9, `lr at step ${step}`);
    for (const g of gs) assertClose(g.params, f32(fx, `${g.name}.p${step}`), 1e-6, 1e-5, `${g.name} params after step ${step}`);
  }
}

const test = suite('train: optimizer and schedule vs PyTorch');

test('AdamW with two lrs, no-decay ranges, LambdaLR warm-up/decay and clip_grad_norm_ over 6 steps', async () => {
  const gs = groups();
  const schedule = new train.LinearSchedule(STEPS, { steps: WARMUP });
  const opt = optimizer(gs);
  await runSteps(opt, gs, 1, STEPS, schedule);
  assert.is(opt.steps, STEPS);
});

test('weight decay is really off on the no-decay ranges (decaying everything misses the fixture)', async () => {
  const gs = groups().map((g) => ({ ...g, noDecay: [] }));
  const opt = optimizer(gs);
  const schedule = new train.LinearSchedule(STEPS, { steps: WARMUP });
  for (let step = 1; step <= 3; step++) {
    for (const g of gs) g.grads.set(f32(fx, `${g.name}.g${step}`));
    await opt.step(schedule.factor(step - 1));
  }
  const enc = gs[0] as train.ParamGroup;
  const want = f32(fx, 'encoder.p3');
  // Decayed biases drift from PyTorch's by lr·wd·p per step: small but far above float error.
  const diff = Math.abs((enc.params[10] as number) - (want[10] as number));
  assert.ok(diff > 1e-6, `no-decay range must matter (diff ${diff})`);
});

test('optimizer state saved after 3 steps and loaded into a fresh optimizer continues the same trajectory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shapca-train-opt-'));
  try {
    const schedule = new train.LinearSchedule(STEPS, { steps: WARMUP });
    const gs = groups();
    const first = optimizer(gs);
    await runSteps(first, gs, 1, 3, schedule);
    await first.save(join(dir, 'opt.safetensors'));
    const second = optimizer(gs);
    await second.load(join(dir, 'opt.safetensors'));
    assert.is(second.steps, 3);
    await runSteps(second, gs, 4, STEPS, schedule);
    // A state from other groups is refused with the group named.
    const other = new train.AdamW([{ name: 'head', params: new Float32Array(23), grads: new Float32Array(23), pretrained: false }], { encoderLr: 0, headLr: 1 });
    await rejects(other.load(join(dir, 'opt.safetensors')), train.TrainError, /state encoder\.m for a group this model does not train/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('freezePretrained leaves pretrained groups unchanged and out of the gradient norm', async () => {
  const gs = groups();
  const before = gs[0]?.params.slice() as Float32Array;
  const opt = new train.AdamW(gs, { encoderLr: 1, headLr: 1, freezePretrained: true, maxGradNorm: 0 });
  for (const g of gs) g.grads.set(f32(fx, `${g.name}.g2`));
  const r = await opt.step();
  assert.equal(gs[0]?.params, before);
  const headNorm = Math.hypot(...(gs[1]?.grads ?? []));
  assert.ok(Math.abs(r.gradNorm - headNorm) < 1e-5 * headNorm, `${r.gradNorm} vs ${headNorm}`);
  assert.is(r.clipScale, 1);
  assert.equal(opt.groupNames, ['head']);
});

test('linear schedule: HF values, warm-up as ratio (rounded up) or steps, bad values refused', () => {
  const s = new train.LinearSchedule(10, 0.25);
  assert.is(s.warmupSteps, 3);
  assert.equal([0, 1, 2, 3, 6, 9, 10, 12].map((k) => Number(s.factor(k).toFixed(6))), [0, 0.333333, 0.666667, 1, 0.571429, 0.142857, 0, 0]);
  assert.is(train.warmupSteps(5, 100), 5);
  assert.is(train.warmupSteps({ ratio: 0.1 }, 95), 10);
  assert.is(train.warmupSteps({ steps: 500 }, 100), 100);
  assert.is(new train.LinearSchedule(4, 0).factor(0), 1);
  assert.throws(() => train.warmupSteps(1.5, 10), /warm-up ratio in \[0, 1\) or an integer step count/);
  assert.throws(() => train.warmupSteps({ ratio: -0.1 }, 10), /warm-up ratio in \[0, 1\]/);
});

test('featureRanges take the feature lr, with or without decay where they meet noDecay ranges', async () => {
  // First AdamW step: m̂ / √v̂ = sign(g), so p1 = p0 · (1 − lr·wd) − lr · sign(g) for each range's lr and decay.
  const n = 12, wd = 0.1, headLr = 1e-3, featureLr = 3e-2;
  const params = Float32Array.from({ length: n }, (_, i) => 0.5 - i * 0.07);
  const grads = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1) * (0.1 + i / 50));
  const p0 = params.slice();
  const featureRanges: Array<[number, number]> = [[2, 4], [9, 3]], noDecay: Array<[number, number]> = [[4, 4]];
  const opt = new train.AdamW([{ name: 'heads', params, grads, pretrained: false, noDecay, featureRanges }], { encoderLr: 0, headLr, featureLr, weightDecay: wd, maxGradNorm: 0 });
  const r = await opt.step();
  assert.equal(r.lr, { encoder: 0, head: headLr, features: featureLr });
  const inside = (rs: Array<[number, number]>, i: number) => rs.some(([a, l]) => a <= i && i < a + l);
  const expected = Array.from(p0, (p, i) => {
    const lr = inside(featureRanges, i) ? featureLr : headLr;
    return p * (1 - lr * (inside(noDecay, i) ? 0 : wd)) - lr * Math.sign(grads[i]!);
  });
  assertClose(params, expected, 1e-6, 1e-5, 'params after one step');
  // without featureLr the ranges train at headLr
  const q = p0.slice();
  await new train.AdamW([{ name: 'heads', params: q, grads, pretrained: false, featureRanges }], { encoderLr: 0, headLr, weightDecay: 0, maxGradNorm: 0 }).step();
  assertClose(q, Array.from(p0, (p, i) => p - headLr * Math.sign(grads[i]!)), 1e-6, 1e-5, 'featureLr defaults to headLr');
});

test('malformed groups and options are refused with what was expected', () => {
  const p = () => new Float32Array(4);
  const mk = (g: Partial<train.ParamGroup>) => () => new train.AdamW(
    [{ name: 'a', params: p(), grads: p(), pretrained: false, ...g }], { encoderLr: 1e-3, headLr: 1e-3 },
  );
  assert.throws(mk({ grads: new Float32Array(3) }), /Expected grads of 4 values for group 'a' but received 3/);
  assert.throws(mk({ noDecay: [[2, 3]] }), /noDecay ranges inside the 4 parameters of group 'a'/);
  assert.throws(mk({ noDecay: [[0, 2], [1, 2]] }), /disjoint noDecay ranges/);
  assert.throws(mk({ featureRanges: [[3, 2]] }), /featureRanges inside the 4 parameters of group 'a'/);
  assert.throws(() => new train.AdamW([{ name: 'a', params: p(), grads: p(), pretrained: false }], { encoderLr: 1, headLr: 1, featureLr: NaN }), /finite number ≥ 0 for featureLr/);
  assert.throws(() => new train.AdamW([], { encoderLr: 1, headLr: 1 }), /at least one parameter group/);
  assert.throws(() => new train.AdamW(
    [{ name: 'a', params: p(), grads: p(), pretrained: false }, { name: 'a', params: p(), grads: p(), pretrained: true }],
    { encoderLr: 1, headLr: 1 },
  ), /unique, non-empty group names/);
  assert.throws(() => new train.AdamW([{ name: 'a', params: p(), grads: p(), pretrained: false }], { encoderLr: -1, headLr: 1 }), /Expected a finite number ≥ 0 for encoderLr but received -1/);
});

test('a NaN gradient stops the update, naming the group, before any parameter moves', async () => {
  const gs = groups();
  const before = gs.map((g) => g.params.slice());
  (gs[1] as train.ParamGroup).grads[5] = NaN;
  const opt = optimizer(gs);
  await rejects(opt.step(), train.TrainError, /gradient norm of group 'head' is NaN/);
  gs.forEach((g, i) => assert.equal(g.params, before[i]));
});

test.run();
