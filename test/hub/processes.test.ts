// Several processes on one cache: a download killed with SIGKILL midway resumes in the next
// process from its .incomplete file (once the dead holder's lock has gone stale), and two
// processes fetching the same model at the same moment download it once, intact.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { resolveModel } from '../../lib/hub/index.js';
import { fakeHubFor, sha256 } from './hub-server.js';
import { bertRepo, hubEnv } from './repos.js';

const test = suite('hub: several processes');
const hub = fakeHubFor(test, { 'tiny/bert': bertRepo() });
const weights = bertRepo().files['model.safetensors']!;
const storageGets = () => hub.requests.filter((r) => r.method === 'GET' && r.path === `/storage/${sha256(weights)}`);


interface Child {
  proc: ChildProcess;
  out: () => string;
  ready: Promise<void>;
  exit: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/hub/fetch-child.ts', 'tiny/bert', JSON.stringify(env)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  proc.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) onReady();
  });
  proc.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, out: () => out, ready, exit };
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a download killed midway (SIGKILL) resumes from .incomplete in the next process', async () => {
  const env = await hubEnv(hub);
  const partial = join(env.HF_HOME!, 'hub', 'models--tiny--bert', 'blobs', `${sha256(weights)}.incomplete`);
  hub.faults.trickle = { chunk: 1024, pauseMs: 60 };
  const child = startChild(env);
  await child.ready;
  child.proc.stdin!.write('go\n');
  await until('a partial download', async () => (await stat(partial).then((s) => s.size, () => 0)) >= 4096);
  child.proc.kill('SIGKILL');
  await child.exit;
  const have = (await stat(partial)).size;
  assert.ok(have > 0 && have < weights.length, `${have} bytes`);
  hub.faults = {};
  hub.requests.length = 0;
  const lines: string[] = [];
  const r = await resolveModel('tiny/bert', { env, progress: false, log: (l) => lines.push(l) });
  assert.equal(storageGets().map((g) => g.range), [`bytes=${have}-`]);
  assert.ok(lines.some((l) => /waiting for another process/.test(l)), 'the dead holder\'s lock was waited out');
  assert.equal(await readFile(join(r.dir, 'model.safetensors')), weights);
});

test('two processes fetching one model at once: one download, both get the intact file', async () => {
  const env = await hubEnv(hub);
  hub.faults.trickle = { chunk: 2048, pauseMs: 40 };
  const children = [startChild(env), startChild(env)];
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.proc.stdin!.write('go\n');
  const codes = await Promise.all(children.map((c) => c.exit));
  assert.equal(codes, [0, 0], children.map((c) => c.out()).join('\n---\n'));
  const dirs = children.map((c) => /^done (.*)$/m.exec(c.out())![1]!);
  assert.is(dirs[0], dirs[1]);
  assert.is(storageGets().length, 1, 'downloaded once');
  assert.ok(children.some((c) => /waiting for another process that is downloading tiny\/bert\//.test(c.out())), children.map((c) => c.out()).join('\n---\n'));
  assert.equal(await readFile(join(dirs[0]!, 'model.safetensors')), weights);
});

test.run();
