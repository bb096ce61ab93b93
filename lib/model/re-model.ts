// RelationModel for MRE (DESIGN §1.6): the shared backbone over the post with entity markers
// around head and tail, and a classifier over the concatenated [E1] and [E2] states.
import { RelationClassifier, relationClassifierSpecs, type RowIndex } from '../heads/relation-classifier.js';
import type { Precision } from '../precision.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ParamGroup, StepContext, StepResult, TrainableModel } from '../train/types.js';
import { ShapCABackbone, type ShapCAParts } from './backbone.js';
import { relationLabels, type ShapCAConfig } from './config.js';
import { saveModel } from './io.js';
import { RELATION_MARKERS } from './markers.js';
import type { ParamStore } from './params.js';
import { encodeReBatch, type ReBatch, type ReExample } from './re-batch.js';

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

export class RelationModel implements TrainableModel<ReBatch> {
  readonly backbone: ShapCABackbone;
  readonly store: ParamStore;
  readonly classifier: RelationClassifier;
  readonly labelIndex: Map<string, number>;
  readonly noneLabel: string;

  constructor(
    readonly config: ShapCAConfig,
    readonly parts: ShapCAParts,
  ) {
    if (config.task !== 're') throw new RangeError(`RelationModel is the RE model but the config's task is ${config.task}`);
    const { relations, none } = relationLabels(config);
    for (const m of RELATION_MARKERS) {
      const id = parts.tokenizer.tokenToId(m);
      if (id === undefined || id >= parts.text.config.vocab_size) {
        throw new RangeError(`the tokenizer must have the marker ${m} as an added token within the text encoder's vocabulary (${parts.text.config.vocab_size})`);
      }
    }
    const hidden = parts.text.hiddenSize;
    this.backbone = new ShapCABackbone(config.options, parts, relationClassifierSpecs('relation.', hidden, 2, relations.length));
    this.store = this.backbone.store;
    this.classifier = new RelationClassifier(this.store, 'relation.', hidden, 2, relations);
    this.labelIndex = new Map(relations.map((r, i) => [r, i]));
    this.noneLabel = relations[none]!;
  }

  get tokenizer(): WordPieceTokenizer {
    return this.parts.tokenizer;
  }

  /** Turns examples into one batch (markers, tokenisation, labels, images). */
  encode(examples: ReExample[]): ReBatch {
    return encodeReBatch(this.parts.tokenizer, examples, { ...this.backbone.inputOptions(this.config.imageSize), labelIndex: this.labelIndex });
  }

  paramGroups(): ParamGroup[] {
    return this.backbone.paramGroups();
  }

  zeroGrad(): void {
    this.backbone.zeroGrad();
  }

  private rows(b: ReBatch): RowIndex {
    return { rows: b.batch, index: b.markerIndex, tokens: b.batch * b.seqLen };
  }

  async trainStep(b: ReBatch, ctx: StepContext): Promise<StepResult> {
    if (!b.labels) throw new TypeError('trainStep needs a batch with relations');
    const labels = b.labels;
    return this.backbone.trainStep(b, ctx, async (f) => {
      const at = this.rows(b);
      const cache = await this.classifier.forward(f.fused, at);
      const dFused = new Float32Array(b.batch * b.seqLen * this.backbone.hidden);
      const loss = await this.classifier.lossAndBackward(cache, at, labels, dFused);
      return { loss, parts: { relation: loss }, dFused };
    });
  }

  /** Writes the model (see io.ts for the layout). */
  save(dir: string): Promise<void> {
    return saveModel(this, dir);
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
