// Encoders: BERT-base forward (batch 32 × 64 tokens) and forward + backward, ViT-B/16 forward
// (batch 8, 224²), ours vs PyTorch CPU (tools/reference/bench_encoders.py, /usr/bin/python3)
// with the same weights, inputs and thread count, in the same run. Each case first checks that
// both produce the same output (and gradient), then reports the median time, tokens/s (images/s
// for ViT) and our GFLOP/s.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BertEncoder, VitEncoder } from '../lib/encoders/index.js';
import * as runtime from '../lib/runtime.js';
import { report, timeMedian, validate, type BenchOptions } from './harness.js';
import { bertInputs, hashed } from './inputs.js';

const here = dirname(fileURLToPath(import.meta.url));
const PEER = join(here, '..', 'tools', 'reference', 'bench_encoders.py');

interface PeerResult {
  ms: number;
  threads: number;
  sample: number[];
  grad_sample?: number[];
}

function runPeer(args: (string | number)[], threads: number): PeerResult {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;  // let OpenBLAS detect the CPU, as the gemm benchmark does
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [PEER, ...args.map(String)], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`PyTorch peer failed: ${r.stderr.split('\n').slice(-4).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

/** Multiply-adds ×2 of one encoder forward: per layer 4C² + 2CI per token, plus QKᵀ and ·V. */
function forwardFlops(tokens: number, seq: number, c: number, inter: number, layers: number): number {
  return 2 * layers * tokens * (4 * c * c + 2 * c * inter + 2 * seq * c);
}

export async function run(opts: BenchOptions & { threads?: number[] }): Promise<void> {
  const reps = Math.min(opts.reps, 3);  // seconds per repetition: 3 is plenty for a median
  const threadCounts = opts.threads ?? [availableParallelism()];
  const dir = await mkdtemp(join(tmpdir(), 'shapca-bench-enc-'));
  try {
    const bert = await BertEncoder.random({}, 1, { pooler: false });
    await bert.save(join(dir, 'bert'));
    const [batch, seq] = [32, 64];
    const inputs = bertInputs(batch, seq, bert.config.vocab_size);
    const flops = forwardFlops(batch * seq, seq, 768, 3072, 12);
    for (const threads of threadCounts) {
      runtime.setThreads(threads);
      const note = `threads=${threads}`;
      // forward
      const peer = runPeer(['bert', join(dir, 'bert'), 'fwd', threads, reps, batch, seq], threads);
      const out = await bert.forward(inputs);
      validate('bert forward', out.lastHiddenState.subarray(0, 256), peer.sample, 1e-3, 1e-3);
      const ms = await timeMedian(() => bert.forward(inputs), reps, 1);
      const tokens = batch * seq;
      report({
        bench: 'encoders', shape: `bert-base forward ${batch}x${seq} ${note}`, ours_ms: ms, peer: 'pytorch-cpu', peer_ms: peer.ms,
        ratio: peer.ms / ms, unit: 'tokens/s', value: (tokens * 1000) / ms, peer_value: (tokens * 1000) / peer.ms, threads,
      }, opts);
      if (!opts.json) process.stderr.write(`    ours ${((flops / ms) * 1e-6).toFixed(1)} GFLOP/s, PyTorch ${((flops / peer.ms) * 1e-6).toFixed(1)} GFLOP/s\n`);
      // forward + backward
      const peerTrain = runPeer(['bert', join(dir, 'bert'), 'fwdbwd', threads, reps, batch, seq], threads);
      const dout = hashed(batch * seq * 768, 12345).map((v) => v * 0.01);
      const step = async () => {
        bert.zeroGrad();
        await bert.forward({ ...inputs, train: true });
        await bert.backward({ dLastHiddenState: dout });
      };
      await step();
      validate('bert dWq', bert.grad('encoder.layer.0.attention.self.query.weight').subarray(0, 256), peerTrain.grad_sample ?? [], 2e-3, 1e-6);
      const msTrain = await timeMedian(step, reps, 1);
      report({
        bench: 'encoders', shape: `bert-base forward+backward ${batch}x${seq} ${note}`, ours_ms: msTrain, peer: 'pytorch-cpu',
        peer_ms: peerTrain.ms, ratio: peerTrain.ms / msTrain, unit: 'tokens/s', value: (tokens * 1000) / msTrain,
        peer_value: (tokens * 1000) / peerTrain.ms, threads,
      }, opts);
      if (!opts.json) process.stderr.write(`    ours ${((3 * flops / msTrain) * 1e-6).toFixed(1)} GFLOP/s, PyTorch ${((3 * flops / peerTrain.ms) * 1e-6).toFixed(1)} GFLOP/s\n`);
    }
    bert.dispose();

    const vit = await VitEncoder.random({}, 2);
    await vit.save(join(dir, 'vit'));
    const images = 8;
    const pixels = hashed(images * 3 * 224 * 224);
    const vflops = forwardFlops(images * vit.tokens, vit.tokens, 768, 3072, 12) + 2 * images * 196 * 768 * 768;
    for (const threads of threadCounts) {
      runtime.setThreads(threads);
      const peer = runPeer(['vit', join(dir, 'vit'), 'fwd', threads, reps, images, 224], threads);
      const out = await vit.forward({ pixels, batch: images });
      validate('vit forward', out.lastHiddenState.subarray(0, 256), peer.sample, 1e-3, 1e-3);
      const ms = await timeMedian(() => vit.forward({ pixels, batch: images }), reps, 1);
      report({
        bench: 'encoders', shape: `vit-b/16 forward ${images}x224² threads=${threads}`, ours_ms: ms, peer: 'pytorch-cpu', peer_ms: peer.ms,
        ratio: peer.ms / ms, unit: 'images/s', value: (images * 1000) / ms, peer_value: (images * 1000) / peer.ms, threads,
      }, opts);
      if (!opts.json) process.stderr.write(`    ours ${((vflops / ms) * 1e-6).toFixed(1)} GFLOP/s, PyTorch ${((vflops / peer.ms) * 1e-6).toFixed(1)} GFLOP/s\n`);
    }
    vit.dispose();
  } finally {
    runtime.setThreads(0);
    await rm(dir, { recursive: true, force: true });
  }
}
