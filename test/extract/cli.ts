// Running the shapca CLI in this process (no start-up cost) with stdout and stderr captured; the
// spawned CLI is kept for what needs a real process (kill and resume).
import { spawnSync } from 'node:child_process';

import { main } from '../../lib/cli/main.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

function capture(into: string[]): Write {
  return ((chunk: string | Uint8Array, a?: unknown, b?: unknown) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = typeof a === 'function' ? a : b;
    if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)());
    return true;
  }) as Write;
}

export async function cli(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let code: number;
  try {
    code = await main(['node', 'shapca', ...args]);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

export function spawnCli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
