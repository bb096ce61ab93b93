// `shapca bench`: the kernels and models measured on the user's machine, with GFLOP/s and the
// fraction of the machine's measured arithmetic ceiling (peak.ts). The peers (OpenBLAS, PyTorch,
// onnxruntime) are compared in the repository's bench/ (`npm run bench`), which needs their
// installs and the reference tools.
import { benchEncoders } from './encoders.js';
import { benchExtract } from './extract.js';
import { benchGemm } from './gemm.js';
import { benchShapley } from './shapley.js';
import type { BenchRunOptions } from './types.js';

export type { BenchRow, BenchRunOptions } from './types.js';
export { median, timeMedian } from './timing.js';
export { peakGflops } from './peak.js';

export const BENCHMARKS = {
  gemm: benchGemm,
  shapley: benchShapley,
  encoders: benchEncoders,
  extract: benchExtract,
} as const;

export type BenchName = keyof typeof BENCHMARKS;

/** Runs the named benchmarks in order ('all': every one). */
export async function runBenchmarks(which: BenchName | 'all', o: BenchRunOptions): Promise<void> {
  const names = which === 'all' ? (Object.keys(BENCHMARKS) as BenchName[]) : [which];
  for (const name of names) await BENCHMARKS[name](o);
}
