// The linear tagger baseline: each word's BIO tag chosen independently by a softmax over sparse
// word / shape / affix / ±2-window features (data/word-features.ts). No neural network, no transitions.
import { tokenFeatures } from '../data/word-features.js';
import { FeatureIndex } from './features.js';
import { SparseSoftmax, type SparseExample, type SparseTrainOptions } from './sparse-softmax.js';

export interface TaggedSentence {
  tokens: readonly string[];
  tags?: readonly string[];
}

export class LinearTagger {
  readonly index = new FeatureIndex();
  readonly model: SparseSoftmax;
  private readonly tagId: Map<string, number>;
  private readonly examples: SparseExample[];

  /** Featurises the training sentences (the feature set is theirs) over the tag list `tags`. */
  constructor(
    readonly tags: readonly string[],
    train: readonly TaggedSentence[],
  ) {
    this.tagId = new Map(tags.map((t, i) => [t, i]));
    this.examples = [];
    for (const s of train) {
      if (!s.tags || s.tags.length !== s.tokens.length) throw new RangeError('expected one gold tag per token in every training sentence');
      s.tokens.forEach((_, i) => {
        const label = this.tagId.get(s.tags![i]!);
        if (label === undefined) throw new RangeError(`unknown tag ${JSON.stringify(s.tags![i])} (expected one of ${tags.join(', ')})`);
        this.examples.push({ features: this.index.encode(tokenFeatures(s.tokens, i)), label });
      });
    }
    this.index.freeze();
    this.model = new SparseSoftmax(this.index.size, tags.length);
  }

  /** One epoch over the training words; the mean loss. */
  trainEpoch(o: SparseTrainOptions): number {
    return this.model.trainEpoch(this.examples, o);
  }

  /** The most probable tag of every word. */
  predict(tokens: readonly string[]): string[] {
    return tokens.map((_, i) => this.tags[this.model.predict(this.index.encode(tokenFeatures(tokens, i))).label]!);
  }
}
