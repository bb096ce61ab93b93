#!/usr/bin/env node
// `npm test`: builds and runs the native test binary (native/tests, no Node involved), checks the
// CUDA kernels (native/cuda: compiled with nvcc for sm_80 when nvcc is present, and run under the
// CPU emulator against the CPU kernels), then the uvu suites under tsx, and ends with one line
// "N passed, N failed" over all of them.
//   npm test                 everything
//   npm test -- PATTERN      only uvu test files whose path matches PATTERN (native tests still run)
//   npm run test:native      only the native binary
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const nativeOnly = args.includes('--native-only');
const pattern = args.find((a) => !a.startsWith('--'));
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

let passed = 0;
let failed = 0;

function runCapture(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  process.stdout.write(out);
  return { status: r.status ?? 1, out, error: r.error };
}

function step(title) {
  console.log(`\n== ${title}`);
}

// 1. native tests
step('native tests (cmake build of native/, then build-native/shapca_tests)');
const buildDir = join(root, 'build-native');
const configure = runCapture('cmake', ['-S', 'native', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'pipe' });
const build = configure.status === 0 ? runCapture('cmake', ['--build', buildDir, '-j', '2']) : configure;
if (build.status !== 0) {
  console.log('native build FAILED');
  failed += 1;
} else {
  const r = runCapture(join(buildDir, 'shapca_tests'), []);
  const m = /^(\d+) passed, (\d+) failed$/m.exec(r.out);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  } else {
    console.log(`native tests ended without a summary (exit ${r.status})`);
    failed += 1;
  }
  if (r.status !== 0 && !(m && Number(m[2]) > 0)) failed += 1;
}

// 2. CUDA kernels: one build folder for the nvcc compile check (configure + build for sm_80 only;
// the real build, scripts/gpu-check.sh, uses 80;90) and the CPU-emulator build of the same sources.
step('CUDA kernels (nvcc compile check for sm_80, then the kernels under the CPU emulator vs the CPU)');
{
  const cudaDir = join(root, 'build-cuda-check');
  mkdirSync(cudaDir, { recursive: true });
  writeFileSync(join(cudaDir, '.gitignore'), '*\n');
  const nvcc = spawnSync('nvcc', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!nvcc) console.log('nvcc not found: the CUDA compile check is skipped (the emulator run still happens)');
  const cudaArgs = nvcc ? ['-DSHAPCA_CUDA=ON', '-DCMAKE_CUDA_ARCHITECTURES=80'] : ['-DSHAPCA_CUDA=OFF'];
  const targets = ['shapca_cuda_emu_tests', ...(nvcc ? ['shapca_cuda_tests', 'shapca_cuda_bench'] : [])];
  const conf = runCapture('cmake', ['-S', 'native', '-B', cudaDir, '-DCMAKE_BUILD_TYPE=Release', '-DSHAPCA_CUDA_EMULATE=ON', ...cudaArgs]);
  const built = conf.status === 0 ? runCapture('cmake', ['--build', cudaDir, '-j', '2', '--target', ...targets]) : conf;
  if (built.status !== 0) {
    console.log('CUDA build FAILED');
    failed += 1;
  } else {
    if (nvcc) {
      // Without a GPU the binary must say so and exit 0; with one, its cases count like the others.
      const r = runCapture(join(cudaDir, 'shapca_cuda_tests'), []);
      const m = /^(\d+) passed, (\d+) failed$/m.exec(r.out);
      if (/every case was skipped because no CUDA device was found/.test(r.out) && r.status === 0) {
        console.log('CUDA compile check passed (no device here: the CUDA test binary skipped its cases)');
        passed += 1;
      } else if (m && r.status === 0) {
        passed += Number(m[1]);
      } else {
        console.log(`CUDA test binary failed (exit ${r.status})`);
        failed += m ? Math.max(1, Number(m[2])) : 1;
      }
    }
    const e = runCapture(join(cudaDir, 'shapca_cuda_emu_tests'), []);
    const m = /^(\d+) passed, (\d+) failed$/m.exec(e.out);
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    } else {
      console.log(`CUDA emulator tests ended without a summary (exit ${e.status})`);
      failed += 1;
    }
    if (e.status !== 0 && !(m && Number(m[2]) > 0)) failed += 1;
  }
}

// 3. uvu suites
if (!nativeOnly) {
  step('TypeScript tests (uvu under tsx)');
  const r = runCapture(process.execPath, ['--import', 'tsx', 'test/index.ts', ...(pattern ? [pattern] : [])]);
  const total = /Total:\s+(\d+)/.exec(r.out);
  const ok = /Passed:\s+(\d+)/.exec(r.out);
  if (total && ok) {
    passed += Number(ok[1]);
    failed += Number(total[1]) - Number(ok[1]);
    const skipped = /Skipped:\s+(\d+)/.exec(r.out);
    if (skipped && Number(skipped[1]) > 0) console.log(`(${skipped[1]} skipped)`);
  } else {
    console.log(`uvu ended without totals (exit ${r.status})`);
    failed += 1;
  }
  if (r.status !== 0 && failed === 0) failed += 1;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
