// The resumable generation run against a local server: outputs, cache reuse, retries with
// Retry-After, timeouts, failures recorded while the run goes on, a bounded number of requests in
// flight, torn-line repair, a stopped run resumed from what it kept.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data, lmm } from '../../lib/index.js';
import { type FakeRequest, type FakeServer, startFakeServer } from './fake-server.js';

const test = suite('context generation');
let server: FakeServer;
let root: string;
let jobs: lmm.ContextJob[];
let run = 0;

/** The fake model's answer: a function of the image, so cached and fresh answers can be compared. */
const answerFor = (req: FakeRequest) => `described ${createHash('sha256').update(req.image).digest('hex').slice(0, 8)}`;

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'shapca-gen-'));
  server = await startFakeServer((req) => ({ content: answerFor(req) }));
  await data.generateSyntheticDataset({ outDir: join(root, 'syn'), seed: 9, sizes: { train: 6, dev: 0, test: 0 }, imageSize: 32 });
  jobs = (await lmm.jobsFromDataset(join(root, 'syn', 'ner', 'train.txt'), join(root, 'syn', 'images'))).jobs;
});
test.after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh output and cache per call unless given; fast retries. */
function options(extra: Partial<lmm.GenerateOptions> = {}): lmm.GenerateOptions {
  run++;
  return {
    client: lmm.createVisionClient({ provider: 'ollama', baseURL: server.origin, model: 'llava:7b', timeoutMs: 200 }),
    jobs,
    output: join(root, `out${run}.jsonl`),
    cacheDir: join(root, `cache${run}`),
    concurrency: 2,
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 20 },
    ...extra,
  };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('jobs come from the dataset: one per image, with its text', () => {
  assert.is(jobs.length, 6);
  assert.ok(jobs.every((j) => j.image.endsWith(`${j.id}.jpg`) && (j.text ?? '').length > 0));
});

test('writes one context per image; a rerun asks nothing; another output reuses the cache', async () => {
  server.handler = (req) => ({ content: answerFor(req) });
  server.requests.length = 0;
  const first = options({ promptTemplate: 'Describe.\nPost: {text}' });
  const s1 = await lmm.generateContexts(first);
  assert.equal([s1.total, s1.done, s1.cached, s1.failed, s1.aborted], [6, 6, 0, 0, false]);
  const written = await data.readContexts(first.output);
  assert.is(written.coverage(jobs.map((j) => j.id)).ratio, 1);
  assert.equal([...written].map((r) => r.model), Array(6).fill('llava:7b'));
  assert.match([...written][0]!.prompt, /^Describe\.\nPost: \S/);
  assert.is(server.requests.length, 6);
  assert.is(server.maxInFlight <= 2, true);

  const s2 = await lmm.generateContexts({ ...first });
  assert.equal([s2.done, s2.cached], [0, 6]);
  assert.is(server.requests.length, 6);
  assert.is(lines(first.output).length, 6);

  const other = { ...first, output: join(root, 'other.jsonl') };
  const s3 = await lmm.generateContexts(other);
  assert.equal([s3.done, s3.cached], [0, 6]);
  assert.is(server.requests.length, 6);
  assert.equal([...(await data.readContexts(other.output))], [...written].sort((a, b) => lines(other.output).findIndex((l) => l.id === a.id) - lines(other.output).findIndex((l) => l.id === b.id)));

  // A different model or prompt is another cache key: asked again.
  const s4 = await lmm.generateContexts({ ...first, output: join(root, 'p2.jsonl'), promptTemplate: 'Other prompt.' });
  assert.equal([s4.done, s4.cached], [6, 0]);
});

test('429 with Retry-After is waited out, 5xx and timeouts are retried, the answers arrive', async () => {
  const waits: number[] = [];
  const seen = new Map<string, number>();
  server.handler = (req) => {
    const n = (seen.get(req.image) ?? 0) + 1;
    seen.set(req.image, n);
    const which = [...seen.keys()].indexOf(req.image);
    if (which === 0 && n === 1) return { status: 429, headers: { 'retry-after': '7' }, body: { error: 'busy' } };
    if (which === 1 && n <= 2) return { status: 503, body: { error: 'loading model' } };
    if (which === 2 && n === 1) return { delayMs: 1000, content: 'too late' };
    return { content: answerFor(req) };
  };
  const o = options({ concurrency: 1, retry: { retries: 3, baseDelayMs: 1, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
  const s = await lmm.generateContexts(o);
  assert.equal([s.done, s.failed], [6, 0]);
  assert.equal(waits, [7000, 1, 2, 1]);
  assert.equal([...seen.values()], [2, 3, 2, 1, 1, 1]);
  assert.ok(lines(o.output).every((l) => /^described /.test(l.context as string)));
});

test('failed images are recorded with their reason and the run goes on; a rerun retries only them', async () => {
  const o = options({ retry: { retries: 2, baseDelayMs: 1 } });
  const brokenImage = { id: 'broken', image: join(root, 'syn', 'images', 'missing.jpg') };
  let badImage: string | undefined; // the first image asked about (jobs[0], concurrency 1) always fails
  server.handler = (req) => {
    badImage ??= req.image;
    return req.image === badImage ? { status: 500, body: { error: 'CUDA out of memory' } } : { content: answerFor(req) };
  };
  const withBroken = [...jobs, brokenImage];
  const s1 = await lmm.generateContexts({ ...o, jobs: withBroken, concurrency: 1 });
  assert.equal([s1.done, s1.failed], [5, 2]);
  const failures = lines(s1.failuresPath);
  assert.equal(failures.map((f) => [f.id, f.kind, f.status, f.attempts]), [[jobs[0]!.id, 'http', 500, 3], ['broken', 'image', undefined, 1]]);
  assert.match(failures[0]!.error as string, /HTTP 500: CUDA out of memory/);
  assert.match(failures[1]!.error as string, /cannot read image .*missing\.jpg: ENOENT/);

  server.handler = (req) => ({ content: answerFor(req) });
  const before = server.requests.length;
  const s2 = await lmm.generateContexts({ ...o, jobs });
  assert.equal([s2.done, s2.cached, s2.failed], [1, 5, 0]);
  assert.is(server.requests.length - before, 1);
  assert.not.ok(existsSync(s2.failuresPath), 'old failures are cleared on a rerun');
  assert.is(lines(o.output).length, 6);
});

test('malformed answers fail that image only', async () => {
  let first = true;
  server.handler = (req) => {
    if (first) {
      first = false;
      return { body: '<html>502 Bad Gateway</html>' };
    }
    return { content: answerFor(req) };
  };
  const s = await lmm.generateContexts(options({ concurrency: 1 }));
  assert.equal([s.done, s.failed], [5, 1]);
  assert.match(lines(s.failuresPath)[0]!.error as string, /expected a JSON chat response/);
});

test('a torn last line is cut off before appending, and the output reads strictly afterwards', async () => {
  server.handler = (req) => ({ content: answerFor(req) });
  const o = options();
  await lmm.generateContexts({ ...o, jobs: jobs.slice(0, 3) });
  appendFileSync(o.output, '{"id": "half-writ');
  const s = await lmm.generateContexts(o);
  assert.equal([s.repairedBytes, s.cached, s.done], [17, 3, 3]);
  assert.is((await data.readContexts(o.output)).size, 6);
});

test('an output written with another model or prompt is refused, not mixed', async () => {
  server.handler = (req) => ({ content: answerFor(req) });
  const o = options();
  await lmm.generateContexts({ ...o, jobs: jobs.slice(0, 1) });
  const other = lmm.createVisionClient({ provider: 'ollama', baseURL: server.origin, model: 'bakllava' });
  await lmm.generateContexts({ ...o, client: other }).then(
    () => assert.unreachable('mixed two models in one output'),
    (err: Error) => assert.match(err.message, /already has a context for syn_train_00000 from model "llava:7b"/),
  );
});

test('a stopped run keeps what finished and resumes from it', async () => {
  let answered = 0;
  const controller = new AbortController();
  server.handler = (req) => {
    if (answered >= 3) return { hang: true };
    answered++;
    if (answered === 3) setTimeout(() => controller.abort(), 30);
    return { content: answerFor(req) };
  };
  const o = options({ concurrency: 1, signal: controller.signal, client: lmm.createVisionClient({ provider: 'openai', baseURL: `${server.origin}/v1`, model: 'vlm', timeoutMs: 5000 }) });
  const s1 = await lmm.generateContexts(o);
  assert.equal([s1.done, s1.aborted], [3, true]);
  assert.is(lines(o.output).length, 3);
  server.handler = (req) => ({ content: answerFor(req) });
  const before = server.requests.length;
  const s2 = await lmm.generateContexts({ ...o, signal: undefined });
  assert.equal([s2.done, s2.cached, s2.aborted], [3, 3, false]);
  assert.is(server.requests.length - before, 3);
  assert.equal(new Set(lines(o.output).map((l) => l.id)).size, 6);
});

test('concurrency is bounded and used', async () => {
  server.handler = (req) => ({ delayMs: 30, content: answerFor(req) });
  server.maxInFlight = 0;
  await lmm.generateContexts(options({ concurrency: 3 }));
  assert.is(server.maxInFlight, 3);
  await lmm.generateContexts(options({ concurrency: 0 })).then(
    () => assert.unreachable('accepted concurrency 0'),
    (err: Error) => assert.match(err.message, /expected concurrency to be a positive integer/),
  );
});

test.run();
