// The part every task shares (docs/ARCHITECTURE.md, "The method, piece by piece"): BERT over [CLS] text [SEP] context [SEP], an
// optional image encoder, adaptive fusion of image patches into the text states, the Shapley
// contrastive alignment, and one ParamStore holding the new layers — the task head's first (its
// specs are passed in), then fusion, then the alignment projections.
import type { BertEncoder } from '../encoders/bert.js';
import type { NativeEncoder } from '../encoders/native-encoder.js';
import type { VitEncoder } from '../encoders/vit.js';
import { ShapcaError } from '../errors.js';
import { parsePrecision, type Precision } from '../precision.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ParamGroup, StepContext, StepResult } from '../train/types.js';
import { AlignmentHead, alignmentSpecs } from './alignment.js';
import type { ShapCAOptions } from './config.js';
import { FusionLayer, fusionSpecs, type FusionCache } from './fusion.js';
import type { EncodedInputs, InputOptions } from './inputs.js';
import { ParamStore, type ParamSpec } from '../nn/params.js';

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

/** What the encoders and fusion produced for a batch; the heads read `fused`. */
export interface BackboneForward {
  /** Text encoder states (batch, seqLen, hidden): what the alignment embeddings pool. */
  states: Float32Array;
  /** The states after fusion (= states without an image or fusion). */
  fused: Float32Array;
  imageStates: Float32Array | null;
  imageTokens: number;
  fusionCache: FusionCache | null;
}

/** A head's share of a training step: its loss and the gradient it sends into `fused`. */
export interface HeadStep {
  loss: number;
  parts: Record<string, number>;
  /** (batch · seqLen · hidden) */
  dFused: Float32Array;
}

function encoderGroup(name: string, enc: NativeEncoder<object>, pretrained: boolean): ParamGroup {
  const noDecay = encoderNoDecay(enc);
  const device = enc.deviceParams();
  return device ? { name, params: enc.params, device, pretrained, noDecay } : { name, params: enc.params, grads: enc.enableGrad(), pretrained, noDecay };
}

function encoderNoDecay(enc: NativeEncoder<object>): [number, number][] {
  return enc.slots
    .filter((s) => s.name.endsWith('bias') || /layer_?norm|layrnorm|\.ln_?\d*\./i.test(s.name))
    .map((s) => [s.offset, s.numel]);
}

export class ShapCABackbone {
  readonly store: ParamStore;
  readonly fusion: FusionLayer | null;
  readonly alignment: AlignmentHead | null;
  readonly hidden: number;
  /**
   * The encoders' precision in predict (when its call names none): 'fp32' (default), 'bf16' or
   * 'int8', set by loadModel / loadExtractor's `precision`. Training refuses anything but 'fp32'.
   */
  precision: Precision = 'fp32';

  constructor(
    readonly options: ShapCAOptions,
    readonly parts: ShapCAParts,
    private readonly headSpecs: readonly ParamSpec[],
  ) {
    const o = options;
    const hidden = parts.text.hiddenSize;
    const imageHidden = o.useImage && parts.image ? parts.image.config.hidden_size : null;
    const specs = [
      ...headSpecs,
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
    this.hidden = hidden;
    this.fusion = imageHidden && o.useFusion ? new FusionLayer(this.store, 'fusion.', { hidden, imageHidden, heads: o.fusionHeads }) : null;
    this.alignment = o.useAlignment ? new AlignmentHead(this.store, 'align.', hidden, imageHidden, o.alignDim, o) : null;
  }

  get usesImage(): boolean {
    return this.options.useImage && this.parts.image !== null;
  }

  /** How batches for this model are encoded (context, image, length). */
  inputOptions(imageSize: number): InputOptions {
    const o = this.options;
    return { useContext: o.useContext, useImage: this.usesImage, maxLength: o.maxLength, imageFloats: 3 * imageSize ** 2 };
  }

  /** The encoders' groups (on 'cuda', their device calls) and the new layers' (always on the host). */
  paramGroups(): ParamGroup[] {
    const { text, image, pretrained } = this.parts;
    const groups: ParamGroup[] = [encoderGroup('text_encoder', text, pretrained)];
    if (image && this.usesImage) groups.push(encoderGroup('image_encoder', image, pretrained));
    groups.push({ name: 'heads', params: this.store.params, grads: this.store.grads, pretrained: false, noDecay: this.store.noDecayRanges(), featureRanges: this.store.featureRanges() });
    return groups;
  }

  zeroGrad(): void {
    this.parts.text.zeroGrad();
    this.parts.image?.zeroGrad();
    this.store.zeroGrad();
  }

  /**
   * Encoders and fusion; `train` keeps activations for backward (in fp32), otherwise the encoders
   * and the fusion layer's linear maps run at `precision` (default this.precision).
   */
  async forward(b: EncodedInputs, train: boolean, precision?: Precision): Promise<BackboneForward> {
    const p = train ? undefined : parsePrecision(precision ?? this.precision);
    const text = await this.parts.text.forward({
      inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds, batch: b.batch, seqLen: b.seqLen, train,
      ...(p ? { precision: p } : {}),
    });
    const states = text.lastHiddenState;
    let imageStates: Float32Array | null = null;
    let imageTokens = 0;
    if (this.usesImage && b.pixels && b.hasImage.some((v) => v)) {
      const image = this.parts.image!;
      imageStates = (await image.forward({ pixels: b.pixels, batch: b.batch, train, ...(p ? { precision: p } : {}) })).lastHiddenState;
      imageTokens = image.tokens;
    }
    let fused = states;
    let fusionCache: FusionCache | null = null;
    if (this.fusion && imageStates) {
      fusionCache = await this.fusion.forward(states, imageStates, b.hasImage, b.batch, b.seqLen, imageTokens, p ?? 'fp32');
      fused = fusionCache.out;
    }
    return { states, fused, imageStates, imageTokens, fusionCache };
  }

  /**
   * One training step: forward, the head's loss and gradient (`head`), L_align when it applies
   * (context on, at least two samples), then backward through fusion and both encoders.
   */
  async trainStep(b: EncodedInputs, ctx: StepContext, head: (f: BackboneForward) => Promise<HeadStep>): Promise<StepResult> {
    if (this.precision !== 'fp32') {
      throw new ShapcaError(
        `this model was loaded for inference at precision '${this.precision}': training runs in fp32 (load it without precision to train)`,
        'SHAPCA_INVALID_ARGUMENT',
      );
    }
    const f = await this.forward(b, true);
    const h = await head(f);
    let loss = h.loss;
    const parts: Record<string, number> = { ...h.parts };
    const align = this.alignment && this.options.useContext && b.batch >= 2;
    if (align) {
      const r = await this.alignment!.forward({
        states: f.states, batch: b.batch, seqLen: b.seqLen, textWeights: b.textWeights, contextWeights: b.contextWeights,
        imageStates: f.imageStates, imageTokens: f.imageTokens, hasImage: b.hasImage,
        seed: (ctx.seed * 1000003 + ctx.step) % 2 ** 32,
      });
      loss += r.loss;
      Object.assign(parts, { align: r.loss, ...r.terms });
    }
    let dStates: Float32Array = h.dFused;
    let dImage: Float32Array | null = f.imageStates ? new Float32Array(f.imageStates.length) : null;
    if (f.fusionCache) {
      const g = await this.fusion!.backward(f.fusionCache, h.dFused);
      dStates = g.dh;
      dImage = g.dimage;
    }
    if (align) await this.alignment!.backward(dStates, dImage);
    await this.parts.text.backward({ dLastHiddenState: dStates });
    if (f.imageStates && dImage) await this.parts.image!.backward({ dLastHiddenState: dImage });
    return { loss, parts, samples: b.batch };
  }

  /** Mean fusion gate of sample i over its tokens and channels (0 without an image or fusion). */
  meanGate(f: BackboneForward, b: EncodedInputs, i: number): number {
    if (!f.fusionCache || !b.hasImage[i]) return 0;
    const hidden = this.hidden;
    const n = b.seqLen * hidden;
    const g = f.fusionCache.gate.subarray(i * n, (i + 1) * n);
    const tokens = b.attentionMask.subarray(i * b.seqLen, (i + 1) * b.seqLen).reduce((s, m) => s + m, 0);
    let sum = 0;
    for (let t = 0; t < b.seqLen; t++) if (b.attentionMask[i * b.seqLen + t]) for (let c = 0; c < hidden; c++) sum += g[t * hidden + c]!;
    return sum / Math.max(1, tokens * hidden);
  }

  /** Takes the weights of a saved model's parts (see model/io.ts readModelDirectory), for resume. */
  async reloadFrom(parts: ShapCAParts): Promise<void> {
    await this.copyFrom(new ShapCABackbone(this.options, parts, this.headSpecs));
  }

  /**
   * Copies another backbone's weights (same architecture, any device) into this one, then frees
   * its encoders.
   */
  async copyFrom(from: ShapCABackbone): Promise<void> {
    const pairs = [[this.parts.text, from.parts.text], [this.parts.image, from.parts.image]] as const;
    for (const [to, src] of pairs) {
      if (!to || !src) continue;
      await src.syncParamsFromDevice();
      await to.setParams(src.params);
    }
    this.store.params.set(from.store.params);
    from.parts.text.dispose();
    from.parts.image?.dispose();
  }
}
