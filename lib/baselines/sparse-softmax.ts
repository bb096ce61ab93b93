// A multinomial logistic regression over sparse binary features: score(l) = Σ_f W[f, l] over the
// example's active features, softmax over the labels, cross-entropy trained by AdaGrad, one
// example at a time in a seeded order. It is the model of both linear baselines; plain loops are
// fine here, the examples have a few dozen active features.
import { epochPermutation } from '../train/order.js';

export interface SparseExample {
  /** Active feature ids (each once). */
  features: Int32Array;
  /** Gold label id. */
  label: number;
  /** Loss weight. Default 1. */
  weight?: number;
}

export interface SparseTrainOptions {
  /** AdaGrad step size. Default 0.05. */
  lr?: number;
  /** L2 penalty on the weights an example touches. Default 1e-6. */
  l2?: number;
  seed: number;
  epoch: number;
}

export class SparseSoftmax {
  /** (numFeatures, numLabels) row-major. */
  readonly weights: Float32Array;
  /** AdaGrad's running sum of squared gradients, same layout. */
  private readonly sumSq: Float32Array;

  constructor(
    readonly numFeatures: number,
    readonly numLabels: number,
    weights?: Float32Array,
  ) {
    if (!Number.isSafeInteger(numFeatures * numLabels) || numLabels < 2) {
      throw new RangeError(`expected at least 2 labels and a finite size but received ${numFeatures} features × ${numLabels} labels`);
    }
    if (weights && weights.length !== numFeatures * numLabels) {
      throw new RangeError(`expected ${numFeatures * numLabels} weights but received ${weights.length}`);
    }
    this.weights = weights ?? new Float32Array(numFeatures * numLabels);
    this.sumSq = new Float32Array(numFeatures * numLabels);
  }

  /** Label probabilities of one example (into `out` when given). */
  probs(features: Int32Array, out = new Float64Array(this.numLabels)): Float64Array {
    const L = this.numLabels;
    out.fill(0);
    for (const f of features) {
      if (f < 0 || f >= this.numFeatures) continue;
      const row = f * L;
      for (let l = 0; l < L; l++) out[l]! += this.weights[row + l]!;
    }
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, out[l]!);
    let sum = 0;
    for (let l = 0; l < L; l++) sum += out[l] = Math.exp(out[l]! - max);
    for (let l = 0; l < L; l++) out[l]! /= sum;
    return out;
  }

  /** The most probable label and its probability. */
  predict(features: Int32Array): { label: number; score: number } {
    const p = this.probs(features);
    let best = 0;
    for (let l = 1; l < this.numLabels; l++) if (p[l]! > p[best]!) best = l;
    return { label: best, score: p[best]! };
  }

  /** One pass over the examples in the (seed, epoch) order; returns the mean weighted loss. */
  trainEpoch(examples: readonly SparseExample[], o: SparseTrainOptions): number {
    const lr = o.lr ?? 0.05;
    const l2 = o.l2 ?? 1e-6;
    const L = this.numLabels;
    const p = new Float64Array(L);
    let loss = 0;
    let weights = 0;
    for (const i of epochPermutation(examples.length, o.seed, o.epoch)) {
      const ex = examples[i]!;
      const w = ex.weight ?? 1;
      this.probs(ex.features, p);
      loss -= w * Math.log(Math.max(p[ex.label]!, 1e-12));
      weights += w;
      for (const f of ex.features) {
        if (f < 0 || f >= this.numFeatures) continue;
        const row = f * L;
        for (let l = 0; l < L; l++) {
          const g = w * (p[l]! - (l === ex.label ? 1 : 0)) + l2 * this.weights[row + l]!;
          if (g === 0) continue;
          this.sumSq[row + l]! += g * g;
          this.weights[row + l]! -= (lr * g) / Math.sqrt(this.sumSq[row + l]!);
        }
      }
    }
    return weights > 0 ? loss / weights : 0;
  }
}
