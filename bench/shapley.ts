// Shap-CA: ours vs a vectorised PyTorch implementation of the same estimator
// (tools/reference/shapley_bench.py), same inputs, same permutations (a Python port of the
// Philox draws), same thread count, same run.
//   loss   forward + backward of one Shap-CA direction (softmax-expectation, M antithetic
//          permutations, d = 768) for k = 32 … 256, and M = 4 … 64 at k = 64
//          (also with gradient buffers reused, as a training loop keeps them)
//   exact  exact Shapley values of n = k games for k = 12, 16, 20 (normalise, GEMM, 2^k walk)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { align, runtime, shapley } from '../lib/index.js';
import { report, settle, timeMedian, validate, type BenchOptions } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const D = 768;
const UTILITY = 'softmax-expectation' as const;

type Case =
  | { kind: 'loss'; k: number; d: number; m: number; seed: number; utility: string; reuse?: boolean }
  | { kind: 'exact'; k: number; n: number; d: number; utility: string };

const CASES: Case[] = [
  ...[32, 64, 128, 256].map((k) => ({ kind: 'loss' as const, k, d: D, m: 16, seed: 1, utility: UTILITY })),
  ...[4, 64].map((m) => ({ kind: 'loss' as const, k: 64, d: D, m, seed: 1, utility: UTILITY })),
  // a training loop's use: gradient buffers kept and zeroed in place (both sides)
  { kind: 'loss' as const, k: 64, d: D, m: 16, seed: 1, utility: UTILITY, reuse: true },
  ...[12, 16, 20].map((k) => ({ kind: 'exact' as const, k, n: k, d: D, utility: UTILITY })),
];

/** Same formula as the Python peer: a hash of the index in [-0.5, 0.5). */
function fill(n: number, salt: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i + salt, 2654435761) >>> 0) / 4294967296 - 0.5;
  return x;
}

interface PeerLine {
  ms: number;
  value: number | null;
  sample: number[];
}

/** The PyTorch peer as a long-lived process: one case in, one result line out. */
class Peer {
  private readonly proc;
  private readonly lines: AsyncIterableIterator<string>;
  private stderr = '';

  constructor(threads: number, reps: number) {
    const script = join(root, 'tools', 'reference', 'shapley_bench.py');
    // PyTorch's threads are its OpenMP intra-op threads (torch.set_num_threads); OpenBLAS under it
    // runs single-threaded, with the kernels it detects for this CPU (as in the encoders bench):
    // its own pthread pool beside OpenMP's oversubscribed the 2 cores (2-thread cases of 12 ms
    // instead of 1.6), and with it a "1-thread" PyTorch used a second core in its GEMMs.
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    this.proc = spawn('/usr/bin/python3', [script], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.proc.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
    this.proc.stdin.write(`${JSON.stringify({ threads, reps })}\n`);
  }

  async run(c: Case): Promise<PeerLine> {
    this.proc.stdin.write(`${JSON.stringify(c)}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`PyTorch peer failed (needs /usr/bin/python3 with torch): ${this.stderr}`);
    return JSON.parse(next.value) as PeerLine;
  }

  close(): void {
    this.proc.stdin.end();
  }
}

const strided = (x: ArrayLike<number>, count: number) => Array.from({ length: count }, (_, i) => x[i * Math.max(1, Math.floor(x.length / count))]!);

export async function run(opts: BenchOptions & { threads?: number[] }): Promise<void> {
  for (const threads of opts.threads ?? [1, 2]) {
    if (!opts.json) process.stderr.write(`threads=${threads}, ours ${runtime.info().kernelPath}, peer PyTorch (torch.set_num_threads(${threads}))\n`);
    const peer = new Peer(threads, opts.reps);
    runtime.setThreads(threads);
    for (const c of CASES) {
      const p = await peer.run(c);  // right before ours, so that both see the same machine state
      await settle();
      if (c.kind === 'loss') {
        const o = { players: fill(c.k * c.d, 1), targets: fill(c.k * c.d, 2), k: c.k, d: c.d, permutations: c.m, seed: c.seed, utility: UTILITY };
        const first = await align.shapleyContrastiveLoss(o);
        validate(`shapley loss k=${c.k}`, [first.loss], [p.value!], 1e-4, 0);
        validate(`shapley dPlayers k=${c.k}`, strided(first.dPlayers, p.sample.length), p.sample, 2e-3, 1e-7);
        const dPlayers = new Float32Array(c.k * c.d), dTargets = new Float32Array(c.k * c.d);
        const call = c.reuse
          ? () => (dPlayers.fill(0), dTargets.fill(0), align.shapleyContrastiveLoss({ ...o, dPlayers, dTargets }))
          : () => align.shapleyContrastiveLoss(o);
        const ms = await timeMedian(call, opts.reps);
        const note = c.reuse ? ' reused grad buffers' : '';
        report(
          {
            bench: 'shapley', shape: `loss fwd+bwd k=${c.k} d=${c.d} M=${c.m} antithetic${note} threads=${threads}`, ours_ms: ms,
            peer: 'pytorch', peer_ms: p.ms, ratio: p.ms / ms, unit: 'batches/s', value: 1e3 / ms, peer_value: 1e3 / p.ms, threads,
          },
          opts,
        );
      } else {
        const o = { players: fill(c.k * c.d, 1), targets: fill(c.n * c.d, 2), k: c.k, n: c.n, d: c.d, method: 'exact' as const, utility: UTILITY };
        const first = await shapley.values(o);
        validate(`shapley exact k=${c.k}`, strided(first.phi, p.sample.length), p.sample, 1e-3, 1e-4);
        const ms = await timeMedian(() => shapley.values(o), opts.reps);
        report(
          {
            bench: 'shapley', shape: `exact k=${c.k} n=${c.n} d=${c.d} threads=${threads}`, ours_ms: ms, peer: 'pytorch',
            peer_ms: p.ms, ratio: p.ms / ms, unit: 'games/s', value: c.n / (ms / 1e3), peer_value: c.n / (p.ms / 1e3), threads,
          },
          opts,
        );
      }
    }
    peer.close();
  }
  runtime.setThreads(0);
}
