// `shapca bench gemm`: the linear layer (out = inp·Wᵀ + b) at the shapes a BERT-base layer runs
// over 2048 tokens, and 1024³, at every precision this CPU has kernels for.
import { matmulForward } from '../kernels/gemm.js';
import { PackedLinear } from '../kernels/linear-lowp.js';
import { availablePrecisions } from '../precision.js';
import { randomUniform, setThreads } from '../runtime.js';
import { peakGflops } from './peak.js';
import { timeMedian } from './timing.js';
import type { BenchRunOptions } from './types.js';

const SHAPES = [
  { name: 'bert ffn-in 2048x3072x768', m: 2048, n: 3072, k: 768 },
  { name: 'bert attn-out 2048x768x768', m: 2048, n: 768, k: 768 },
  { name: 'square 1024x1024x1024', m: 1024, n: 1024, k: 1024 },
];

export async function benchGemm(o: BenchRunOptions): Promise<void> {
  for (const threads of o.threads) {
    setThreads(threads);
    for (const s of SHAPES) {
      const inp = randomUniform(s.m * s.k, 1), weight = randomUniform(s.n * s.k, 2).map((v) => v - 0.5), bias = randomUniform(s.n, 3);
      const out = new Float32Array(s.m * s.n);
      for (const p of availablePrecisions()) {
        o.onNote?.(`gemm ${s.name} ${p} threads=${threads}`);
        const run = p === 'fp32'
          ? () => matmulForward({ inp, weight, bias, bt: s.m, c: s.k, oc: s.n, out })
          : ((lin) => () => lin.forward(inp, s.m, bias, out))(new PackedLinear(weight, s.n, s.k, p));
        const ms = await timeMedian(run, o.reps);
        const gflops = (2 * s.m * s.n * s.k) / ms / 1e6;
        const peak = await peakGflops(p, threads);
        o.onRow({
          bench: 'gemm', case: s.name, precision: p, threads, ms, value: gflops, unit: 'GFLOP/s', gflops,
          ...(peak ? { peakFraction: gflops / peak } : {}),
        });
      }
    }
  }
}
