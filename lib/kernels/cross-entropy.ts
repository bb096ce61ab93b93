// Softmax cross-entropy with integer targets (native/kernels/cross_entropy.h): the loss of the
// relation classifiers. A target of −1 ignores its row.
import { addon } from '../native/addon.js';
import { zeros } from './alloc.js';

export interface CrossEntropyState {
  /** (rows): −log softmax(logits)[target], 0 for ignored rows. */
  loss: Float32Array;
  /** (rows, cols): softmax(logits), kept for backward and for predictions. */
  probs: Float32Array;
}

export async function crossEntropyForward(logits: Float32Array, targets: Int32Array, rows: number, cols: number): Promise<CrossEntropyState> {
  const loss = zeros(rows);
  const probs = zeros(rows * cols);
  await addon().crossEntropyForward({ loss, probs, logits, targets, rows, cols });
  return { loss, probs };
}

/** Accumulates dlogits[r,:] += dloss[r]·(probs[r,:] − onehot(targets[r])). */
export async function crossEntropyBackward(o: {
  dloss: Float32Array;
  probs: Float32Array;
  targets: Int32Array;
  rows: number;
  cols: number;
  dlogits?: Float32Array;
}): Promise<Float32Array> {
  const dlogits = o.dlogits ?? zeros(o.rows * o.cols);
  await addon().crossEntropyBackward({ dlogits, dloss: o.dloss, probs: o.probs, targets: o.targets, rows: o.rows, cols: o.cols });
  return dlogits;
}
