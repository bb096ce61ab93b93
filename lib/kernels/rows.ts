import { addon } from '../native/addon.js';
import { zeros } from './alloc.js';

export interface SoftmaxForwardOptions {
  /** (rows, cols) */
  inp: Float32Array;
  rows: number;
  cols: number;
  /** (rows, cols); 0 masks an entry out. A fully masked row becomes zeros. */
  mask?: Uint8Array;
  /** Multiplies the logits first. Default 1. */
  scale?: number;
  out?: Float32Array;
}

/** Row-wise softmax(scale·inp) over unmasked entries. */
export async function softmaxForward(o: SoftmaxForwardOptions): Promise<Float32Array> {
  const out = o.out ?? zeros(o.rows * o.cols);
  await addon().softmaxForward({ ...o, out });
  return out;
}

/** Accumulates dinp += scale·out⊙(dout − Σ dout⊙out). */
export async function softmaxBackward(o: {
  dout: Float32Array;
  out: Float32Array;
  rows: number;
  cols: number;
  scale?: number;
  dinp?: Float32Array;
}): Promise<Float32Array> {
  const dinp = o.dinp ?? zeros(o.rows * o.cols);
  await addon().softmaxBackward({ ...o, dinp });
  return dinp;
}

export interface LayerNormForwardOptions {
  /** (n, c) */
  inp: Float32Array;
  /** (c) */
  weight: Float32Array;
  /** (c) */
  bias: Float32Array;
  n: number;
  c: number;
  /** Default 1e-5 (PyTorch's). BERT uses 1e-12. */
  eps?: number;
}

export interface LayerNormState {
  out: Float32Array;
  /** (n), kept for backward */
  mean: Float32Array;
  /** (n), kept for backward */
  rstd: Float32Array;
}

export async function layernormForward(o: LayerNormForwardOptions): Promise<LayerNormState> {
  const out = zeros(o.n * o.c);
  const mean = zeros(o.n);
  const rstd = zeros(o.n);
  await addon().layernormForward({ ...o, out, mean, rstd });
  return { out, mean, rstd };
}

/** Accumulates dinp, dweight, dbias (allocated, zeroed, when absent). */
export async function layernormBackward(o: {
  dout: Float32Array;
  inp: Float32Array;
  weight: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  n: number;
  c: number;
  dinp?: Float32Array;
  dweight?: Float32Array;
  dbias?: Float32Array;
}): Promise<{ dinp: Float32Array; dweight: Float32Array; dbias: Float32Array }> {
  const dinp = o.dinp ?? zeros(o.n * o.c);
  const dweight = o.dweight ?? zeros(o.c);
  const dbias = o.dbias ?? zeros(o.c);
  await addon().layernormBackward({ ...o, dinp, dweight, dbias });
  return { dinp, dweight, dbias };
}
