// `shapca bench encoders`: BERT-base forward (32 × 64 tokens) and ViT-B/16 forward (8 × 224²) with
// random weights, at every precision this CPU has kernels for.
import { BertEncoder } from '../encoders/bert.js';
import { VitEncoder } from '../encoders/vit.js';
import { availablePrecisions } from '../precision.js';
import { randomUniform, setThreads } from '../runtime.js';
import { peakGflops } from './peak.js';
import { timeMedian } from './timing.js';
import type { BenchRunOptions } from './types.js';

/** Multiply-adds ×2 of one encoder forward: per layer 4C² + 2CI per token, plus QKᵀ and ·V. */
function forwardFlops(tokens: number, seq: number, c: number, inter: number, layers: number): number {
  return 2 * layers * tokens * (4 * c * c + 2 * c * inter + 2 * seq * c);
}

export async function benchEncoders(o: BenchRunOptions): Promise<void> {
  const bert = await BertEncoder.random({}, 1, { pooler: false });
  const [batch, seq] = [32, 64];
  const inputIds = new Int32Array(batch * seq).map((_, i) => (i * 31 + 7) % bert.config.vocab_size);
  const vit = await VitEncoder.random({}, 2);
  const pixels = randomUniform(8 * 3 * 224 * 224, 4);
  const cases = [
    { name: `bert-base forward ${batch}x${seq}`, unit: 'tokens/s', items: batch * seq, flops: forwardFlops(batch * seq, seq, 768, 3072, 12),
      run: (precision: 'fp32' | 'bf16' | 'int8') => bert.forward({ inputIds, batch, seqLen: seq, precision }) },
    { name: 'vit-b/16 forward 8x224²', unit: 'images/s', items: 8, flops: forwardFlops(8 * vit.tokens, vit.tokens, 768, 3072, 12) + 2 * 8 * 196 * 768 * 768,
      run: (precision: 'fp32' | 'bf16' | 'int8') => vit.forward({ pixels, batch: 8, precision }) },
  ];
  try {
    for (const threads of o.threads) {
      setThreads(threads);
      for (const c of cases) {
        for (const p of availablePrecisions()) {
          o.onNote?.(`encoders ${c.name} ${p} threads=${threads}`);
          const ms = await timeMedian(() => c.run(p), Math.min(o.reps, 3), 1);
          const gflops = c.flops / ms / 1e6;
          const peak = await peakGflops(p, threads);
          o.onRow({
            bench: 'encoders', case: c.name, precision: p, threads, ms, value: (c.items * 1000) / ms, unit: c.unit, gflops,
            ...(peak ? { peakFraction: gflops / peak } : {}),
          });
        }
      }
    }
  } finally {
    bert.dispose();
    vit.dispose();
  }
}
