// The bag-of-words relation baseline: a softmax over the relation labels from the sentence's
// words, the head's and the tail's words and the words between them (data/word-features.ts).
import { pairFeatures, type Span } from '../data/word-features.js';
import { FeatureIndex } from './features.js';
import { SparseSoftmax, type SparseExample, type SparseTrainOptions } from './sparse-softmax.js';

export interface RelationInstance {
  tokens: readonly string[];
  head: Span;
  tail: Span;
  relation?: string;
}

export class BowRelationClassifier {
  readonly index = new FeatureIndex();
  readonly model: SparseSoftmax;
  private readonly examples: SparseExample[];

  /** Featurises the training instances (the feature set is theirs) over `labels`. */
  constructor(
    readonly labels: readonly string[],
    train: readonly RelationInstance[],
  ) {
    const labelId = new Map(labels.map((l, i) => [l, i]));
    this.examples = train.map((x) => {
      const label = labelId.get(x.relation ?? '');
      if (label === undefined) throw new RangeError(`unknown relation ${JSON.stringify(x.relation)} (expected one of ${labels.join(', ')})`);
      return { features: this.index.encode(pairFeatures(x.tokens, x.head, x.tail)), label };
    });
    this.index.freeze();
    this.model = new SparseSoftmax(this.index.size, labels.length);
  }

  trainEpoch(o: SparseTrainOptions): number {
    return this.model.trainEpoch(this.examples, o);
  }

  predict(x: RelationInstance): { relation: string; score: number } {
    const { label, score } = this.model.predict(this.index.encode(pairFeatures(x.tokens, x.head, x.tail)));
    return { relation: this.labels[label]!, score };
  }
}
