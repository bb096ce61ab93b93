import type { Command } from 'commander';

import * as runtime from '../../runtime.js';
import { printJson } from '../output.js';

function cudaLine(cuda: runtime.RuntimeInfo['cuda']): string {
  if (!cuda.built) return 'not built';
  return cuda.devices > 0 ? `${cuda.devices} device(s), ${cuda.device ?? ''}` : `built, no device (${cuda.message})`;
}

export function register(program: Command): void {
  program
    .command('info')
    .description('Show the native core in use: kernel path (avx512/avx2/scalar), CPU features, threads, CUDA')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const info = runtime.info();
      if (opts.json) {
        printJson(info);
        return;
      }
      process.stdout.write(
        `kernel path: ${info.kernelPath}\nCPU: avx2=${info.avx2} fma=${info.fma} avx512f=${info.avx512f}\nthreads: ${info.threads}\nCUDA: ${cudaLine(info.cuda)}\n`,
      );
    });
}
