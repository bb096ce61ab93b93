/**
 * Contrastive alignment losses (docs/ARCHITECTURE.md, "Alignment"): Shap-CA's L(P→T) = −(1/k) Σ_j log softmax_i(phi_ij/τ)[j]
 * over the Shapley values of lib/shapley, plain InfoNCE beside it, and L_align over the four
 * directions of a batch. Inputs are raw embeddings: they are L2-normalised inside and the
 * gradients go back through the normalisation. Gradients are exact for the sampled permutations.
 */
import { addon } from '../native/addon.js';
import { uninitialized, zeros } from '../kernels/alloc.js';
import type { ShapleySamplingOptions } from '../shapley/index.js';

export interface PairLossOptions {
  /** (k, d) players; the positive of target j is player j. */
  players: Float32Array;
  /** (k, d) targets. */
  targets: Float32Array;
  /** Batch size, ≥ 2. */
  k: number;
  d: number;
  /** Temperature τ of the contrastive softmax; > 0. Default 0.07. */
  temperature?: number;
  /** (k, d) gradient buffers to accumulate into (+=); fresh zeros when absent. */
  dPlayers?: Float32Array;
  dTargets?: Float32Array;
}

export type ShapleyContrastiveLossOptions = PairLossOptions & ShapleySamplingOptions;

export interface PairLoss {
  loss: number;
  dPlayers: Float32Array;
  dTargets: Float32Array;
}

/**
 * The gradient buffers of a pair loss: the caller's (accumulated into), or, when the caller gave
 * neither, fresh uninitialised ones that the native call writes instead of adding to.
 */
function gradientBuffers(o: PairLossOptions): { dPlayers: Float32Array; dTargets: Float32Array; accumulate: boolean } {
  if (!o.dPlayers && !o.dTargets) {
    return { dPlayers: uninitialized(o.k * o.d), dTargets: uninitialized(o.k * o.d), accumulate: false };
  }
  return { dPlayers: o.dPlayers ?? zeros(o.k * o.d), dTargets: o.dTargets ?? zeros(o.k * o.d), accumulate: true };
}

/** Shap-CA loss L(P→T) with its gradients; phi (k, k) is the estimate, phi[j*k+i]. */
export async function shapleyContrastiveLoss(o: ShapleyContrastiveLossOptions): Promise<PairLoss & { phi: Float32Array }> {
  const phi = zeros(o.k * o.k);
  const { dPlayers, dTargets, accumulate } = gradientBuffers(o);
  const loss = await addon().shapcaLoss({ ...o, phi, dPlayers, dTargets, accumulate });
  return { loss, phi, dPlayers, dTargets };
}

/** InfoNCE on s_ij/τ (softmax over players for each target); logits (k, k), logits[j*k+i]. */
export async function infoNceLoss(o: PairLossOptions): Promise<PairLoss & { logits: Float32Array }> {
  const logits = zeros(o.k * o.k);
  const { dPlayers, dTargets, accumulate } = gradientBuffers(o);
  const loss = await addon().infoNceLoss({ ...o, logits, dPlayers, dTargets, accumulate });
  return { loss, logits, dPlayers, dTargets };
}

export interface AlignmentLossOptions extends ShapleySamplingOptions {
  /** (k, d) text embeddings h_t. */
  text: Float32Array;
  /** (k, d) context embeddings h_c. */
  context: Float32Array;
  /** (k, d) image embeddings h_v; absent: no image terms. */
  image?: Float32Array;
  /** (k): 0 marks a sample without an image, left out of c2i and i2c. Default: all present. */
  imageMask?: Uint8Array;
  k: number;
  d: number;
  /** `'shapley'` (Shap-CA, default) or `'infonce'` (the ablation). */
  objective?: 'shapley' | 'infonce';
  /** Default 0.07. */
  temperature?: number;
  /** Weight of (L_c2t + L_t2c)/2. Default 0.5. */
  lambdaCt?: number;
  /** Weight of (L_c2i + L_i2c)/2. Default 0.5. */
  lambdaCi?: number;
  /** (k, d) gradient buffers to accumulate into; fresh zeros when absent. */
  dText?: Float32Array;
  dContext?: Float32Array;
  dImage?: Float32Array;
}

export interface AlignmentLoss {
  /** L_align = λct (L_c2t + L_t2c)/2 + λci (L_c2i + L_i2c)/2 */
  loss: number;
  /** Each direction's loss (players→targets: c2t = contexts→texts, ...); image terms are 0 when
   * fewer than 2 samples have an image. */
  terms: { c2t: number; t2c: number; c2i: number; i2c: number };
  dText: Float32Array;
  dContext: Float32Array;
  /** Present when an image batch was given. */
  dImage?: Float32Array;
}

/** All four directions of a batch in one native call (the same permutation seed in each). */
export async function alignmentLoss(o: AlignmentLossOptions): Promise<AlignmentLoss> {
  const dText = o.dText ?? zeros(o.k * o.d);
  const dContext = o.dContext ?? zeros(o.k * o.d);
  const dImage = o.image ? (o.dImage ?? zeros(o.k * o.d)) : undefined;
  const r = await addon().alignLoss({ ...o, dText, dContext, dImage: dImage ?? null });
  return { loss: r.loss, terms: { c2t: r.c2t, t2c: r.t2c, c2i: r.c2i, i2c: r.i2c }, dText, dContext, dImage };
}
