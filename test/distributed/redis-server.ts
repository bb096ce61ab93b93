// A real redis-server for the tests: on a free 127.0.0.1 port, nothing saved to disk, stopped at
// the end (and when the test process exits, even on failure). `restart` stops it and starts a
// fresh, empty one on the same port, as a crashed Redis without persistence comes back.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface TestRedis {
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Why redis-server cannot be used here, or null when it can. */
export function redisMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'redis-server is not installed (apt-get install redis-server; .ci/run does it)' : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the port accepts connections (bounded: 20 s). */
async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function startRedis(o: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(o.password ? ['--requirepass', o.password] : [])];
    const p = spawn('redis-server', args, { stdio: 'ignore' });
    running.add(p);
    p.once('exit', () => running.delete(p));
    child = p;
    await waitForPort(port);
  };
  const stop = async () => {
    const p = child;
    if (!p || p.exitCode !== null) return;
    child = null;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL'); // like a crash: nothing is saved
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://${o.password ? `:${o.password}@` : ''}127.0.0.1:${port}`,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
  };
}
