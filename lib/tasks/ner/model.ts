// NerModel for MNER: the shared backbone (BERT over [CLS] text [SEP] context [SEP], an optional
// image encoder, adaptive fusion, the Shapley contrastive alignment — model/backbone.ts) with a
// CRF tagger on the words.
import { bioTags } from '../../data/bio.js';
import { CrfTagger, crfTaggerSpecs, type WordPositions } from '../../heads/crf-tagger.js';
import { wordFeatureIds, wordFeatureSpecs } from '../../heads/word-features.js';
import type { AlignmentHead } from '../../model/alignment.js';
import type { ShapCAParts } from '../../model/backbone.js';
import type { ShapCAConfig } from '../../model/config.js';
import type { FusionLayer } from '../../model/fusion.js';
import { entityLabels, type ModelSpec } from '../../model/io.js';
import { TaskModelBase } from '../../model/task-model.js';
import type { Precision } from '../../precision.js';
import type { StepContext, StepResult, TrainableModel } from '../../train/types.js';
import { encodeNerBatch, type NerBatch, type NerExample } from './batch.js';

export type { ShapCAParts } from '../../model/backbone.js';

/** What predict() returns per sample. */
export interface NerPrediction {
  id: string;
  /** One BIO tag per input token (tokens cut by truncation are 'O'). */
  tags: string[];
  /** Mean fusion gate over the sample's tokens and channels (0 without an image or fusion). */
  gate: number;
  /** With `{ posteriors: true }`: P(tag of word w = j), (words kept, numTags) row-major. */
  posteriors?: Float32Array;
}

/** Where the words are in a batch, as the CRF tagger reads them. */
export function wordPositions(b: NerBatch): WordPositions {
  return {
    batch: b.batch, maxWords: b.maxWords, numWords: b.numWords, wordIndex: b.wordIndex, tokens: b.batch * b.seqLen,
    ...(b.wordFeatures ? { features: b.wordFeatures } : {}),
  };
}

export class NerModel extends TaskModelBase implements TrainableModel<NerBatch> {
  readonly tagger: CrfTagger;
  readonly fusion: FusionLayer | null;
  readonly alignment: AlignmentHead | null;
  readonly tagIndex: Map<string, number>;

  constructor(config: ShapCAConfig, parts: ShapCAParts) {
    if (config.task !== 'ner') throw new RangeError(`NerModel is the NER model but the config's task is ${config.task}`);
    const hidden = parts.text.hiddenSize;
    if (config.tags.join() !== bioTags(config.entityTypes).join()) {
      throw new RangeError(`config.tags must be bioTags(entityTypes): ${bioTags(config.entityTypes).join(' ')}`);
    }
    super(config, parts, [
      ...crfTaggerSpecs('tagger.', hidden, config.tags.length),
      ...(config.options.wordFeatures ? wordFeatureSpecs('tagger.', config.tags.length) : []),
    ]);
    this.fusion = this.backbone.fusion;
    this.alignment = this.backbone.alignment;
    this.tagger = new CrfTagger(this.store, 'tagger.', hidden, config.tags);
    this.tagIndex = new Map(config.tags.map((t, i) => [t, i]));
  }

  /** Turns examples into one batch (tokenisation, spans, tags, images). */
  encode(examples: NerExample[]): NerBatch {
    const b = encodeNerBatch(this.parts.tokenizer, examples, { ...this.backbone.inputOptions(this.config.imageSize), tagIndex: this.tagIndex });
    if (this.tagger.wordFeatures) b.wordFeatures = wordFeatureIds(examples.map((ex) => ex.tokens), b.numWords, b.maxWords);
    return b;
  }

  async trainStep(b: NerBatch, ctx: StepContext): Promise<StepResult> {
    if (!b.tagIds) throw new TypeError('trainStep needs a batch with tags');
    const tagIds = b.tagIds;
    return this.backbone.trainStep(b, ctx, async (f) => {
      const pos = wordPositions(b);
      const cache = await this.tagger.emissions(f.fused, pos);
      const loss = await this.tagger.loss(cache, pos, tagIds);
      const dFused = new Float32Array(b.batch * b.seqLen * this.backbone.hidden);
      await this.tagger.backward(cache, pos, tagIds, dFused);
      return { loss, parts: { crf: loss }, dFused };
    });
  }

  /** Tags for each example of the batch (no gradients kept); the CRF's tag posteriors on request. */
  /** `precision`: the encoders' inference precision (default: `backbone.precision`, 'fp32'). */
  async predict(b: NerBatch, o: { posteriors?: boolean; precision?: Precision } = {}): Promise<NerPrediction[]> {
    const f = await this.backbone.forward(b, false, o.precision);
    const pos = wordPositions(b);
    const cache = await this.tagger.emissions(f.fused, pos);
    const tags = await this.tagger.decode(cache, pos);
    const posteriors = o.posteriors ? await this.tagger.posteriors(cache, pos) : null;
    return b.examples.map((ex, i) => ({
      id: ex.id, tags: ex.tokens.map((_, w) => tags[i]![w] ?? 'O'), gate: this.backbone.meanGate(f, b, i),
      ...(posteriors ? { posteriors: posteriors[i]! } : {}),
    }));
  }
}

/**
 * The NER model's former name.
 * @deprecated Use {@link NerModel}; this alias is kept for one release.
 */
export const ShapCAModel = NerModel;
/** @deprecated Use {@link NerModel}. */
export type ShapCAModel = NerModel;

/** How io makes a NER model. */
export const nerModelSpec: ModelSpec<NerModel> = {
  task: 'ner',
  addedTokens: [],
  labels: (l) => entityLabels('ner', l),
  create: (config, parts) => new NerModel(config, parts),
};
