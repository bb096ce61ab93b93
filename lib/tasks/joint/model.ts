// JointModel for MJERE: the shared backbone, a CRF tagger for the entities, and a
// relation classifier over ordered entity pairs (span start/end states of head and tail) —
// gold pairs with sampled negatives in training, pairs of predicted entities at inference.
import { bioSpans, bioTags } from '../../data/bio.js';
import { CrfTagger, crfTaggerSpecs } from '../../heads/crf-tagger.js';
import { RelationClassifier, relationClassifierSpecs, type RowIndex } from '../../heads/relation-classifier.js';
import { pairFeatureIds, wordFeatureIds, wordFeatureSpecs } from '../../heads/word-features.js';
import type { Span } from '../../data/word-features.js';
import type { ShapCAParts } from '../../model/backbone.js';
import { DEFAULT_PAIR_OPTIONS, type PairOptions, relationLabels, type ShapCAConfig } from '../../model/config.js';
import { entityLabels, type ModelSpec, pairFields, relationLabelFields } from '../../model/io.js';
import { TaskModelBase } from '../../model/task-model.js';
import type { Precision } from '../../precision.js';
import type { StepContext, StepResult, TrainableModel } from '../../train/types.js';
import { wordPositions } from '../ner/model.js';
import {
  allPairs, encodeJointBatch, givenPairRows, type JointBatch, type JointEntity, type JointExample, type JointTriple, type PairRows, type SpanPair,
  trainingPairs,
} from './batch.js';

/** A predicted triple with the classifier's probability of its relation. */
export interface ScoredTriple extends JointTriple {
  score: number;
}

/** What predict() returns per sample. */
export interface JointPrediction {
  id: string;
  /** One BIO tag per input token (tokens cut by truncation are 'O'). */
  tags: string[];
  entities: JointEntity[];
  triples: ScoredTriple[];
  /** Mean fusion gate over the sample's tokens and channels (0 without an image or fusion). */
  gate: number;
  /** With `{ posteriors: true }`: P(tag of word w = j), (words kept, numTags) row-major. */
  posteriors?: Float32Array;
  /**
   * With `pairs`: for each pair asked for this sample, the probability of every relation label
   * (`classifier.labels` order); null for a pair whose spans truncation cut.
   */
  pairProbs?: (Float32Array | null)[];
}

export interface JointPredictOptions {
  /** Also return the CRF's tag posteriors (as NerModel.predict does). */
  posteriors?: boolean;
  /** The encoders' inference precision (default: `backbone.precision`, 'fp32'). */
  precision?: Precision;
  /** Per sample, ordered span pairs to score with the relation classifier, predicted or not. */
  pairs?: readonly (readonly SpanPair[])[];
}

export class JointModel extends TaskModelBase implements TrainableModel<JointBatch> {
  readonly tagger: CrfTagger;
  readonly classifier: RelationClassifier;
  readonly tagIndex: Map<string, number>;
  readonly labelIndex: Map<string, number>;
  readonly none: number;
  readonly pairOptions: PairOptions;

  constructor(config: ShapCAConfig, parts: ShapCAParts) {
    if (config.task !== 'joint') throw new RangeError(`JointModel is the joint model but the config's task is ${config.task}`);
    if (config.tags.join() !== bioTags(config.entityTypes).join()) {
      throw new RangeError(`config.tags must be bioTags(entityTypes): ${bioTags(config.entityTypes).join(' ')}`);
    }
    const { relations, none } = relationLabels(config);
    const hidden = parts.text.hiddenSize;
    const wordFeatures = config.options.wordFeatures ? [...wordFeatureSpecs('tagger.', config.tags.length), ...wordFeatureSpecs('pairs.', relations.length)] : [];
    super(config, parts, [...crfTaggerSpecs('tagger.', hidden, config.tags.length), ...relationClassifierSpecs('pairs.', hidden, 4, relations.length), ...wordFeatures]);
    this.tagger = new CrfTagger(this.store, 'tagger.', hidden, config.tags);
    this.classifier = new RelationClassifier(this.store, 'pairs.', hidden, 4, relations);
    this.tagIndex = new Map(config.tags.map((t, i) => [t, i]));
    this.labelIndex = new Map(relations.map((r, i) => [r, i]));
    this.none = none;
    this.pairOptions = { ...DEFAULT_PAIR_OPTIONS, ...config.pairs };
  }

  /** Turns examples into one batch (tokenisation, BIO tags of the gold entities, pairs, images). */
  encode(examples: JointExample[]): JointBatch {
    const b = encodeJointBatch(this.parts.tokenizer, examples, {
      ...this.backbone.inputOptions(this.config.imageSize), tagIndex: this.tagIndex, labelIndex: this.labelIndex,
    });
    if (this.tagger.wordFeatures) b.wordFeatures = wordFeatureIds(examples.map((ex) => ex.tokens), b.numWords, b.maxWords);
    return b;
  }

  /** The classifier's rows for span pairs of the batch's sentences (owner[r]: the sentence of row r), with their word features when it has them. */
  private rowIndex(b: JointBatch, rows: { rows: number; index: Int32Array; owner: Int32Array }, spans: (r: number) => { head: Span; tail: Span }): RowIndex {
    const at: RowIndex = { rows: rows.rows, index: rows.index, tokens: b.batch * b.seqLen };
    if (!this.classifier.wordFeatures) return at;
    return { ...at, features: pairFeatureIds(Array.from(rows.owner, (i, r) => ({ tokens: b.joint[i]!.tokens, ...spans(r) }))) };
  }

  /** rowIndex for pairs of entities (indices into entities[owner]). */
  private entityRows(b: JointBatch, entities: readonly JointEntity[][], pairs: PairRows): RowIndex {
    return this.rowIndex(b, pairs, (r) => ({ head: entities[pairs.owner[r]!]![pairs.pairs[r]!.head]!, tail: entities[pairs.owner[r]!]![pairs.pairs[r]!.tail]! }));
  }

  async trainStep(b: JointBatch, ctx: StepContext): Promise<StepResult> {
    if (!b.tagIds || !b.goldPairs) throw new TypeError('trainStep needs a batch with gold entities and triples');
    const tagIds = b.tagIds;
    const seed = (ctx.seed * 7919 + ctx.step * 104729 + 17) % 2 ** 32;
    const pairs = trainingPairs(b, this.none, this.pairOptions.negativeRatio, seed);
    return this.backbone.trainStep(b, ctx, async (f) => {
      const pos = wordPositions(b);
      const dFused = new Float32Array(b.batch * b.seqLen * this.backbone.hidden);
      const cache = await this.tagger.emissions(f.fused, pos);
      const crf = await this.tagger.loss(cache, pos, tagIds);
      await this.tagger.backward(cache, pos, tagIds, dFused);
      let relation = 0;
      if (pairs.rows > 0) {
        const at = this.entityRows(b, b.goldEntities!, pairs);
        relation = await this.classifier.lossAndBackward(await this.classifier.forward(f.fused, at), at, pairs.targets, dFused);
      }
      return { loss: crf + relation, parts: { crf, relation }, dFused };
    });
  }

  /**
   * Entities and triples for each example of the batch (no gradients kept); on request the tag
   * posteriors and the label probabilities of given span pairs, from the same forward pass.
   */
  async predict(b: JointBatch, o: JointPredictOptions = {}): Promise<JointPrediction[]> {
    const f = await this.backbone.forward(b, false, o.precision);
    const pos = wordPositions(b);
    const cache = await this.tagger.emissions(f.fused, pos);
    const tags = await this.tagger.decode(cache, pos);
    const posteriors = o.posteriors ? await this.tagger.posteriors(cache, pos) : null;
    const entities = tags.map((t) => bioSpans(t).slice(0, this.pairOptions.maxEntities));
    const pairs = allPairs(b, entities);
    const triples: ScoredTriple[][] = entities.map(() => []);
    if (pairs.rows > 0) {
      const at = this.entityRows(b, entities, pairs);
      const { label, score } = await this.classifier.predict(await this.classifier.forward(f.fused, at));
      pairs.pairs.forEach((p, r) => {
        if (label[r] === this.none) return;
        const i = pairs.owner[r]!;
        triples[i]!.push({ head: entities[i]![p.head]!, tail: entities[i]![p.tail]!, relation: this.classifier.labels[label[r]!]!, score: score[r]! });
      });
    }
    const asked = o.pairs ? await this.pairProbabilities(f.fused, b, o.pairs) : null;
    return b.joint.map((ex, i) => ({
      id: ex.id, tags: ex.tokens.map((_, w) => tags[i]![w] ?? 'O'), entities: entities[i]!, triples: triples[i]!,
      gate: this.backbone.meanGate(f, b, i),
      ...(posteriors ? { posteriors: posteriors[i]! } : {}), ...(asked ? { pairProbs: asked[i]! } : {}),
    }));
  }

  /** Label probabilities of given span pairs, per sample (null where truncation cut a span). */
  private async pairProbabilities(fused: Float32Array, b: JointBatch, pairs: readonly (readonly SpanPair[])[]): Promise<(Float32Array | null)[][]> {
    if (pairs.length !== b.batch) throw new RangeError(`expected pairs for each of the ${b.batch} samples but received ${pairs.length} lists`);
    const out = pairs.map((list) => list.map((): Float32Array | null => null));
    const rows = givenPairRows(b, pairs);
    if (rows.rows === 0) return out;
    const cols = this.classifier.labels.length;
    const at = this.rowIndex(b, rows, (r) => pairs[rows.owner[r]!]![rows.slot[r]!]!);
    const { probs } = await this.classifier.predict(await this.classifier.forward(fused, at));
    for (let r = 0; r < rows.rows; r++) out[rows.owner[r]!]![rows.slot[r]!] = probs.slice(r * cols, (r + 1) * cols);
    return out;
  }
}

/** How io makes a joint model. */
export const jointModelSpec: ModelSpec<JointModel> = {
  task: 'joint',
  addedTokens: [],
  labels: (l) => ({ ...entityLabels('joint', l), ...relationLabelFields(l), ...pairFields(l) }),
  create: (config, parts) => new JointModel(config, parts),
};
