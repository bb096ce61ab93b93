// Inference precision: BERT-base forward (32 × 64 tokens) and ViT-B/16 forward (8 × 224²) at
// fp32, bf16 and int8 (ours), against onnxruntime-node fp32 and int8 (dynamic quantisation) and
// PyTorch fp32 and qint8 (quantize_dynamic), same weights, inputs and thread count, in one run.
// The peers run in processes of their own, one after another with ours (their thread pools must
// not share our process): tools/reference/export_onnx.py writes the ONNX graphs,
// bench/peers/ort-encoder.ts times onnxruntime, tools/reference/bench_encoders.py PyTorch.
// Before timing, every output is checked: fp32 ones against PyTorch's (1e-3), the low-precision
// ones by their per-token cosine with our fp32 output. With --rounds N, onnxruntime and ours are
// timed N times in alternation (each round: the median of its repetitions) and the ratio is that of
// the medians of the rounds (DESIGN §5); the ratio of the best rounds is reported beside it
// (PyTorch, far behind, once).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { agreement } from '../lib/bench/agreement.js';
import { BertEncoder, VitEncoder } from '../lib/encoders/index.js';
import { availablePrecisions, type Precision } from '../lib/precision.js';
import * as runtime from '../lib/runtime.js';
import { median, report, settle, timeMedian, validate, type BenchOptions } from './harness.js';
import { bertInputs, hashed } from './inputs.js';

const here = dirname(fileURLToPath(import.meta.url));
const TOOLS = join(here, '..', 'tools', 'reference');

interface PeerResult {
  ms: number;
  sample: number[];
}

function lastJson(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): PeerResult {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${what} failed: ${(r.stderr ?? '').split('\n').slice(-4).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

function peerEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), GLOG_minloglevel: '2' };
  delete env.OPENBLAS_CORETYPE;
  return env;
}

function ortPeer(kind: string, file: string, threads: number, reps: number, batch: number, n: number, vocab: number): PeerResult {
  const args = ['--import', 'tsx', join(here, 'peers', 'ort-encoder.ts'), kind, file, ...[threads, reps, batch, n, vocab].map(String)];
  return lastJson(process.execPath, args, peerEnv(threads), 'onnxruntime peer');
}

function torchPeer(kind: string, dir: string, mode: 'fwd' | 'fwdq', threads: number, reps: number, batch: number, n: number): PeerResult {
  const args = [join(TOOLS, 'bench_encoders.py'), kind, dir, mode, ...[threads, reps, batch, n].map(String)];
  return lastJson('/usr/bin/python3', args, peerEnv(threads), 'PyTorch peer');
}

function agree(label: string, got: ArrayLike<number>, fp32: ArrayLike<number>, min: number): void {
  const c = agreement(got, fp32, 64).minCos;
  if (!(c >= min)) throw new Error(`${label}: cosine with fp32 ${c.toFixed(5)} < ${min}`);
}

const MIN_COS: Record<string, number> = { bf16: 0.999, int8: 0.99 };

interface Model {
  kind: 'bert' | 'vit';
  label: string;
  dir: string;
  batch: number;
  n: number;
  vocab: number;
  unit: string;
  items: number;
  forward: (p: Precision) => Promise<Float32Array>;
}

async function runModel(m: Model, threadCounts: number[], reps: number, rounds: number, opts: BenchOptions): Promise<void> {
  const onnx = join(m.dir, '..', `${m.kind}.onnx`), onnx8 = join(m.dir, '..', `${m.kind}-int8.onnx`);
  const ex = spawnSync('/usr/bin/python3', [join(TOOLS, 'export_onnx.py'), m.kind, m.dir, onnx, onnx8, String(m.batch), String(m.n)], { encoding: 'utf8' });
  if (ex.status !== 0) throw new Error(`ONNX export failed: ${ex.stderr.split('\n').slice(-4).join(' ')}`);
  const ours = (['fp32', 'bf16', 'int8'] as const).filter((p) => {
    if (availablePrecisions().includes(p)) return true;
    process.stderr.write(`  ${m.label} ${p}: skipped, this CPU has no ${p} kernels\n`);
    return false;
  });
  for (const threads of threadCounts) {
    runtime.setThreads(threads);
    const note = `threads=${threads}`;
    const peers = {
      'pytorch fp32': torchPeer(m.kind, m.dir, 'fwd', threads, reps, m.batch, m.n),
      'pytorch qint8': torchPeer(m.kind, m.dir, 'fwdq', threads, reps, m.batch, m.n),
      'onnxruntime fp32': ortPeer(m.kind, onnx, threads, reps, m.batch, m.n, m.vocab),
      'onnxruntime int8': ortPeer(m.kind, onnx8, threads, reps, m.batch, m.n, m.vocab),
    };
    await settle();
    const fp32 = (await m.forward('fp32')).subarray(0, 256);
    validate(`${m.label} fp32 vs PyTorch`, fp32, peers['pytorch fp32'].sample, 1e-3, 1e-3);
    validate(`${m.label} onnxruntime fp32 vs ours`, peers['onnxruntime fp32'].sample, fp32, 1e-3, 1e-3);
    agree(`${m.label} onnxruntime int8`, peers['onnxruntime int8'].sample, fp32, MIN_COS.int8!);
    agree(`${m.label} pytorch qint8`, peers['pytorch qint8'].sample, fp32, MIN_COS.int8!);
    for (const p of ours) {
      if (p !== 'fp32') agree(`${m.label} ${p}`, (await m.forward(p)).subarray(0, 256), fp32, MIN_COS[p]!);
    }
    // Rounds: onnxruntime's two graphs, then ours, again and again; each side's rounds are kept.
    const timed: Record<string, number[]> = {};
    const keep = (key: string, ms: number) => {
      (timed[key] ??= []).push(ms);
    };
    keep('onnxruntime fp32', peers['onnxruntime fp32'].ms);  // round 1's: the runs validated above
    keep('onnxruntime int8', peers['onnxruntime int8'].ms);
    for (let r = 0; r < rounds; r++) {
      if (r > 0) {
        keep('onnxruntime fp32', ortPeer(m.kind, onnx, threads, reps, m.batch, m.n, m.vocab).ms);
        keep('onnxruntime int8', ortPeer(m.kind, onnx8, threads, reps, m.batch, m.n, m.vocab).ms);
        await settle();
      }
      for (const p of ours) keep(p, await timeMedian(() => m.forward(p), reps, 1));
    }
    for (const p of ours) {
      const ms = median(timed[p]!), best = Math.min(...timed[p]!);
      const peerNames = p === 'int8' ? ['onnxruntime int8', 'pytorch qint8'] : ['onnxruntime fp32', 'pytorch fp32'];
      for (const peer of peerNames) {
        const ort = peer.startsWith('pytorch') ? undefined : timed[peer]!;
        const pm = ort ? median(ort) : peers[peer as keyof typeof peers].ms;
        report({
          bench: 'precision', shape: `${m.label} ${p} ${note}`, ours_ms: ms, peer, peer_ms: pm, ratio: pm / ms, unit: m.unit,
          value: (m.items * 1000) / ms, peer_value: (m.items * 1000) / pm, threads,
          ...(ort ? { rounds: ort.length, best_ratio: Math.min(...ort) / best } : {}),
        }, opts);
      }
    }
  }
}

export async function run(opts: BenchOptions & { threads?: number[]; rounds?: number }): Promise<void> {
  const reps = Math.min(opts.reps, 3);
  const rounds = opts.rounds ?? 1;
  const threadCounts = opts.threads ?? [1, Math.min(2, availableParallelism())];
  const dir = await mkdtemp(join(tmpdir(), 'shapca-bench-prec-'));
  try {
    const bert = await BertEncoder.random({}, 1, { pooler: false });
    await bert.save(join(dir, 'bert'));
    const x = bertInputs(32, 64, bert.config.vocab_size);
    await runModel({
      kind: 'bert', label: 'bert-base forward 32x64', dir: join(dir, 'bert'), batch: 32, n: 64, vocab: bert.config.vocab_size,
      unit: 'tokens/s', items: 32 * 64, forward: async (precision) => (await bert.forward({ ...x, precision })).lastHiddenState,
    }, threadCounts, reps, rounds, opts);
    bert.dispose();

    const vit = await VitEncoder.random({}, 2);
    await vit.save(join(dir, 'vit'));
    const pixels = hashed(8 * 3 * 224 * 224);
    await runModel({
      kind: 'vit', label: 'vit-b/16 forward 8x224²', dir: join(dir, 'vit'), batch: 8, n: 224, vocab: 0, unit: 'images/s', items: 8,
      forward: async (precision) => (await vit.forward({ pixels, batch: 8, precision })).lastHiddenState,
    }, threadCounts, reps, rounds, opts);
    vit.dispose();
  } finally {
    runtime.setThreads(0);
    await rm(dir, { recursive: true, force: true });
  }
}
