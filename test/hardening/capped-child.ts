// Runs a TypeScript child under memory caps (the JS heap by --max-old-space-size, the address space
// by prlimit --as when the system has it) and a time cap,
// and reports how it ended: exit status or signal, whether the time cap killed it, and its peak
// RSS (the child prints it on exit through report-rss.ts). The fuzz tests assert on all three.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Under ASan (npm run test:sanitize) the shadow memory is terabytes of address space: no --as cap.
export const sanitized = process.env.SHAPCA_SANITIZED === '1';
const hasPrlimit = !sanitized && spawnSync('prlimit', ['--version'], { encoding: 'utf8' }).status === 0;
let warned = false;

export interface CappedResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Peak resident memory in bytes, when the child lived to report it. */
  maxRss: number | undefined;
  ms: number;
}

export interface CapOptions {
  timeoutMs: number;
  /** Address-space cap (prlimit --as); the resident peak is checked separately on maxRss. */
  memoryBytes: number;
  /** JS heap cap (--max-old-space-size, MiB): past it V8 aborts, which the caller sees as a signal. Default 1024. */
  heapMb?: number;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** Called with each stdout chunk (kill tests watch for progress). */
  onStdout?: (chunk: string, kill: () => void) => void;
}

export function runCapped(script: string, args: string[], o: CapOptions): Promise<CappedResult> {
  // WebAssembly (tsx's lexer, undici's HTTP parser) reserves ~10 GiB of guard pages per memory
  // unless the trap handler is off; with it off, an address-space cap of a few GiB holds.
  const wasm = process.allowedNodeEnvironmentFlags.has('--disable-wasm-trap-handler') ? ['--disable-wasm-trap-handler'] : [];
  const node = [`--max-old-space-size=${o.heapMb ?? 1024}`, ...wasm, ...(o.nodeArgs ?? []), '--import', 'tsx', '--import', join(here, 'report-rss.ts'), script, ...args];
  if (!hasPrlimit && !warned) {
    warned = true;
    console.log(`${sanitized ? 'under ASan' : 'prlimit not found'}: children run without an address-space cap (their peak RSS is still checked)`);
  }
  const [cmd, argv] = hasPrlimit ? ['prlimit', [`--as=${o.memoryBytes}`, '--', process.execPath, ...node]] : [process.execPath, node];
  const started = Date.now();
  return new Promise((resolve) => {
    // Two malloc arenas: glibc reserves 64 MiB of address space per arena (up to 8 per core), which
    // under an address-space cap makes thread creation in libvips fail long before memory is used.
    const env = { ...process.env, NO_COLOR: '1', MALLOC_ARENA_MAX: '2', ...o.env };
    const child = spawn(cmd as string, argv as string[], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      o.onStdout?.(c, kill);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const m = /^@maxrss (\d+)$/m.exec(stderr);
      resolve({ status, signal, timedOut, stdout, stderr: stderr.replace(/^@maxrss \d+\n?/m, ''), maxRss: m ? Number(m[1]) * 1024 : undefined, ms: Date.now() - started });
    });
  });
}

/** A peak-RSS bound for assertions: ASan's shadow memory and quarantine need room on top. */
export const rssBound = (bytes: number): number => (sanitized ? 4 * bytes : bytes);

/** A one-line account of how a child ended, for assertion messages. */
export function describeEnd(r: CappedResult): string {
  return `exit ${r.status} signal ${r.signal}${r.timedOut ? ' (time cap)' : ''} after ${r.ms} ms, peak RSS ${r.maxRss === undefined ? '?' : `${(r.maxRss / 2 ** 20).toFixed(0)} MiB`}; stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}
