// Distributed runs that meet trouble, with a real redis-server and real processes: a worker whose
// copy of the model differs refuses the run (the coordinator says so; another worker does the
// work, same bytes); a chunk that fails every attempt gets an error line per record and the run
// goes on; a bad URL, no server or a wrong password is a one-line error within seconds, the
// password never printed; and `context --queue` spreads context generation the same way.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import type { DistributedExtractSummary } from '../../lib/distributed/index.js';
import { extract } from '../../lib/index.js';
import { cli } from '../extract/cli.js';
import { tiny, tinyModel, type Tiny } from '../extract/tiny.js';
import { startFakeServer } from '../lmm/fake-server.js';
import { killAll, spawnShapca, startWorker, stopWorker } from './fleet.js';
import { redisMissing, startRedis, type TestRedis } from './redis-server.js';

const test = suite('distributed: refusals, failures, errors, contexts');
const missing = redisMissing();
const PASSWORD = 'pw-7d1c9e-never-print-me';
let t: Tiny;
let redis: TestRedis;
let root = '';
let input = '';
let reference = '';

test.before(async () => {
  if (missing) return;
  t = await tiny();
  root = mkdtempSync(join(tmpdir(), 'shapca-faults-'));
  // Three machines' views of the shared volume: the right model, another model at the same path, none.
  for (const d of ['a', 'b', 'c']) mkdirSync(join(root, d));
  cpSync(t.modelDir, join(root, 'a', 'model'), { recursive: true });
  await (await tinyModel(t.train, {}, 11)).save(join(root, 'b', 'model'));
  input = join(root, 'posts.jsonl');
  writeFileSync(input, `${Array.from({ length: 512 }, (_, i) => {
    const ex = t.train[i % t.train.length]!;
    return JSON.stringify({ id: `p${i}`, tokens: ex.tokens, image: `${ex.id.split('#')[0]}.jpg` });
  }).join('\n')}\n`);
  const out = join(root, 'single.jsonl');
  await extract.extractFile(extract.extractionModelOf(t.model), { input, output: out, imagesDir: join(t.data, 'images'), batchSize: 16, window: 128 });
  reference = readFileSync(out, 'utf8');
  redis = await startRedis();
});

test.after(async () => {
  if (missing) return;
  await killAll();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

const coordinatorArgs = (output: string, extra: string[] = []) => [
  'extract', '--queue', redis.url, '--model', 'model', '--input', input, '--images', join(t.data, 'images'), '-o', output,
  '--batch-size', '16', '--window', '128', '--lock-ms', '2000', '--json', '--no-progress', ...extra,
];

test('a worker with another copy of the model refuses the run: said by the coordinator, done by a worker with the right copy, same bytes', async () => {
  if (missing) return console.log(`  skipped: ${missing}`);
  const other = await startWorker(redis.url, 'w-other', { cwd: join(root, 'b') });
  const output = join(root, 'refused.jsonl');
  const coordinator = spawnShapca(coordinatorArgs(output), { cwd: join(root, 'a') });
  await other.waitFor(/refused run/);
  const right = await startWorker(redis.url, 'w-right', { cwd: join(root, 'a') });
  assert.is(await coordinator.exited, 0, coordinator.stderr());
  const s = JSON.parse(coordinator.stdout()) as DistributedExtractSummary;
  assert.equal(Object.keys(s.refusals), ['w-other']);
  assert.match(s.refusals['w-other']!, /copy of the model model .* has hash [0-9a-f]{12}… but the run's has [0-9a-f]{12}…/);
  assert.match(coordinator.stderr(), /worker w-other refused this run's chunks/);
  assert.equal(Object.keys(s.workers), ['w-right']);
  assert.ok(readFileSync(output, 'utf8') === reference, 'output differs from the single-process one');
  assert.equal(await Promise.all([stopWorker(other), stopWorker(right)]), [0, 0]);
});

test('a chunk that fails every attempt (the worker cannot open the model): an error line per record, the run goes on, counted in the summary', async () => {
  if (missing) return;
  const lost = await startWorker(redis.url, 'w-lost', { cwd: join(root, 'c') });
  const output = join(root, 'failed.jsonl');
  const coordinator = spawnShapca(coordinatorArgs(output, ['--attempts', '2', '--chunk-size', '128']), { cwd: join(root, 'a') });
  assert.is(await coordinator.exited, 0, coordinator.stderr());
  const s = JSON.parse(coordinator.stdout()) as DistributedExtractSummary;
  assert.equal([s.written, s.errors, s.chunks, s.failedChunks, s.failedRecords], [512, 512, 4, 4, 512]);
  const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; error: string });
  assert.equal(lines.map((l) => l.id), Array.from({ length: 512 }, (_, i) => `p${i}`));
  assert.match(lines[130]!.error, /^chunk of records 129–256 failed after 2 attempts: .*not a model folder/);
  assert.is(await stopWorker(lost), 0);
});

test('a bad URL, no server, a wrong password: one line within seconds, exit 1, the password never printed', async () => {
  if (missing) return;
  const locked = await startRedis({ password: PASSWORD });
  try {
    const base = ['--model', t.modelDir, '--input', input, '-o', join(root, 'never.jsonl'), '--no-progress'];
    const noServer = 'redis://127.0.0.1:1'; // nothing listens on port 1
    const cases: [string[], RegExp][] = [
      [['extract', '--queue', `http://:${PASSWORD}@127.0.0.1:${locked.port}`, ...base], /expected a redis:\/\/ or rediss:\/\/ URL/],
      [['extract', '--queue', 'not a url at all', ...base], /expected a Redis URL like redis:\/\//],
      [['extract', '--queue', noServer, ...base], /cannot use Redis at redis:\/\/127\.0\.0\.1:1: connection refused/],
      [['extract', '--queue', `redis://:wrong-${PASSWORD}@127.0.0.1:${locked.port}`, ...base], /cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: the server refused the user name or password/],
      [['extract', '--queue', `redis://127.0.0.1:${locked.port}`, ...base], /needs a password \(NOAUTH\)/],
      [['worker', '--queue', `redis://:wrong-${PASSWORD}@127.0.0.1:${locked.port}`], /the server refused the user name or password/],
      [['worker', '--queue', noServer], /connection refused/],
    ];
    for (const [args, expected] of cases) {
      const started = Date.now();
      const r = await cli(...args);
      const seconds = (Date.now() - started) / 1000;
      assert.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(seconds < 10, `${args[2]}: took ${seconds} s`);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, expected);
      assert.not.ok(r.stderr.includes(PASSWORD) || r.stdout.includes(PASSWORD), `the password leaked: ${r.stderr}`);
    }
  } finally {
    await locked.stop();
  }
});

test('context --queue: images described by a worker (API key from its own environment), every image once, the key never printed or written', async () => {
  if (missing) return;
  const SECRET = 'sk-queue-test-5b2a91-never-print-me';
  const server = await startFakeServer((req) => ({ content: `about ${req.prompt.length}` }));
  const worker = await startWorker(redis.url, 'w-ctx', { env: { SHAPCA_TEST_KEY: SECRET } });
  try {
    const output = join(root, 'contexts.jsonl');
    const r = await cli('context', '--queue', redis.url, '--images', join(t.data, 'images'), '--dataset', join(t.data, 'ner', 'train.txt'),
      '-o', output, '--provider', 'openai', '--base-url', `${server.origin}/v1`, '--model', 'fake-vlm', '--api-key-env', 'SHAPCA_TEST_KEY',
      '--cache', join(root, 'cache'), '--chunk-size', '5', '--json', '--no-progress');
    assert.is(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { total: number; done: number; failed: number };
    const ids = readFileSync(output, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    assert.is(summary.failed, 0);
    assert.equal([ids.length, new Set(ids).size, summary.done], [summary.total, summary.total, summary.total]);
    assert.is(server.requests.length, summary.total);
    assert.ok(server.requests.every((q) => q.authorization === `Bearer ${SECRET}`), `the worker sends its own key: ${server.requests[0]?.authorization}`);
    for (const text of [r.stdout, r.stderr, readFileSync(output, 'utf8')]) assert.not.ok(text.includes(SECRET), 'the API key leaked');
  } finally {
    assert.is(await stopWorker(worker), 0);
    await server.close();
  }
});

test.run();
