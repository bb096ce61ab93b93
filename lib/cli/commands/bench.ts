// `shapca bench [gemm|shapley|encoders|extract|all]`: measures the kernels and models on this
// machine (lib/bench): time, throughput, GFLOP/s and the fraction of the machine's measured
// ceiling at each precision.
import { availableParallelism } from 'node:os';

import { Argument, type Command } from 'commander';

import { BENCHMARKS, type BenchName, type BenchRow, runBenchmarks } from '../../bench/index.js';
import { info, setThreads } from '../../runtime.js';
import { positiveInt } from '../parse.js';

interface BenchFlags {
  threads?: number[];
  reps: number;
  json?: boolean;
}

function threadList(value: string): number[] {
  const list = value.split(',').map(Number);
  if (list.some((t) => !Number.isInteger(t) || t < 1 || t > 256)) {
    throw new Error(`expected --threads as comma-separated integers in [1, 256] but received '${value}'`);
  }
  return list;
}

function line(r: BenchRow): string {
  const rate = r.gflops === undefined || r.unit === 'GFLOP/s' ? '' : `  ${r.gflops.toFixed(1)} GFLOP/s`;
  const peak = r.peakFraction === undefined ? '' : ` (${(100 * r.peakFraction).toFixed(0)}% of peak)`;
  return `${r.bench.padEnd(8)} ${r.case.padEnd(34)} ${r.precision.padEnd(4)} threads=${r.threads}  ${r.ms.toFixed(2).padStart(9)} ms  ${r.value.toFixed(1)} ${r.unit}${rate}${peak}\n`;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('Measure the kernels and models on this machine: GFLOP/s and the fraction of its measured peak, at each precision (fp32, bf16, int8) its CPU has kernels for')
    .addArgument(new Argument('[which]', 'what to measure').choices([...Object.keys(BENCHMARKS), 'all']).default('all'))
    .option('--threads <list>', 'thread counts to run each case at, e.g. 1,2 (default: all cores)', threadList)
    .option('--reps <n>', 'timed repetitions per case (each is also timed over >= 200 ms)', positiveInt('--reps'), 5)
    .option('--json', 'print one JSON object per case')
    .addHelpText('after', `
Benchmarks:
  gemm      the linear layer (inp·Wᵀ + b) at BERT-base shapes over 2048 tokens and at 1024³
  shapley   the Shap-CA loss (forward + backward, k = 64, d = 768) and exact Shapley values (k = 16)
  encoders  BERT-base forward (32 × 64 tokens) and ViT-B/16 forward (8 × 224²), random weights
  extract   end-to-end extraction of 256 synthetic posts with images by an untrained tiny model
Peak: every thread runs a register-only loop of the instructions each precision's GEMMs use
(fp32 FMA, vdpbf16ps, vpdpbusd); "% of peak" is a case's GFLOP/s over that, same thread count.
Peers (OpenBLAS, PyTorch, onnxruntime-node) are compared by \`npm run bench\` in a source checkout.
Other programs running at the same time lower every figure.
`)
    .action(async (which: BenchName | 'all', f: BenchFlags) => {
      // What runs now: on a terminal one line that the next row overwrites; in a log (stderr not
      // a terminal) a line of its own, so that it does not run into the row printed after it.
      const note = (n: string): void => {
        process.stderr.write(process.stderr.isTTY ? `\r\x1b[2K  … ${n}\r` : `  … ${n}\n`);
      };
      const threads = f.threads ?? [availableParallelism()];
      const i = info();
      if (!f.json) {
        process.stderr.write(`kernel path ${i.kernelPath}; precisions ${i.precisions.join(', ')}; threads ${threads.join(', ')}\n`);
      }
      try {
        await runBenchmarks(which, {
          threads, reps: f.reps,
          onRow: (r) => process.stdout.write(f.json ? `${JSON.stringify(r)}\n` : line(r)),
          ...(f.json ? {} : { onNote: note }),
        });
      } finally {
        setThreads(0);
      }
    });
}
