// The relation heads' classifier: for each candidate row, a few token states are
// gathered and concatenated (MRE: the [E1] and [E2] marker states; MJERE: the first and last
// word of the head and of the tail span), then a linear layer and a softmax over the relation
// labels, trained with cross-entropy.
import { crossEntropyBackward, crossEntropyForward } from '../kernels/cross-entropy.js';
import { embeddingBackward, embeddingForward } from '../kernels/elementwise.js';
import { Linear, linearSpecs } from '../nn/linear.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';
import { type WordFeatureIds, WordFeatureLayer } from './word-features.js';

export function relationClassifierSpecs(prefix: string, hidden: number, statesPerRow: number, numLabels: number): ParamSpec[] {
  return linearSpecs(`${prefix}classifier`, hidden * statesPerRow, numLabels);
}

/** Which states each row reads: `index` (rows · statesPerRow) flat into a (tokens, hidden) table. */
export interface RowIndex {
  rows: number;
  index: Int32Array;
  /** Rows of the states table (batch · seqLen). */
  tokens: number;
  /** Each row's hashed features, when the classifier has a word-feature layer. */
  features?: WordFeatureIds;
}

export interface ClassifierCache {
  rows: number;
  /** (rows, hidden · statesPerRow) */
  features: Float32Array;
  /** (rows, labels) */
  logits: Float32Array;
}

export class RelationClassifier {
  private readonly linear: Linear;
  /** The sparse word-feature layer (heads/word-features.ts), when the store has its table. */
  readonly wordFeatures: WordFeatureLayer | null;

  constructor(
    store: ParamStore,
    prefix: string,
    readonly hidden: number,
    readonly statesPerRow: number,
    readonly labels: readonly string[],
  ) {
    this.linear = new Linear(store, `${prefix}classifier`, hidden * statesPerRow, labels.length);
    this.wordFeatures = WordFeatureLayer.of(store, prefix, labels.length);
  }

  /** Gathers and concatenates each row's states, then scores the labels. */
  async forward(states: Float32Array, at: RowIndex): Promise<ClassifierCache> {
    if (at.index.length !== at.rows * this.statesPerRow) {
      throw new RangeError(`expected ${at.rows * this.statesPerRow} state indices (${at.rows} rows × ${this.statesPerRow}) but received ${at.index.length}`);
    }
    const features = await embeddingForward(at.index, states, at.tokens, this.hidden);
    const logits = await this.linear.forward(features, at.rows);
    if (this.wordFeatures) this.wordFeatures.addTo(logits, WordFeatureLayer.required(at.features));
    return { rows: at.rows, features, logits };
  }

  /**
   * Mean cross-entropy over the rows whose target is not −1 — weighted by `labelWeights[target]`
   * when given (Σ w·loss / Σ w: class balance) — accumulates the parameter gradients and dStates
   * (tokens, hidden). Returns 0 (and no gradient) when no row counts.
   */
  async lossAndBackward(cache: ClassifierCache, at: RowIndex, targets: Int32Array, dStates: Float32Array, labelWeights?: Float32Array | null): Promise<number> {
    const cols = this.labels.length;
    if (labelWeights && labelWeights.length !== cols) throw new RangeError(`expected ${cols} label weights but received ${labelWeights.length}`);
    const { loss, probs } = await crossEntropyForward(cache.logits, targets, cache.rows, cols);
    const w = Float32Array.from(targets, (t) => (t < 0 ? 0 : labelWeights ? labelWeights[t]! : 1));
    const total = w.reduce((s, x) => s + x, 0);
    if (!(total > 0)) return 0;
    const dlogits = await crossEntropyBackward({ dloss: w.map((x) => x / total), probs, targets, rows: cache.rows, cols });
    if (this.wordFeatures) this.wordFeatures.backward(dlogits, WordFeatureLayer.required(at.features));
    const dfeatures = await this.linear.backward(dlogits, cache.features, cache.rows);
    await embeddingBackward(at.index, dfeatures, at.tokens, this.hidden, dStates);
    return loss.reduce((s, x, r) => s + x * w[r]!, 0) / total;
  }

  /** The most probable label of each row and its probability, plus every row's probabilities. */
  async predict(cache: ClassifierCache): Promise<{ label: Int32Array; score: Float32Array; probs: Float32Array }> {
    const cols = this.labels.length;
    const { probs } = await crossEntropyForward(cache.logits, new Int32Array(cache.rows).fill(-1), cache.rows, cols);
    const label = new Int32Array(cache.rows);
    const score = new Float32Array(cache.rows);
    for (let r = 0; r < cache.rows; r++) {
      let best = 0;
      for (let c = 1; c < cols; c++) if (probs[r * cols + c]! > probs[r * cols + best]!) best = c;
      label[r] = best;
      score[r] = probs[r * cols + best]!;
    }
    return { label, score, probs };
  }
}
