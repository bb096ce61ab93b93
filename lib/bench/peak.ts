// The machine's arithmetic ceiling per precision and thread count, measured once per process
// (native measure_peak: register-only multiply-add loops on every thread).
import { addon } from '../native/addon.js';
import type { Precision } from '../precision.js';
import { info, setThreads } from '../runtime.js';

const cache = new Map<string, number>();

/** GFLOP/s (a multiply-add counts 2) of `precision` on `threads` threads; null without its kernels. */
export async function peakGflops(precision: Precision, threads: number): Promise<number | null> {
  const key = `${precision}:${threads}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const prev = info().threads;
  setThreads(threads);
  try {
    const rate = (await addon().measurePeak({ precision, seconds: 0.25 })) / 1e9;
    cache.set(key, rate);
    return rate;
  } catch {
    return null;
  } finally {
    setThreads(prev);
  }
}
