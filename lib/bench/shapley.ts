// `shapca bench shapley`: the Shap-CA loss (forward + backward, k = 64 players, d = 768, 16
// antithetic permutations) and exact Shapley values (k = 16 players, 16 games). fp32 only.
import { shapleyContrastiveLoss } from '../align/index.js';
import { randomUniform, setThreads } from '../runtime.js';
import { values } from '../shapley/index.js';
import { timeMedian } from './timing.js';
import type { BenchRunOptions } from './types.js';

export async function benchShapley(o: BenchRunOptions): Promise<void> {
  for (const threads of o.threads) {
    setThreads(threads);
    const [k, d] = [64, 768];
    o.onNote?.(`shapley loss k=${k} threads=${threads}`);
    const loss = { players: randomUniform(k * d, 1), targets: randomUniform(k * d, 2), k, d, permutations: 16, seed: 1 };
    const ms = await timeMedian(() => shapleyContrastiveLoss(loss), o.reps);
    o.onRow({ bench: 'shapley', case: `Shap-CA loss fwd+bwd k=${k} d=${d} M=16`, precision: 'fp32', threads, ms, value: 1000 / ms, unit: 'batches/s' });
    const exact = { players: randomUniform(16 * d, 3), targets: randomUniform(16 * d, 4), k: 16, n: 16, d, method: 'exact' as const };
    o.onNote?.(`shapley exact k=16 threads=${threads}`);
    const msExact = await timeMedian(() => values(exact), o.reps);
    o.onRow({ bench: 'shapley', case: 'exact Shapley k=16 n=16 d=768', precision: 'fp32', threads, ms: msExact, value: 16000 / msExact, unit: 'games/s' });
  }
}
