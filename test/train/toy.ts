// A toy TrainableModel for the trainer tests: a two-layer regression MLP on the native kernels,
//   h = gelu(x·W1ᵀ + b1)   (the "pretrained" encoder group, b1 without decay)
//   y = h·W2ᵀ + b2         (the new "head" group, b2 without decay)
// trained with mean squared error against a fixed random teacher. Small enough that a whole run
// takes milliseconds, real enough that its loss falls and checkpoints round-trip.
import { join } from 'node:path';

// Direct imports (not lib/index.js): the SIGKILL test's child process starts faster.
import * as kernels from '../../lib/kernels/index.js';
import * as train from '../../lib/train/index.js';
import { SafetensorsFile, writeSafetensors } from '../../lib/checkpoint/safetensors.js';
import { randomArray } from '../helpers.js';

export const IN = 6, HID = 8, OUT = 2;
export const N_TRAIN = 48, N_EVAL = 32, BATCH = 8;

interface Data {
  x: Float32Array;  // (n, IN)
  y: Float32Array;  // (n, OUT)
  n: number;
}

/** Teacher targets: a fixed random linear map plus a product term, so the MLP has something to fit. */
function makeData(n: number, seed: number): Data {
  const x = randomArray(n * IN, seed, 1);
  const w = randomArray(OUT * IN, 999, 1);
  const y = new Float32Array(n * OUT);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < OUT; o++) {
      let acc = 0;
      for (let c = 0; c < IN; c++) acc += (w[o * IN + c] as number) * (x[i * IN + c] as number);
      y[i * OUT + o] = acc + 0.5 * (x[i * IN] as number) * (x[i * IN + 1] as number);
    }
  }
  return { x, y, n };
}

export const DATA = { train: makeData(N_TRAIN, 1), dev: makeData(N_EVAL, 2), test: makeData(N_EVAL, 3) };

export class ToyModel implements train.TrainableModel<Uint32Array> {
  readonly enc = { params: new Float32Array(HID * IN + HID), grads: new Float32Array(HID * IN + HID) };
  readonly head = { params: new Float32Array(OUT * HID + OUT), grads: new Float32Array(OUT * HID + OUT) };
  /** Every evaluation: the split and a copy of the weights it saw. */
  readonly evaluations: Array<{ split: 'dev' | 'test'; enc: Float32Array; head: Float32Array }> = [];
  readonly reloads: string[] = [];
  /** Dev scores to report per dev evaluation instead of −MSE (to script the selection). */
  scriptedDev: number[] | null = null;

  constructor(seed: number) {
    this.enc.params.set(randomArray(this.enc.params.length, seed, 0.5));
    this.head.params.set(randomArray(this.head.params.length, seed + 1, 0.5));
  }

  paramGroups(): train.ParamGroup[] {
    return [
      { name: 'encoder', ...this.enc, pretrained: true, noDecay: [[HID * IN, HID]] },
      { name: 'head', ...this.head, pretrained: false, noDecay: [[OUT * HID, OUT]] },
    ];
  }

  zeroGrad(): void {
    this.enc.grads.fill(0);
    this.head.grads.fill(0);
  }

  private async forward(x: Float32Array, bt: number) {
    const w1 = this.enc.params.subarray(0, HID * IN), b1 = this.enc.params.subarray(HID * IN);
    const w2 = this.head.params.subarray(0, OUT * HID), b2 = this.head.params.subarray(OUT * HID);
    const pre = await kernels.matmulForward({ inp: x, weight: w1, bias: b1, bt, c: IN, oc: HID });
    const h = await kernels.geluForward(pre);
    const out = await kernels.matmulForward({ inp: h, weight: w2, bias: b2, bt, c: HID, oc: OUT });
    return { pre, h, out, w1, w2 };
  }

  private gather(d: Data, idx: Uint32Array) {
    const x = new Float32Array(idx.length * IN), y = new Float32Array(idx.length * OUT);
    idx.forEach((s, i) => {
      x.set(d.x.subarray(s * IN, (s + 1) * IN), i * IN);
      y.set(d.y.subarray(s * OUT, (s + 1) * OUT), i * OUT);
    });
    return { x, y };
  }

  async trainStep(idx: Uint32Array): Promise<train.StepResult> {
    const bt = idx.length;
    const { x, y } = this.gather(DATA.train, idx);
    const f = await this.forward(x, bt);
    const dout = new Float32Array(bt * OUT);
    let mse = 0, mae = 0;
    for (let i = 0; i < dout.length; i++) {
      const e = (f.out[i] as number) - (y[i] as number);
      mse += e * e;
      mae += Math.abs(e);
      dout[i] = (2 * e) / dout.length;
    }
    mse /= dout.length;
    const g2 = await kernels.matmulBackward({
      dout, inp: f.h, weight: f.w2, bt, c: HID, oc: OUT,
      dweight: this.head.grads.subarray(0, OUT * HID), dbias: this.head.grads.subarray(OUT * HID),
    });
    const dpre = await kernels.geluBackward(f.pre, g2.dinp);
    await kernels.matmulBackward({
      dout: dpre, inp: x, weight: f.w1, bt, c: IN, oc: HID,
      dweight: this.enc.grads.subarray(0, HID * IN), dbias: this.enc.grads.subarray(HID * IN),
    });
    return { loss: mse, parts: { mse, mae: mae / dout.length }, samples: bt };
  }

  /** Mean squared error on a whole split. */
  async mse(d: Data): Promise<number> {
    const f = await this.forward(d.x, d.n);
    let s = 0;
    for (let i = 0; i < f.out.length; i++) s += ((f.out[i] as number) - (d.y[i] as number)) ** 2;
    return s / f.out.length;
  }

  async evaluate(split: 'dev' | 'test'): Promise<train.EvalResult> {
    this.evaluations.push({ split, enc: this.enc.params.slice(), head: this.head.params.slice() });
    const mse = await this.mse(DATA[split]);
    const devIndex = this.evaluations.filter((e) => e.split === 'dev').length - 1;
    const scripted = split === 'dev' ? this.scriptedDev?.[devIndex] : undefined;
    return { score: scripted ?? -mse, metrics: { mse } };
  }

  async save(dir: string): Promise<void> {
    await writeSafetensors(join(dir, 'model.safetensors'), [
      { name: 'encoder', shape: [this.enc.params.length], data: this.enc.params },
      { name: 'head', shape: [this.head.params.length], data: this.head.params },
    ]);
  }

  async reload(dir: string): Promise<void> {
    this.reloads.push(dir);
    const f = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    try {
      await f.read('encoder', this.enc.params);
      await f.read('head', this.head.params);
    } finally {
      await f.close();
    }
  }
}

/** Options for a toy run in outDir (progress off; overrides on top). */
export function toyOptions(model: ToyModel, outDir: string, over: Partial<train.TrainOptions<Uint32Array>> = {}): train.TrainOptions<Uint32Array> {
  return {
    trainBatches: ({ epoch, start, seed }) => train.epochBatches(N_TRAIN, BATCH, { seed, epoch }).slice(start),
    batchesPerEpoch: train.batchCount(N_TRAIN, BATCH),
    epochs: 4,
    evaluate: (split) => model.evaluate(split),
    reload: (dir) => model.reload(dir),
    encoderLr: 0.03,
    headLr: 0.1,
    warmup: 0.1,
    seed: 7,
    outDir,
    progress: false,
    ...over,
  };
}
