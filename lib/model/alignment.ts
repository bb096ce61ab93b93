// The alignment embeddings and loss (docs/ARCHITECTURE.md, "Alignment"): h_t = mean of the text-span states,
// h_c = mean of the context-span states, h_v = the image's CLS state; each through its own linear
// projection; L_align over the four directions, Shapley-based (Shap-CA) or InfoNCE.
import { alignmentLoss } from '../align/index.js';
import { embeddingBackward, embeddingForward } from '../kernels/elementwise.js';
import { meanPoolBackward, meanPoolForward } from '../kernels/fusion.js';
import type { ShapCAOptions } from './config.js';
import { Linear, linearSpecs } from '../nn/linear.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';

export function alignmentSpecs(prefix: string, hidden: number, imageHidden: number | null, dim: number): ParamSpec[] {
  return [
    ...linearSpecs(`${prefix}text`, hidden, dim),
    ...linearSpecs(`${prefix}context`, hidden, dim),
    ...(imageHidden ? linearSpecs(`${prefix}image`, imageHidden, dim) : []),
  ];
}

export interface AlignmentInput {
  /** Text encoder states (batch, seqLen, hidden). */
  states: Float32Array;
  batch: number;
  seqLen: number;
  textWeights: Float32Array;
  contextWeights: Float32Array;
  /** Image encoder states (batch, tokens, imageHidden), CLS first; null without images. */
  imageStates: Float32Array | null;
  imageTokens: number;
  hasImage: Uint8Array;
  /** Permutation seed of this step. */
  seed: number;
}

export interface AlignmentResult {
  loss: number;
  terms: { c2t: number; t2c: number; c2i: number; i2c: number };
}

interface Cache {
  input: AlignmentInput;
  ht: Float32Array;
  hc: Float32Array;
  hv: Float32Array | null;
  clsIndex: Int32Array;
  dText: Float32Array;
  dContext: Float32Array;
  dImage?: Float32Array;
}

export class AlignmentHead {
  private readonly text: Linear;
  private readonly context: Linear;
  private readonly image: Linear | null;
  private cache: Cache | null = null;

  constructor(
    store: ParamStore,
    prefix: string,
    readonly hidden: number,
    readonly imageHidden: number | null,
    readonly dim: number,
    private readonly options: ShapCAOptions,
  ) {
    this.text = new Linear(store, `${prefix}text`, hidden, dim);
    this.context = new Linear(store, `${prefix}context`, hidden, dim);
    this.image = imageHidden ? new Linear(store, `${prefix}image`, imageHidden, dim) : null;
  }

  /**
   * The projected text and context embeddings (k, dim) of a batch, not normalised and not kept for
   * backward: what the Shapley games of L_align score (used by `explain`).
   */
  async embed(x: Pick<AlignmentInput, 'states' | 'batch' | 'seqLen' | 'textWeights' | 'contextWeights'>): Promise<{ text: Float32Array; context: Float32Array }> {
    const { batch: k, seqLen: t } = x;
    const [ht, hc] = await Promise.all([
      meanPoolForward(x.states, x.textWeights, k, t, this.hidden),
      meanPoolForward(x.states, x.contextWeights, k, t, this.hidden),
    ]);
    const [text, context] = await Promise.all([this.text.forward(ht, k), this.context.forward(hc, k)]);
    return { text, context };
  }

  /** Computes L_align and keeps what backward() needs. */
  async forward(x: AlignmentInput): Promise<AlignmentResult> {
    const { batch: k, seqLen: t } = x;
    const ht = await meanPoolForward(x.states, x.textWeights, k, t, this.hidden);
    const hc = await meanPoolForward(x.states, x.contextWeights, k, t, this.hidden);
    const clsIndex = Int32Array.from({ length: k }, (_, b) => b * x.imageTokens);
    const useImage = this.image !== null && x.imageStates !== null && x.hasImage.some((v) => v);
    const hv = useImage ? await embeddingForward(clsIndex, x.imageStates!, k * x.imageTokens, this.imageHidden!) : null;
    const [pt, pc, pv] = await Promise.all([
      this.text.forward(ht, k),
      this.context.forward(hc, k),
      hv ? this.image!.forward(hv, k) : Promise.resolve(null),
    ]);
    const o = this.options;
    const r = await alignmentLoss({
      text: pt, context: pc, ...(pv ? { image: pv, imageMask: x.hasImage } : {}), k, d: this.dim,
      objective: o.objective, utility: o.utility, tauU: o.tauU, temperature: o.temperature, permutations: o.permutations,
      seed: x.seed, lambdaCt: o.lambdaCt, lambdaCi: o.lambdaCi,
    });
    this.cache = { input: x, ht, hc, hv, clsIndex, dText: r.dText, dContext: r.dContext, ...(r.dImage ? { dImage: r.dImage } : {}) };
    return { loss: r.loss, terms: r.terms };
  }

  /** Accumulates into the projections' gradients, dStates and (when images were used) dImageStates. */
  async backward(dStates: Float32Array, dImageStates: Float32Array | null): Promise<void> {
    const c = this.cache;
    if (!c) throw new Error('AlignmentHead.backward() called without a forward()');
    this.cache = null;
    const { batch: k, seqLen: t } = c.input;
    const dht = await this.text.backward(c.dText, c.ht, k);
    const dhc = await this.context.backward(c.dContext, c.hc, k);
    await meanPoolBackward(dht, c.input.textWeights, k, t, this.hidden, dStates);
    await meanPoolBackward(dhc, c.input.contextWeights, k, t, this.hidden, dStates);
    if (c.hv && c.dImage && dImageStates) {
      const dhv = await this.image!.backward(c.dImage, c.hv, k);
      await embeddingBackward(c.clsIndex, dhv, k * c.input.imageTokens, this.imageHidden!, dImageStates);
    }
  }
}
