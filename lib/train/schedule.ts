// Linear warm-up then linear decay to 0, as transformers' get_linear_schedule_with_warmup: the
// update with 0-based index s uses lr · f(s), with
//   f(s) = s / max(1, W)                       for s < W
//   f(s) = max(0, (T − s) / max(1, T − W))     otherwise,
// so the very first update of a warmed-up run has lr 0 (it still moves Adam's moments).
import { TrainError } from './errors.js';

/**
 * Warm-up length: a number in [0, 1) is a ratio of the total steps (rounded up, as the HF
 * Trainer's warmup_ratio), an integer ≥ 1 a step count; or say which explicitly.
 */
export type Warmup = number | { ratio: number } | { steps: number };

/** The warm-up in steps for a run of `totalSteps` updates. */
export function warmupSteps(warmup: Warmup, totalSteps: number): number {
  if (!Number.isSafeInteger(totalSteps) || totalSteps < 1) {
    throw new TrainError(`Expected a positive integer for totalSteps but received ${totalSteps}`, 'SHAPCA_TRAIN_OPTIONS');
  }
  const asRatio = (r: number): number => {
    if (!(r >= 0 && r <= 1)) throw new TrainError(`Expected a warm-up ratio in [0, 1] but received ${r}`, 'SHAPCA_TRAIN_OPTIONS');
    return Math.ceil(r * totalSteps);
  };
  const asSteps = (s: number): number => {
    if (!Number.isSafeInteger(s) || s < 0) {
      throw new TrainError(`Expected a non-negative integer for warm-up steps but received ${s}`, 'SHAPCA_TRAIN_OPTIONS');
    }
    return Math.min(s, totalSteps);
  };
  if (typeof warmup === 'number') {
    if (warmup >= 0 && warmup < 1) return asRatio(warmup);
    if (Number.isSafeInteger(warmup) && warmup >= 1) return asSteps(warmup);
    throw new TrainError(
      `Expected a warm-up ratio in [0, 1) or an integer step count for warmup but received ${warmup}`,
      'SHAPCA_TRAIN_OPTIONS',
    );
  }
  return 'ratio' in warmup ? asRatio(warmup.ratio) : asSteps(warmup.steps);
}

/** The lr multiplier of update `step` (0-based) in a run of `total` updates with `warmup` of them warming up. */
export function linearWarmupDecay(step: number, warmup: number, total: number): number {
  if (step < warmup) return step / Math.max(1, warmup);
  return Math.max(0, (total - step) / Math.max(1, total - warmup));
}

/** A linear warm-up + decay schedule over a known number of updates. */
export class LinearSchedule {
  readonly totalSteps: number;
  readonly warmupSteps: number;

  constructor(totalSteps: number, warmup: Warmup) {
    this.warmupSteps = warmupSteps(warmup, totalSteps);
    this.totalSteps = totalSteps;
  }

  /** The lr multiplier of update `step` (0-based: the number of updates done before it). */
  factor(step: number): number {
    return linearWarmupDecay(step, this.warmupSteps, this.totalSteps);
  }
}
