// Timing for the benchmarks (bench/ in the repository and `shapca bench`): the median of timed
// calls after a warm-up, with minimum warm-up and timed durations so that a fast case is not
// measured over a handful of calls in the allocator's cold state.
import { performance } from 'node:perf_hooks';

/** Minimum warm-up and timed durations of timeMedian (and of the peers' own loops). */
export const kWarmupMs = 100;
export const kTimedMs = 200;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs fn untimed (`warmup` calls and ≥ kWarmupMs), then timed (`reps` calls and ≥ kTimedMs); the median in ms. */
export async function timeMedian(fn: () => Promise<unknown> | unknown, reps: number, warmup = 2): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < warmup || performance.now() - start < kWarmupMs; i++) await fn();
  const times: number[] = [];
  const t1 = performance.now();
  while (times.length < reps || performance.now() - t1 < kTimedMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}
