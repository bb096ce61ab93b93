// Distributed extraction end to end, with a real redis-server and real `shapca worker` processes:
// the coordinator's output equals the single-process output byte for byte (NER, relation and joint
// models), also with a worker SIGKILLed mid-run, with Redis restarted mid-run, and with the
// coordinator killed and resumed; a finished run leaves no key in Redis.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extractDistributed, type DistributedExtractSummary } from '../../lib/distributed/index.js';
import { extract } from '../../lib/index.js';
import { readContextFiles } from '../../lib/data/context-files.js';
import { tinyRel, type TinyRel } from '../extract/tiny-rel.js';
import { killAll, type Proc, spawnShapca, startWorker, stopWorker } from './fleet.js';
import { redisMissing, startRedis, type TestRedis } from './redis-server.js';

const test = suite('distributed: coordinator and workers over Redis');
const missing = redisMissing();
let t: TinyRel;
let redis: TestRedis;
let workers: Proc[] = [];
const input = { ner: '', small: '', re: '', joint: '' };
const reference = { ner: '', small: '', re: '', joint: '' };
let contextsFile = '';
const BATCH = { batchSize: 16, window: 128 }; // chunks of 128 records: a dozen chunks on the small input

const imageOf = (id: string) => `${id.split('#')[0]!.replace(/\.jpg$/, '')}.jpg`;
const lines = (path: string) => (statSync(path, { throwIfNoEntry: false })?.size ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts of varied length with images, a context on two in three, and one malformed line. */
function nerLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    if (i === 77) return '{"id": "torn-in-the-input"';
    const ex = t.train[i % t.train.length]!;
    return JSON.stringify({ id: `p${i}`, tokens: ex.tokens.slice(0, 1 + (i % ex.tokens.length)), image: imageOf(ex.id), ...(i % 3 ? { context: ex.context } : {}) });
  });
}

async function singleProcess(model: extract.ExtractionModel, inputPath: string, o: extract.ExtractOptions): Promise<string> {
  const out = `${inputPath}.single.jsonl`;
  await extract.extractFile(model, { input: inputPath, output: out, overwrite: true, ...o });
  return readFileSync(out, 'utf8');
}

async function keysLeft(): Promise<string[]> {
  const c = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  await c.connect();
  try {
    return await c.keys('*');
  } finally {
    c.disconnect();
  }
}

function distributed(o: Partial<Parameters<typeof extractDistributed>[0]> & { input: string; output: string; model: string }): Promise<DistributedExtractSummary> {
  return extractDistributed({ queue: redis.url, imagesDir: join(t.data, 'images'), overwrite: true, lockMs: 2000, ...BATCH, ...o });
}

test.before(async () => {
  if (missing) return;
  t = await tinyRel();
  contextsFile = join(t.data, 'contexts', 'captions.jsonl');
  const contexts = await readContextFiles([contextsFile], 'jsonl');
  input.ner = join(t.dir, 'fleet-ner.jsonl');
  writeFileSync(input.ner, `${nerLines(3000).join('\n')}\n`);
  input.small = join(t.dir, 'fleet-small.jsonl');
  writeFileSync(input.small, `${nerLines(1536).join('\n')}\n`);
  input.re = join(t.dir, 'fleet-re.jsonl');
  writeFileSync(input.re, `${Array.from({ length: 600 }, (_, i) => {
    const ex = t.reTrain[i % t.reTrain.length]!;
    return JSON.stringify({ id: `q${i}`, tokens: [...ex.tokens, ...Array.from({ length: i % 5 }, () => 'again')], head: ex.head, tail: ex.tail, image: imageOf(ex.id) });
  }).join('\n')}\n`);
  input.joint = input.small;
  const images = join(t.data, 'images');
  const ner = extract.extractionModelOf(t.model);
  reference.ner = await singleProcess(ner, input.ner, { imagesDir: images, contexts });
  reference.small = await singleProcess(ner, input.small, { imagesDir: images, ...BATCH });
  reference.re = await singleProcess(extract.extractionModelOf(t.re), input.re, { imagesDir: images, ...BATCH });
  reference.joint = await singleProcess(extract.extractionModelOf(t.joint), `${input.joint}`, { imagesDir: images, ...BATCH });
  redis = await startRedis();
  workers = await Promise.all([startWorker(redis.url, 'w1'), startWorker(redis.url, 'w2')]);
});

test.after(async () => {
  if (missing) return;
  await Promise.all(workers.map((w) => stopWorker(w)));
  await killAll();
  await redis?.stop();
});

test('NER, relation and joint models over 2 workers: the single-process bytes, and no key left in Redis', async () => {
  if (missing) return console.log(`  skipped: ${missing}`);
  const ner = await distributed({ input: input.ner, output: join(t.dir, 'fleet-ner.out.jsonl'), model: t.modelDir, batchSize: 32, window: 256, contexts: { files: [contextsFile], format: 'jsonl' } });
  assert.ok(readFileSync(join(t.dir, 'fleet-ner.out.jsonl'), 'utf8') === reference.ner, 'NER output differs from the single-process one');
  assert.equal([ner.written, ner.errors, ner.chunks, ner.failedChunks, ner.aborted], [3000, 1, 12, 0, false]);
  assert.equal(Object.keys(ner.workers).sort(), ['w1', 'w2'], 'both workers took chunks');
  const [re, joint] = [join(t.dir, 'fleet-re.out.jsonl'), join(t.dir, 'fleet-joint.out.jsonl')];
  await distributed({ input: input.re, output: re, model: t.reDir });
  assert.ok(readFileSync(re, 'utf8') === reference.re, 'relation output differs from the single-process one');
  await distributed({ input: input.joint, output: joint, model: t.jointDir });
  assert.ok(readFileSync(joint, 'utf8') === reference.joint, 'joint output differs from the single-process one');
  assert.equal(await keysLeft(), []);
});

/** Runs the small NER input while `fault` runs once the output has `after` lines. */
async function withFault(name: string, after: number, fault: () => Promise<void>): Promise<DistributedExtractSummary> {
  const output = join(t.dir, `fleet-${name}.jsonl`);
  const run = distributed({ input: input.small, output, model: t.modelDir });
  let faulted = false;
  const watch = (async () => {
    while (!faulted) {
      if (lines(output) >= after) {
        faulted = true;
        await fault();
      }
      await sleep(20);
    }
  })();
  const summary = await run;
  faulted = true;
  await watch;
  assert.ok(readFileSync(output, 'utf8') === reference.small, `${name}: output differs from the single-process one`);
  return summary;
}

test('a worker SIGKILLed mid-run: its chunk is taken again, every record written once, in order', async () => {
  if (missing) return;
  let killedAt = 0;
  const s = await withFault('worker-killed', 256, async () => {
    killedAt = lines(join(t.dir, 'fleet-worker-killed.jsonl'));
    workers[0]!.child.kill('SIGKILL');
    await workers[0]!.exited;
  });
  assert.ok(killedAt < 1536, 'the kill landed mid-run');
  assert.is(s.written, 1536);
  assert.equal(await keysLeft(), []);
  workers[0] = await startWorker(redis.url, 'w1b');
});

test('Redis restarted (empty) mid-run: coordinator and workers reconnect, lost chunks are queued again', async () => {
  if (missing) return;
  const s = await withFault('redis-restarted', 256, async () => {
    await redis.restart();
  });
  assert.is(s.written, 1536);
  assert.equal(await keysLeft(), []);
});

test('the coordinator killed mid-run and resumed with --resume: the same bytes, chunks finished meanwhile taken from Redis', async () => {
  if (missing) return;
  const output = join(t.dir, 'fleet-coordinator-killed.jsonl');
  const args = ['extract', '--queue', redis.url, '--model', t.modelDir, '--input', input.small, '--images', join(t.data, 'images'), '-o', output,
    '--batch-size', '16', '--window', '128', '--in-flight', '6', '--lock-ms', '2000', '--json', '--no-progress'];
  const first = spawnShapca([...args, '--overwrite']);
  while (lines(output) < 256 && first.child.exitCode === null) await sleep(20);
  first.child.kill('SIGKILL');
  await first.exited;
  const done = lines(output);
  assert.ok(done >= 256 && done < 1536, `the kill should land mid-run (${done} lines)`);
  await sleep(3000); // the workers finish the chunks that were in flight
  const resumed = spawnShapca([...args, '--resume']);
  assert.is(await resumed.exited, 0, resumed.stderr());
  const s = JSON.parse(resumed.stdout()) as DistributedExtractSummary;
  assert.equal([s.resumed, s.written], [done, 1536 - done]);
  assert.ok(s.reusedChunks >= 1, `chunks finished while no coordinator ran are taken from Redis (${s.reusedChunks})`);
  assert.ok(readFileSync(output, 'utf8') === reference.small, 'resumed output differs from the single-process one');
  assert.equal(await keysLeft(), []);
});

test('SIGTERM: a worker finishes what it holds and exits 0', async () => {
  if (missing) return;
  const codes = await Promise.all(workers.map((w) => stopWorker(w)));
  assert.equal(codes, [0, 0]);
  assert.match(workers[0]!.stderr(), /stopped: \d+ chunks/);
  workers = [];
});

test.run();
