// The MNER head (docs/ARCHITECTURE.md, "Task heads"): linear emissions on each word's first sub-token + a CRF, trained
// by negative log-likelihood and decoded by Viterbi under BIO constraints.
import { embeddingBackward, embeddingForward } from '../kernels/elementwise.js';
import { crfBackward, crfForward, crfMarginals, crfViterbi, type CrfConstraints, type CrfParameters } from '../kernels/crf.js';
import { Linear, linearSpecs } from '../nn/linear.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';
import { bioConstraints } from './bio.js';
import { type WordFeatureIds, WordFeatureLayer } from './word-features.js';

export function crfTaggerSpecs(prefix: string, hidden: number, numTags: number): ParamSpec[] {
  return [
    ...linearSpecs(`${prefix}emissions`, hidden, numTags),
    { name: `${prefix}crf.transitions`, shape: [numTags, numTags], init: 'zeros', decay: false },
    { name: `${prefix}crf.start`, shape: [numTags], init: 'zeros' },
    { name: `${prefix}crf.end`, shape: [numTags], init: 'zeros' },
  ];
}

/** Where the words are: flat token indices into the (batch · seqLen, hidden) states. */
export interface WordPositions {
  batch: number;
  maxWords: number;
  /** (batch) */
  numWords: Int32Array;
  /** (batch · maxWords) */
  wordIndex: Int32Array;
  /** rows of the states table: batch · seqLen */
  tokens: number;
  /** Each word slot's hashed features, when the tagger has a word-feature layer. */
  features?: WordFeatureIds;
}

export interface TaggerCache {
  words: Float32Array;
  emissions: Float32Array;
}

export class CrfTagger {
  private readonly emit: Linear;
  private readonly constraints: Required<CrfConstraints>;
  /** The sparse word-feature layer (heads/word-features.ts), when the store has its table. */
  readonly wordFeatures: WordFeatureLayer | null;

  constructor(
    private readonly store: ParamStore,
    private readonly prefix: string,
    readonly hidden: number,
    readonly tags: readonly string[],
  ) {
    this.emit = new Linear(store, `${prefix}emissions`, hidden, tags.length);
    this.constraints = bioConstraints(tags);
    this.wordFeatures = WordFeatureLayer.of(store, prefix, tags.length);
  }

  private crf(): CrfParameters {
    return {
      transitions: this.store.get(`${this.prefix}crf.transitions`), start: this.store.get(`${this.prefix}crf.start`),
      end: this.store.get(`${this.prefix}crf.end`), numTags: this.tags.length,
    };
  }

  /** Emission scores (batch, maxWords, numTags) from the token states. */
  async emissions(states: Float32Array, pos: WordPositions): Promise<TaggerCache> {
    const words = await embeddingForward(pos.wordIndex, states, pos.tokens, this.hidden);
    const emissions = await this.emit.forward(words, pos.batch * pos.maxWords);
    if (this.wordFeatures) this.wordFeatures.addTo(emissions, WordFeatureLayer.required(pos.features));
    return { words, emissions };
  }

  /** Mean NLL over the batch; backward() needs the same cache and tags. */
  async loss(cache: TaggerCache, pos: WordPositions, tagIds: Int32Array): Promise<number> {
    const nll = await crfForward(this.crf(), this.batchOf(cache, pos), tagIds);
    return nll.reduce((s, x) => s + x, 0) / pos.batch;
  }

  /** Accumulates parameter gradients and dStates (batch · seqLen, hidden) for loss = mean NLL. */
  async backward(cache: TaggerCache, pos: WordPositions, tagIds: Int32Array, dStates: Float32Array): Promise<void> {
    const dnll = new Float32Array(pos.batch).fill(1 / pos.batch);
    const g = await crfBackward(this.crf(), this.batchOf(cache, pos), tagIds, dnll, {
      dtransitions: this.store.grad(`${this.prefix}crf.transitions`), dstart: this.store.grad(`${this.prefix}crf.start`),
      dend: this.store.grad(`${this.prefix}crf.end`),
    });
    if (this.wordFeatures) this.wordFeatures.backward(g.demissions, WordFeatureLayer.required(pos.features));
    const dwords = await this.emit.backward(g.demissions, cache.words, pos.batch * pos.maxWords);
    await embeddingBackward(pos.wordIndex, dwords, pos.tokens, this.hidden, dStates);
  }

  /** Best BIO tags per sample (numWords of them), decoded under BIO constraints. */
  async decode(cache: TaggerCache, pos: WordPositions): Promise<string[][]> {
    const { tags } = await crfViterbi(this.crf(), this.batchOf(cache, pos), this.constraints);
    return Array.from({ length: pos.batch }, (_, b) =>
      Array.from({ length: pos.numWords[b]! }, (_, w) => this.tags[tags[b * pos.maxWords + w]!]!),
    );
  }

  /**
   * Tag posteriors P(tag of word w = j) per sample (numWords × numTags), over the paths the BIO
   * constraints allow: the distribution decode() takes its best path from.
   */
  async posteriors(cache: TaggerCache, pos: WordPositions): Promise<Float32Array[]> {
    const m = await crfMarginals(this.crf(), this.batchOf(cache, pos), this.constraints);
    const L = this.tags.length;
    return Array.from({ length: pos.batch }, (_, b) => m.slice(b * pos.maxWords * L, (b * pos.maxWords + pos.numWords[b]!) * L));
  }

  private batchOf(cache: TaggerCache, pos: WordPositions) {
    return { emissions: cache.emissions, lengths: pos.numWords, batch: pos.batch, maxLen: pos.maxWords };
  }
}
