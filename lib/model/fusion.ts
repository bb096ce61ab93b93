// Adaptive fusion (docs/ARCHITECTURE.md, "Fusion"): text+context token states H attend to projected image patch
// states; a per-token, per-channel gate decides how much image evidence to admit:
//   V = proj(image),  A = Wo·MHA(Wq·H, Wk·V, Wv·V),  g = σ(W_g [H; A] + b_g),  H' = LN(H + g ⊙ A)
// Samples without an image pass H through unchanged.
import { sgemm } from '../kernels/gemm.js';
import { crossAttentionBackward, crossAttentionForward, fusionGateBackward, fusionGateForward, type FusionGateState } from '../kernels/fusion.js';
import { Linear, linearSpecs, PackedWeights } from '../nn/linear.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';
import { selectPrecision, type Precision } from '../precision.js';

export interface FusionConfig {
  /** Text hidden size C. */
  hidden: number;
  /** Image encoder hidden size. */
  imageHidden: number;
  /** Attention heads; must divide `hidden`. */
  heads: number;
  /** LayerNorm epsilon; default 1e-12 (BERT's). */
  eps?: number;
}

export function fusionSpecs(prefix: string, cfg: FusionConfig): ParamSpec[] {
  const C = cfg.hidden;
  return [
    ...linearSpecs(`${prefix}proj`, cfg.imageHidden, C),
    ...linearSpecs(`${prefix}q`, C, C),
    ...linearSpecs(`${prefix}k`, C, C),
    ...linearSpecs(`${prefix}v`, C, C),
    ...linearSpecs(`${prefix}o`, C, C),
    ...linearSpecs(`${prefix}gate`, 2 * C, C),
    { name: `${prefix}ln.weight`, shape: [C], init: 'ones' },
    { name: `${prefix}ln.bias`, shape: [C], init: 'zeros' },
  ];
}

/** Everything forward keeps for backward, plus the output. */
export interface FusionCache {
  out: Float32Array;
  /** the gate σ(·), (B, T, C); zeros for samples without an image */
  gate: Float32Array;
  h: Float32Array;
  image: Float32Array;
  hasImage: Uint8Array;
  b: number;
  t: number;
  p: number;
  vp: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  att: Float32Array;
  ao: Float32Array;
  a: Float32Array;
  state: FusionGateState;
}

export class FusionLayer {
  private readonly proj: Linear;
  private readonly wq: Linear;
  private readonly wk: Linear;
  private readonly wv: Linear;
  private readonly wo: Linear;
  private readonly packed = new PackedWeights();

  constructor(
    private readonly store: ParamStore,
    private readonly prefix: string,
    readonly cfg: FusionConfig,
  ) {
    if (cfg.hidden % cfg.heads !== 0) throw new RangeError(`fusion: ${cfg.heads} heads do not divide hidden size ${cfg.hidden}`);
    const C = cfg.hidden;
    this.proj = new Linear(store, `${prefix}proj`, cfg.imageHidden, C);
    this.wq = new Linear(store, `${prefix}q`, C, C);
    this.wk = new Linear(store, `${prefix}k`, C, C);
    this.wv = new Linear(store, `${prefix}v`, C, C);
    this.wo = new Linear(store, `${prefix}o`, C, C);
  }

  /**
   * @param h text states (b, t, hidden)
   * @param image patch states (b, p, imageHidden)
   * @param hasImage (b): 0 for samples whose image is missing
   * @param precision inference only: the six linear maps at bf16 / int8 (weights packed on first
   *   use); attention, the gate's sigmoid and the LayerNorm stay fp32. Default 'fp32'.
   */
  async forward(h: Float32Array, image: Float32Array, hasImage: Uint8Array, b: number, t: number, p: number, precision: Precision = 'fp32'): Promise<FusionCache> {
    const C = this.cfg.hidden;
    const sel = selectPrecision(precision);
    const lowp = sel === 'fp32' ? undefined : { precision: sel, packed: this.packed };
    const vp = await this.proj.forward(image, b * p, lowp);
    const [q, k, v] = await Promise.all([this.wq.forward(h, b * t, lowp), this.wk.forward(vp, b * p, lowp), this.wv.forward(vp, b * p, lowp)]);
    const { out: ao, att } = await crossAttentionForward(q, k, v, { b, tq: t, tk: p, c: C, nh: this.cfg.heads });
    const a = await this.wo.forward(ao, b * t, lowp);
    const wg = this.store.get(`${this.prefix}gate.weight`); // (C, 2C) = [W_h | W_a]
    const gateBias = this.store.get(`${this.prefix}gate.bias`);
    let gatePre: Float32Array;
    if (lowp) {
      const half = (off: number) => {
        const w = new Float32Array(C * C);
        for (let i = 0; i < C; i++) w.set(wg.subarray(i * 2 * C + off, i * 2 * C + off + C), i * C);
        return w;
      };
      const wh = this.packed.get(`${this.prefix}gate.h`, half(0), C, C, lowp.precision);
      const wa = this.packed.get(`${this.prefix}gate.a`, half(C), C, C, lowp.precision);
      gatePre = await wh.forward(h, b * t, gateBias);
      const fromA = await wa.forward(a, b * t);
      for (let i = 0; i < gatePre.length; i++) gatePre[i]! += fromA[i]!;
    } else {
      gatePre = await sgemm({ m: b * t, n: C, k: C, a: h, b: wg, ldb: 2 * C, transB: true, bias: gateBias });
      await sgemm({ m: b * t, n: C, k: C, a, b: wg.subarray(C), ldb: 2 * C, transB: true, c: gatePre, beta: 1 });
    }
    const state = await fusionGateForward({
      h, a, gatePre, lnWeight: this.store.get(`${this.prefix}ln.weight`), lnBias: this.store.get(`${this.prefix}ln.bias`),
      hasImage, b, t, c: C, eps: this.cfg.eps ?? 1e-12,
    });
    return { out: state.out, gate: state.g, h, image, hasImage, b, t, p, vp, q, k, v, att, ao, a, state };
  }

  /** Accumulates parameter gradients; returns the gradients of the text states and the image states. */
  async backward(cache: FusionCache, dout: Float32Array): Promise<{ dh: Float32Array; dimage: Float32Array }> {
    const C = this.cfg.hidden;
    const { b, t, p, h, a } = cache;
    const g = await fusionGateBackward({
      dout, h, a, state: cache.state, lnWeight: this.store.get(`${this.prefix}ln.weight`), hasImage: cache.hasImage, b, t, c: C,
      into: { dlnWeight: this.store.grad(`${this.prefix}ln.weight`), dlnBias: this.store.grad(`${this.prefix}ln.bias`) },
    });
    const wg = this.store.get(`${this.prefix}gate.weight`);
    const dwg = this.store.grad(`${this.prefix}gate.weight`);
    const rows = b * t;
    // gate weights and bias: dW_h += dGᵀ·H, dW_a += dGᵀ·A, db += Σ_rows dG
    await sgemm({ transA: true, m: C, n: C, k: rows, a: g.dgatePre, b: h, c: dwg, ldc: 2 * C, beta: 1 });
    await sgemm({ transA: true, m: C, n: C, k: rows, a: g.dgatePre, b: a, c: dwg.subarray(C), ldc: 2 * C, beta: 1 });
    await sgemm({ m: 1, n: C, k: rows, a: new Float32Array(rows).fill(1), b: g.dgatePre, c: this.store.grad(`${this.prefix}gate.bias`), beta: 1 });
    // the gate's inputs: dH += dG·W_h, dA += dG·W_a
    await sgemm({ m: rows, n: C, k: C, a: g.dgatePre, b: wg, ldb: 2 * C, c: g.dh, beta: 1 });
    await sgemm({ m: rows, n: C, k: C, a: g.dgatePre, b: wg.subarray(C), ldb: 2 * C, c: g.da, beta: 1 });
    const dao = await this.wo.backward(g.da, cache.ao, rows);
    const { dq, dk, dv } = await crossAttentionBackward(dao, cache, { b, tq: t, tk: p, c: C, nh: this.cfg.heads });
    await this.wq.backward(dq, h, rows, g.dh);
    const dvp = await this.wk.backward(dk, cache.vp, b * p);
    await this.wv.backward(dv, cache.vp, b * p, dvp);
    const dimage = await this.proj.backward(dvp, cache.image, b * p);
    return { dh: g.dh, dimage };
  }
}
