// Real processes for the distributed tests: `shapca worker` and `shapca extract --queue` spawned
// through tsx (the same CLI users run), their stderr collected, stopped at the end (and killed
// when the test process exits, even on failure).
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = resolve(ROOT, 'lib', 'cli', 'main.ts');
// By URL: a process started in another folder (another machine's view of the volume) finds it too.
const TSX = import.meta.resolve('tsx');

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once stderr (or stdout) has matched. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

/** Kills what a failed test left running (its handles would keep the test process alive). */
export async function killAll(): Promise<void> {
  const left = [...alive];
  for (const c of left) c.kill('SIGKILL');
  await Promise.all(left.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
}

/** Runs the shapca CLI in a new process (from `cwd`, default the repository). */
export function spawnShapca(args: string[], o: { cwd?: string; env?: Record<string, string> } = {}): Proc {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: o.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', TSX_TSCONFIG_PATH: resolve(ROOT, 'tsconfig.json'), ...o.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => {
    alive.delete(child);
    res(code);
    for (const w of waiters) w();
  }));
  return {
    child, exited, stdout: () => out, stderr: () => err,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((res, rej) => {
        const check = () => {
          if (pattern.test(err) || pattern.test(out)) done(null);
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`process exited before ${pattern}: ${err.slice(-400)}`));
        };
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}: ${err.slice(-400)}`)), timeoutMs);
        const done = (e: Error | null) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) rej(e);
          else res();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** A worker serving the queue: one native thread, a short lock so a killed one is noticed quickly. */
export async function startWorker(url: string, name: string, o: { cwd?: string; env?: Record<string, string> } = {}): Promise<Proc> {
  const w = spawnShapca(['worker', '--queue', url, '--threads', '1', '--name', name, '--lock-ms', '2000'], o);
  await w.waitFor(/waiting for runs/);
  return w;
}

/** Stops a worker as an orchestrator would (SIGTERM) and returns its exit code. */
export async function stopWorker(w: Proc): Promise<number | null> {
  if (w.child.exitCode !== null) return w.child.exitCode;
  w.child.kill('SIGTERM');
  return w.exited;
}
