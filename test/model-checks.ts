// Shared checks for the whole-model tests: central finite differences on the largest gradient
// entries of every parameter group, and a few AdamW steps on one batch.
import * as assert from 'uvu/assert';

import { adamwStep } from '../lib/kernels/optim.js';
import type { StepResult, TrainableModel } from '../lib/train/types.js';

const ctx = (step: number) => ({ seed: 5, epoch: 0, batch: step, step });

/** (L(p+h) − L(p−h)) / 2h of the total loss at values[i], which is restored after. */
async function centralDifference<B>(model: TrainableModel<B>, batch: B, values: Float32Array, i: number, h: number): Promise<number> {
  const keep = values[i]!;
  values[i] = keep + h;
  model.zeroGrad();
  const up = (await model.trainStep(batch, ctx(0))).loss;
  values[i] = keep - h;
  model.zeroGrad();
  const down = (await model.trainStep(batch, ctx(0))).loss;
  values[i] = keep;
  return (up - down) / (2 * h);
}

/**
 * Compares the analytic gradient of the total loss with (L(p+h) − L(p−h)) / 2h for the three
 * largest-gradient entries of each group; returns the base step's result.
 */
export async function checkGradients<B>(model: TrainableModel<B>, batch: B, h = 5e-3): Promise<StepResult> {
  const groups = model.paramGroups();
  model.zeroGrad();
  const base = await model.trainStep(batch, ctx(0));
  const analytic = groups.map((g) => g.grads.slice());
  for (const [gi, g] of groups.entries()) {
    const idx = Array.from(analytic[gi]!.keys()).sort((a, b) => Math.abs(analytic[gi]![b]!) - Math.abs(analytic[gi]![a]!)).slice(0, 3);
    assert.ok(Math.abs(analytic[gi]![idx[0]!]!) > 0, `${g.name}: no gradient at all`);
    for (const i of idx) {
      const numeric = await centralDifference(model, batch, g.params, i, h);
      const a = analytic[gi]![i]!;
      assert.ok(Math.abs(a - numeric) <= 2e-2 + 5e-2 * Math.abs(numeric), `${g.name}[${i}]: analytic ${a}, numeric ${numeric}`);
    }
  }
  return base;
}

/**
 * (L(p+h) − L(p−h)) / 2h against the analytic gradient at the given entries of one parameter
 * table (`values` and `grads` views of it), within 1e-3 + 2 % of the numeric value.
 */
export async function checkEntries<B>(model: TrainableModel<B>, batch: B, values: Float32Array, grads: Float32Array, indices: readonly number[], label: string, h = 1e-2): Promise<void> {
  for (const i of indices) {
    const numeric = await centralDifference(model, batch, values, i, h);
    assert.ok(Math.abs(grads[i]! - numeric) <= 1e-3 + 2e-2 * Math.abs(numeric), `${label}[${i}]: ${grads[i]} vs ${numeric}`);
  }
}

/** `steps` AdamW updates on one batch; what each step reported before its update. */
export async function trainFewSteps<B>(model: TrainableModel<B>, batch: B, steps: number, lr = 3e-3): Promise<StepResult[]> {
  const groups = model.paramGroups();
  const m = groups.map((g) => new Float32Array(g.params.length));
  const v = groups.map((g) => new Float32Array(g.params.length));
  const results: StepResult[] = [];
  for (let step = 1; step <= steps; step++) {
    model.zeroGrad();
    results.push(await model.trainStep(batch, ctx(step)));
    for (const [gi, g] of groups.entries()) await adamwStep(g.params, g.grads, m[gi]!, v[gi]!, step, { lr });
  }
  return results;
}
