// ShapCAModel for MNER (DESIGN §1): BERT over [CLS] text [SEP] context [SEP], an optional image
// encoder, adaptive fusion of image patches into the text states, a CRF tagger on the words, and
// the Shapley contrastive alignment of text, context and image — with a switch for every ablation.
import { BertEncoder } from '../encoders/bert.js';
import { VitEncoder } from '../encoders/vit.js';
import type { NativeEncoder } from '../encoders/native-encoder.js';
import { bioTags } from '../heads/bio.js';
import { CrfTagger, crfTaggerSpecs, type WordPositions } from '../heads/crf-tagger.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ParamGroup, StepContext, StepResult, TrainableModel } from '../train/types.js';
import { AlignmentHead, alignmentSpecs } from './alignment.js';
import type { ShapCAConfig } from './config.js';
import { encodeNerBatch, type NerBatch, type NerExample } from './batch.js';
import { FusionLayer, fusionSpecs, type FusionCache } from './fusion.js';
import { saveModel } from './io.js';
import { ParamStore } from './params.js';

export interface ShapCAParts {
  tokenizer: WordPieceTokenizer;
  text: BertEncoder;
  image: VitEncoder | null;
  /** Whether the encoders came from pretrained checkpoints (their own learning rate). */
  pretrained: boolean;
  /** Initial values of the new layers; null: fresh from `seed`. */
  heads?: Map<string, Float32Array> | null;
  seed: number;
}

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

function encoderNoDecay(enc: NativeEncoder<never>): [number, number][] {
  return enc.slots
    .filter((s) => s.name.endsWith('bias') || /layer_?norm|layrnorm|\.ln_?\d*\./i.test(s.name))
    .map((s) => [s.offset, s.numel]);
}

export class ShapCAModel implements TrainableModel<NerBatch> {
  readonly store: ParamStore;
  readonly tagger: CrfTagger;
  readonly fusion: FusionLayer | null;
  readonly alignment: AlignmentHead | null;
  readonly tagIndex: Map<string, number>;

  constructor(
    readonly config: ShapCAConfig,
    readonly parts: ShapCAParts,
  ) {
    const o = config.options;
    const hidden = parts.text.hiddenSize;
    const imageHidden = o.useImage && parts.image ? parts.image.config.hidden_size : null;
    if (config.tags.join() !== bioTags(config.entityTypes).join()) {
      throw new RangeError(`config.tags must be bioTags(entityTypes): ${bioTags(config.entityTypes).join(' ')}`);
    }
    const specs = [
      ...crfTaggerSpecs('tagger.', hidden, config.tags.length),
      ...(imageHidden && o.useFusion ? fusionSpecs('fusion.', { hidden, imageHidden, heads: o.fusionHeads }) : []),
      ...(o.useAlignment ? alignmentSpecs('align.', hidden, imageHidden, o.alignDim) : []),
    ];
    this.store = new ParamStore(specs, parts.seed);
    if (parts.heads) {
      for (const s of this.store.slots) {
        const v = parts.heads.get(s.name);
        if (!v) throw new RangeError(`the checkpoint has no head tensor ${s.name}`);
        if (v.length !== s.numel) throw new RangeError(`head tensor ${s.name} has ${v.length} values, expected ${s.numel}`);
        this.store.get(s.name).set(v);
      }
    }
    this.tagger = new CrfTagger(this.store, 'tagger.', hidden, config.tags);
    this.fusion = imageHidden && o.useFusion ? new FusionLayer(this.store, 'fusion.', { hidden, imageHidden, heads: o.fusionHeads }) : null;
    this.alignment = o.useAlignment ? new AlignmentHead(this.store, 'align.', hidden, imageHidden, o.alignDim, o) : null;
    this.tagIndex = new Map(config.tags.map((t, i) => [t, i]));
  }

  get tokenizer(): WordPieceTokenizer {
    return this.parts.tokenizer;
  }

  private get usesImage(): boolean {
    return this.config.options.useImage && this.parts.image !== null;
  }

  /** Turns examples into one batch (tokenisation, spans, tags, images). */
  encode(examples: NerExample[]): NerBatch {
    const o = this.config.options;
    return encodeNerBatch(this.parts.tokenizer, examples, {
      useContext: o.useContext, useImage: this.usesImage, maxLength: o.maxLength,
      imageFloats: 3 * this.config.imageSize ** 2, tagIndex: this.tagIndex,
    });
  }

  paramGroups(): ParamGroup[] {
    const { text, image, pretrained } = this.parts;
    const groups: ParamGroup[] = [
      { name: 'text_encoder', params: text.params, grads: text.enableGrad(), pretrained, noDecay: encoderNoDecay(text as never) },
    ];
    if (image && this.usesImage) {
      groups.push({ name: 'image_encoder', params: image.params, grads: image.enableGrad(), pretrained, noDecay: encoderNoDecay(image as never) });
    }
    groups.push({ name: 'heads', params: this.store.params, grads: this.store.grads, pretrained: false, noDecay: this.store.noDecayRanges() });
    return groups;
  }

  zeroGrad(): void {
    this.parts.text.zeroGrad();
    this.parts.image?.zeroGrad();
    this.store.zeroGrad();
  }

  private positions(b: NerBatch): WordPositions {
    return { batch: b.batch, maxWords: b.maxWords, numWords: b.numWords, wordIndex: b.wordIndex, tokens: b.batch * b.seqLen };
  }

  /** Encoders, fusion and emissions; `train` keeps activations for backward. */
  private async forward(b: NerBatch, train: boolean) {
    const text = await this.parts.text.forward({
      inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds, batch: b.batch, seqLen: b.seqLen, train,
    });
    const states = text.lastHiddenState;
    let imageStates: Float32Array | null = null;
    let imageTokens = 0;
    if (this.usesImage && b.pixels && b.hasImage.some((v) => v)) {
      const image = this.parts.image!;
      imageStates = (await image.forward({ pixels: b.pixels, batch: b.batch, train })).lastHiddenState;
      imageTokens = image.tokens;
    }
    let fused = states;
    let fusionCache: FusionCache | null = null;
    if (this.fusion && imageStates) {
      fusionCache = await this.fusion.forward(states, imageStates, b.hasImage, b.batch, b.seqLen, imageTokens);
      fused = fusionCache.out;
    }
    const tagCache = await this.tagger.emissions(fused, this.positions(b));
    return { states, imageStates, imageTokens, fusionCache, tagCache };
  }

  async trainStep(b: NerBatch, ctx: StepContext): Promise<StepResult> {
    if (!b.tagIds) throw new TypeError('trainStep needs a batch with tags');
    const f = await this.forward(b, true);
    const pos = this.positions(b);
    const taskLoss = await this.tagger.loss(f.tagCache, pos, b.tagIds);
    const parts: Record<string, number> = { crf: taskLoss };
    let loss = taskLoss;
    const align = this.alignment && this.config.options.useContext && b.batch >= 2;
    if (align) {
      const r = await this.alignment!.forward({
        states: f.states, batch: b.batch, seqLen: b.seqLen, textWeights: b.textWeights, contextWeights: b.contextWeights,
        imageStates: f.imageStates, imageTokens: f.imageTokens, hasImage: b.hasImage,
        seed: (ctx.seed * 1000003 + ctx.step) % 2 ** 32,
      });
      loss += r.loss;
      Object.assign(parts, { align: r.loss, ...r.terms });
    }
    const hidden = this.parts.text.hiddenSize;
    const dFused = new Float32Array(b.batch * b.seqLen * hidden);
    await this.tagger.backward(f.tagCache, pos, b.tagIds, dFused);
    let dStates: Float32Array = dFused;
    let dImage: Float32Array | null = f.imageStates ? new Float32Array(f.imageStates.length) : null;
    if (f.fusionCache) {
      const g = await this.fusion!.backward(f.fusionCache, dFused);
      dStates = g.dh;
      dImage = g.dimage;
    }
    if (align) await this.alignment!.backward(dStates, dImage);
    await this.parts.text.backward({ dLastHiddenState: dStates });
    if (f.imageStates && dImage) await this.parts.image!.backward({ dLastHiddenState: dImage });
    return { loss, parts, samples: b.batch };
  }

  /** Writes the model (see io.ts for the layout). */
  save(dir: string): Promise<void> {
    return saveModel(this, dir);
  }

  /** Tags for each example of the batch (no gradients kept); the CRF's tag posteriors on request. */
  async predict(b: NerBatch, o: { posteriors?: boolean } = {}): Promise<NerPrediction[]> {
    const f = await this.forward(b, false);
    const tags = await this.tagger.decode(f.tagCache, this.positions(b));
    const posteriors = o.posteriors ? await this.tagger.posteriors(f.tagCache, this.positions(b)) : null;
    const hidden = this.parts.text.hiddenSize;
    return b.examples.map((ex, i) => {
      const full = ex.tokens.map((_, w) => tags[i]![w] ?? 'O');
      let gate = 0;
      if (f.fusionCache && b.hasImage[i]) {
        const n = b.seqLen * hidden;
        const g = f.fusionCache.gate.subarray(i * n, (i + 1) * n);
        const tokens = b.attentionMask.subarray(i * b.seqLen, (i + 1) * b.seqLen).reduce((s, m) => s + m, 0);
        let sum = 0;
        for (let t = 0; t < b.seqLen; t++) if (b.attentionMask[i * b.seqLen + t]) for (let c = 0; c < hidden; c++) sum += g[t * hidden + c]!;
        gate = sum / Math.max(1, tokens * hidden);
      }
      return { id: ex.id, tags: full, gate, ...(posteriors ? { posteriors: posteriors[i]! } : {}) };
    });
  }
}
