import { addon } from '../native/addon.js';

export interface AdamWOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay; default 0.01. */
  weightDecay?: number;
  /** Multiplies the gradients first (global-norm clipping). Default 1. */
  gradScale?: number;
}

/**
 * One AdamW step (PyTorch semantics) over a flat buffer, in place on params, m and v.
 * Parameter groups are sub-ranges: pass `subarray` views (zero-copy).
 * @param step 1-based step count, for bias correction.
 */
export async function adamwStep(
  params: Float32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  step: number,
  o: AdamWOptions = {},
): Promise<void> {
  await addon().adamwStep({ params, grads, m, v, n: params.length, step, ...o });
}

/** Global L2 norm of a gradient buffer (accumulated in double). */
export async function gradNorm(grads: Float32Array): Promise<number> {
  return addon().gradNorm({ grads, n: grads.length });
}

/** The factor that clips a gradient of norm `norm` to `maxNorm` (PyTorch's clip_grad_norm_). */
export function clipScale(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}
