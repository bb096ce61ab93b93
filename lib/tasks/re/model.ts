// RelationModel for MRE: the shared backbone over the post with entity markers
// around head and tail, and a classifier over the concatenated [E1] and [E2] states.
import { pairFeatureIds, wordFeatureSpecs } from '../../heads/word-features.js';
import { RelationClassifier, relationClassifierSpecs, type RowIndex } from '../../heads/relation-classifier.js';
import type { ShapCAParts } from '../../model/backbone.js';
import { relationLabels, type ShapCAConfig } from '../../model/config.js';
import { type ModelSpec, relationLabelFields } from '../../model/io.js';
import { TaskModelBase } from '../../model/task-model.js';
import type { Precision } from '../../precision.js';
import type { StepContext, StepResult, TrainableModel } from '../../train/types.js';
import { encodeReBatch, type ReBatch, type ReExample } from './batch.js';
import { RELATION_MARKERS } from './markers.js';

/** What predict() returns per sample. */
export interface RePrediction {
  id: string;
  /** The most probable label (possibly the none label). */
  relation: string;
  /** Its probability. */
  score: number;
  /** Mean fusion gate over the sample's tokens and channels (0 without an image or fusion). */
  gate: number;
  /** With `{ probabilities: true }`: the probability of every label, in `classifier.labels` order. */
  probs?: Float32Array;
}

export class RelationModel extends TaskModelBase implements TrainableModel<ReBatch> {
  readonly classifier: RelationClassifier;
  readonly labelIndex: Map<string, number>;
  readonly noneLabel: string;
  /** Loss weight per label (config.relationWeights), or null. */
  private readonly labelWeights: Float32Array | null;

  constructor(config: ShapCAConfig, parts: ShapCAParts) {
    if (config.task !== 're') throw new RangeError(`RelationModel is the RE model but the config's task is ${config.task}`);
    const { relations, none } = relationLabels(config);
    for (const m of RELATION_MARKERS) {
      const id = parts.tokenizer.tokenToId(m);
      if (id === undefined || id >= parts.text.config.vocab_size) {
        throw new RangeError(`the tokenizer must have the marker ${m} as an added token within the text encoder's vocabulary (${parts.text.config.vocab_size})`);
      }
    }
    const hidden = parts.text.hiddenSize;
    super(config, parts, [
      ...relationClassifierSpecs('relation.', hidden, 2, relations.length),
      ...(config.options.wordFeatures ? wordFeatureSpecs('relation.', relations.length) : []),
    ]);
    this.classifier = new RelationClassifier(this.store, 'relation.', hidden, 2, relations);
    this.labelIndex = new Map(relations.map((r, i) => [r, i]));
    this.noneLabel = relations[none]!;
    const w = config.relationWeights;
    if (w && (w.length !== relations.length || !w.every((x) => Number.isFinite(x) && x >= 0))) {
      throw new RangeError(`expected ${relations.length} finite, non-negative relation weights but the config has ${JSON.stringify(w)}`);
    }
    this.labelWeights = w ? Float32Array.from(w) : null;
  }

  /** Turns examples into one batch (markers, tokenisation, labels, images). */
  encode(examples: ReExample[]): ReBatch {
    const b = encodeReBatch(this.parts.tokenizer, examples, { ...this.backbone.inputOptions(this.config.imageSize), labelIndex: this.labelIndex });
    if (this.classifier.wordFeatures) b.pairFeatures = pairFeatureIds(examples);
    return b;
  }

  private rows(b: ReBatch): RowIndex {
    return { rows: b.batch, index: b.markerIndex, tokens: b.batch * b.seqLen, ...(b.pairFeatures ? { features: b.pairFeatures } : {}) };
  }

  async trainStep(b: ReBatch, ctx: StepContext): Promise<StepResult> {
    if (!b.labels) throw new TypeError('trainStep needs a batch with relations');
    const labels = b.labels;
    return this.backbone.trainStep(b, ctx, async (f) => {
      const at = this.rows(b);
      const cache = await this.classifier.forward(f.fused, at);
      const dFused = new Float32Array(b.batch * b.seqLen * this.backbone.hidden);
      const loss = await this.classifier.lossAndBackward(cache, at, labels, dFused, this.labelWeights);
      return { loss, parts: { relation: loss }, dFused };
    });
  }

  /** The relation of each example's pair (no gradients kept); every label's probability on request. */
  /** `precision`: the encoders' inference precision (default: `backbone.precision`, 'fp32'). */
  async predict(b: ReBatch, o: { probabilities?: boolean; precision?: Precision } = {}): Promise<RePrediction[]> {
    const f = await this.backbone.forward(b, false, o.precision);
    const { label, score, probs } = await this.classifier.predict(await this.classifier.forward(f.fused, this.rows(b)));
    const cols = this.classifier.labels.length;
    return b.examples.map((ex, i) => ({
      id: ex.id, relation: this.classifier.labels[label[i]!]!, score: score[i]!, gate: this.backbone.meanGate(f, b, i),
      ...(o.probabilities ? { probs: probs.slice(i * cols, (i + 1) * cols) } : {}),
    }));
  }
}

/** How io makes a relation model: the tokenizer gains the entity markers first. */
export const reModelSpec: ModelSpec<RelationModel> = {
  task: 're',
  addedTokens: RELATION_MARKERS,
  labels: (l) => ({ entityTypes: [], tags: [], ...relationLabelFields(l), ...(l.relationWeights ? { relationWeights: l.relationWeights } : {}) }),
  create: (config, parts) => new RelationModel(config, parts),
};
