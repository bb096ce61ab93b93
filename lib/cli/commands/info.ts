import type { Command } from 'commander';

import * as runtime from '../../runtime.js';
import { printJson } from '../output.js';

function cudaLine(cuda: runtime.CudaStatus): string {
  const where = cuda.usable ? '--device cuda runs the encoders on the GPU' : '--device cuda runs on the CPU';
  if (!cuda.built) return `not built (${cuda.message}); ${where}`;
  if (cuda.devices > 0) return `${cuda.devices} device(s), ${cuda.device ?? ''}${cuda.usable ? '' : ` (${cuda.message})`}; ${where}`;
  return `built, no device (${cuda.message}); ${where}`;
}

export function register(program: Command): void {
  program
    .command('info')
    .description('Show the native core in use: kernel path (avx512/avx2/scalar), CPU features, the inference precisions with fast kernels (--precision), threads, and what the CUDA probe found (whether --device cuda can use a GPU)')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const info = { ...runtime.info(), cuda: runtime.cuda() };
      if (opts.json) {
        printJson(info);
        return;
      }
      process.stdout.write(
        `kernel path: ${info.kernelPath}\nCPU: avx2=${info.avx2} fma=${info.fma} avx512f=${info.avx512f} avx512bf16=${info.avx512bf16} avx512vnni=${info.avx512vnni}\n` +
          `precisions: ${info.precisions.join(', ')} (others run in fp32)\nthreads: ${info.threads}\nCUDA: ${cudaLine(info.cuda)}\n`,
      );
    });
}
