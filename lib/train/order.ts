// Seeded, reproducible sample order per epoch, for a model's trainBatches: the order of epoch e
// depends only on (seed, e), so a resumed run sees the same batches as an uninterrupted one and
// can start in the middle of an epoch without building the batches it skips.
import { TrainError } from './errors.js';

/** A permutation of 0..n−1 (Fisher–Yates), the same for the same (seed, epoch). */
export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  checkCount('n', n, 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const next = streamFor(seed, epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

export interface EpochBatchesOptions {
  seed: number;
  epoch: number;
  /** Shuffle the samples (else keep their order). Default true. */
  shuffle?: boolean;
  /** Drop a last, smaller batch. Default false. */
  dropLast?: boolean;
}

/** Number of batches of an epoch of n samples. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  checkCount('n', n, 0);
  checkCount('batchSize', batchSize, 1);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** The sample indices of each batch of one epoch, in order. */
export function epochBatches(n: number, batchSize: number, o: EpochBatchesOptions): Uint32Array[] {
  const count = batchCount(n, batchSize, o.dropLast);
  const order = o.shuffle === false ? Uint32Array.from({ length: n }, (_, i) => i) : epochPermutation(n, o.seed, o.epoch);
  const out: Uint32Array[] = [];
  for (let b = 0; b < count; b++) out.push(order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)));
  return out;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new TrainError(`Expected an integer ≥ ${min} for ${name} but received ${v}`, 'SHAPCA_TRAIN_OPTIONS');
  }
}

/** Uniform [0, 1) stream (splitmix32 over a hash of seed and epoch). */
function streamFor(seed: number, epoch: number): () => number {
  let state = mix((mix(seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix(state) / 4294967296;
  };
}

function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
