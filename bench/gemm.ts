// SGEMM: ours vs OpenBLAS (cblas_sgemm via bench/peers/openblas_gemm.c), same inputs, same
// thread counts, same run. Shapes: 1024³ and a BERT-base layer over 2048 tokens, in the
// transposition each pass uses (forward x·Wᵀ = NT, backward data dY·W = NN, weights dYᵀ·X = TN).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { kernels, runtime } from '../lib/index.js';
import { report, timeMedian, validate, type BenchOptions } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

interface Shape {
  m: number;
  n: number;
  k: number;
  ta: boolean;
  tb: boolean;
  note: string;
}

const SHAPES: Shape[] = [
  { m: 1024, n: 1024, k: 1024, ta: false, tb: false, note: 'square' },
  { m: 2048, n: 768, k: 768, ta: false, tb: true, note: 'fwd attn proj' },
  { m: 2048, n: 3072, k: 768, ta: false, tb: true, note: 'fwd ffn up' },
  { m: 2048, n: 768, k: 3072, ta: false, tb: true, note: 'fwd ffn down' },
  { m: 2048, n: 768, k: 768, ta: false, tb: false, note: 'bwd data attn proj' },
  { m: 2048, n: 768, k: 3072, ta: false, tb: false, note: 'bwd data ffn up' },
  { m: 2048, n: 3072, k: 768, ta: false, tb: false, note: 'bwd data ffn down' },
  { m: 768, n: 768, k: 2048, ta: true, tb: false, note: 'bwd weight attn proj' },
  { m: 3072, n: 768, k: 2048, ta: true, tb: false, note: 'bwd weight ffn up' },
  { m: 768, n: 3072, k: 2048, ta: true, tb: false, note: 'bwd weight ffn down' },
];

/** Same formula as the C peer: a hash of the index in [-0.5, 0.5). */
function fill(n: number, salt: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i + salt, 2654435761) >>> 0) / 4294967296 - 0.5;
  return x;
}

/** Builds the OpenBLAS harness once (needs libopenblas-dev). */
function buildPeer(): string {
  const src = join(here, 'peers', 'openblas_gemm.c');
  const out = join(root, 'build', 'bench', 'openblas_gemm');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    try {
      execFileSync('cc', ['-O2', src, '-o', out, '-lopenblas'], { stdio: 'pipe' });
    } catch (err) {
      const msg = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      throw new Error(`could not build the OpenBLAS peer (apt-get install libopenblas-dev): ${msg.split('\n')[0]}`);
    }
  }
  return out;
}

interface PeerLine {
  m: number;
  n: number;
  k: number;
  ms: number;
  core: string;
  sample: number[];
}

function runPeer(bin: string, threads: number, reps: number, shape: Shape, core?: string): PeerLine {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are pinned on some machines for old numpy builds; the
  // peer runs with OpenBLAS's own CPU detection unless a core is asked for (e.g. Haswell, its
  // AVX2 kernels); the core used is reported in the results.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (core) env.OPENBLAS_CORETYPE = core;
  const args = [String(threads), String(reps), ...[shape.m, shape.n, shape.k, +shape.ta, +shape.tb].map(String)];
  const r = spawnSync(bin, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`OpenBLAS peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as PeerLine;
}

export async function run(opts: BenchOptions & { threads?: number[]; openblasCore?: string }): Promise<void> {
  const bin = buildPeer();
  const threadCounts = opts.threads ?? [1, 2];
  for (const threads of threadCounts) {
    if (!opts.json) process.stderr.write(`threads=${threads}, ours ${runtime.info().kernelPath}\n`);
    runtime.setThreads(threads);
    for (const s of SHAPES) {
      // The peer runs in its own process right before ours, shape by shape, so that both see
      // the same machine state.
      const p = runPeer(bin, threads, opts.reps, s, opts.openblasCore);
      const a = fill(s.m * s.k, 1), b = fill(s.k * s.n, 2);
      const c = new Float32Array(s.m * s.n);
      const call = () => kernels.sgemm({ transA: s.ta, transB: s.tb, m: s.m, n: s.n, k: s.k, a, b, c });
      await call();
      validate(`gemm ${s.m}x${s.n}x${s.k}`, Array.from({ length: 16 }, (_, j) => c[(j * 7919) % (s.m * s.n)]!), p.sample, 1e-4, 1e-4);
      const ms = await timeMedian(call, opts.reps);
      const gflop = (2 * s.m * s.n * s.k) / 1e9;
      report(
        {
          bench: 'gemm',
          shape: `${s.m}x${s.n}x${s.k} ${s.ta ? 't' : 'n'}${s.tb ? 't' : 'n'} (${s.note}) threads=${threads}`,
          ours_ms: ms,
          peer: `openblas-${p.core}`,
          peer_ms: p.ms,
          ratio: p.ms / ms,
          unit: 'GFLOP/s',
          value: gflop / (ms / 1e3),
          peer_value: gflop / (p.ms / 1e3),
          threads,
        },
        opts,
      );
    }
  }
  runtime.setThreads(0);
}
