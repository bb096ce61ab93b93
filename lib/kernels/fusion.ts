import { addon } from '../native/addon.js';
import { zeros } from './alloc.js';

export interface CrossAttentionShape {
  /** batch */
  b: number;
  /** query length (text tokens) */
  tq: number;
  /** key length (image patches) */
  tk: number;
  /** model width */
  c: number;
  /** heads; must divide c */
  nh: number;
}

/** out = softmax(QKᵀ/√hs)·V per head; att (b, nh, tq, tk) is kept for backward. */
export async function crossAttentionForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  s: CrossAttentionShape,
  kvMask?: Uint8Array,
): Promise<{ out: Float32Array; att: Float32Array }> {
  const out = zeros(s.b * s.tq * s.c);
  const att = zeros(s.b * s.nh * s.tq * s.tk);
  await addon().crossAttentionForward({ ...s, out, att, q, k, v, kvMask: kvMask ?? null });
  return { out, att };
}

/** Accumulates into dq, dk, dv (allocated, zeroed, when absent). */
export async function crossAttentionBackward(
  dout: Float32Array,
  saved: { q: Float32Array; k: Float32Array; v: Float32Array; att: Float32Array },
  s: CrossAttentionShape,
  into: { dq?: Float32Array; dk?: Float32Array; dv?: Float32Array } = {},
): Promise<{ dq: Float32Array; dk: Float32Array; dv: Float32Array }> {
  const dq = into.dq ?? zeros(s.b * s.tq * s.c);
  const dk = into.dk ?? zeros(s.b * s.tk * s.c);
  const dv = into.dv ?? zeros(s.b * s.tk * s.c);
  await addon().crossAttentionBackward({ ...s, ...saved, dout, dq, dk, dv });
  return { dq, dk, dv };
}

export interface FusionGateState {
  out: Float32Array;
  g: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
}

/** out = LayerNorm(h + σ(gatePre) ⊙ a) where hasImage[b], else h. */
export async function fusionGateForward(o: {
  h: Float32Array;
  a: Float32Array;
  gatePre: Float32Array;
  lnWeight: Float32Array;
  lnBias: Float32Array;
  hasImage?: Uint8Array;
  b: number;
  t: number;
  c: number;
  eps?: number;
}): Promise<FusionGateState> {
  const n = o.b * o.t * o.c;
  const st = { out: zeros(n), g: zeros(n), mean: zeros(o.b * o.t), rstd: zeros(o.b * o.t) };
  await addon().fusionGateForward({ ...o, ...st, hasImage: o.hasImage ?? null });
  return st;
}

/** Accumulates into dh, da, dgatePre, dlnWeight, dlnBias (allocated, zeroed, when absent). */
export async function fusionGateBackward(o: {
  dout: Float32Array;
  h: Float32Array;
  a: Float32Array;
  state: FusionGateState;
  lnWeight: Float32Array;
  hasImage?: Uint8Array;
  b: number;
  t: number;
  c: number;
  into?: { dh?: Float32Array; da?: Float32Array; dgatePre?: Float32Array; dlnWeight?: Float32Array; dlnBias?: Float32Array };
}): Promise<{ dh: Float32Array; da: Float32Array; dgatePre: Float32Array; dlnWeight: Float32Array; dlnBias: Float32Array }> {
  const n = o.b * o.t * o.c;
  const g = {
    dh: o.into?.dh ?? zeros(n),
    da: o.into?.da ?? zeros(n),
    dgatePre: o.into?.dgatePre ?? zeros(n),
    dlnWeight: o.into?.dlnWeight ?? zeros(o.c),
    dlnBias: o.into?.dlnBias ?? zeros(o.c),
  };
  await addon().fusionGateBackward({
    ...g, dout: o.dout, h: o.h, a: o.a, g: o.state.g, mean: o.state.mean, rstd: o.state.rstd, lnWeight: o.lnWeight,
    hasImage: o.hasImage ?? null, b: o.b, t: o.t, c: o.c,
  });
  return g;
}

/** out[b,:] = Σ_t w[b,t]·x[b,t,:] / Σ_t w[b,t] (zeros where the weights sum to 0). */
export async function meanPoolForward(x: Float32Array, weights: Float32Array, b: number, t: number, c: number): Promise<Float32Array> {
  const out = zeros(b * c);
  await addon().meanPoolForward({ out, x, weights, b, t, c });
  return out;
}

/** Accumulates dx (allocated, zeroed, when absent). */
export async function meanPoolBackward(
  dout: Float32Array,
  weights: Float32Array,
  b: number,
  t: number,
  c: number,
  dx?: Float32Array,
): Promise<Float32Array> {
  const result = dx ?? zeros(b * t * c);
  await addon().meanPoolBackward({ dx: result, dout, weights, b, t, c });
  return result;
}
