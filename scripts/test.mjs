#!/usr/bin/env node
// `npm test`: builds and runs the native test binary (native/tests, no Node involved), then the
// uvu suites under tsx, and ends with one line "N passed, N failed" over both.
//   npm test                 everything
//   npm test -- PATTERN      only uvu test files whose path matches PATTERN (native tests still run)
//   npm run test:native      only the native binary
import { spawnSync } from 'node:child_process';
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

// 2. uvu suites
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
