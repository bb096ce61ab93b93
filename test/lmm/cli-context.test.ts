// `shapca context` end to end: a run killed with SIGKILL mid-way resumes from its cache and
// output without asking the model again for finished images; the API key travels only in the
// request header, never to stdout, stderr or any file; bad flags fail with one line.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { main } from '../../lib/cli/main.js';
import { data } from '../../lib/index.js';
import { type FakeServer, startFakeServer } from './fake-server.js';

const test = suite('shapca context');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'sk-test-4f9c2e7d1b-never-print-me';
let server: FakeServer;
let root: string;

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'shapca-cli-'));
  server = await startFakeServer(() => ({ content: 'ok' }));
  await data.generateSyntheticDataset({ outDir: join(root, 'syn'), seed: 11, sizes: { train: 8, dev: 0, test: 0 }, imageSize: 32 });
});
test.after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs the CLI in this process, capturing what it writes. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'shapca', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const contextArgs = (extra: string[] = []) => [
  'context', '--images', join(root, 'syn', 'images'), '--dataset', join(root, 'syn', 'ner', 'train.txt'), '--with-text',
  '-o', join(root, 'out.jsonl'), '--provider', 'openai', '--base-url', `${server.origin}/v1`, '--model', 'fake-vlm',
  '--api-key-env', 'SHAPCA_TEST_KEY', '--cache', join(root, 'cache'), '--concurrency', '1', '--no-progress', '--timeout', '5', ...extra,
];

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? allFiles(join(dir, n)) : [join(dir, n)]));
}

test('a run killed mid-way (SIGKILL) resumes: finished images are not asked again, none lost or repeated', async () => {
  const output = join(root, 'out.jsonl');
  server.handler = (_req, i) => (i < 3 ? { content: `context ${i}` } : { hang: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...contextArgs()], {
    cwd: repo, env: { ...process.env, SHAPCA_TEST_KEY: SECRET }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let childOutput = '';
  child.stdout.on('data', (d) => (childOutput += d));
  child.stderr.on('data', (d) => (childOutput += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (_code, signal) => r(signal === 'SIGKILL' ? -9 : _code)));
  const deadline = Date.now() + 15_000;
  while (server.requests.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.is(server.requests.length, 4, `the child never reached its 4th request: ${childOutput}`);
  child.kill('SIGKILL');
  assert.is(await exited, -9);
  assert.is(readFileSync(output, 'utf8').trim().split('\n').length, 3);
  assert.ok(server.requests.every((r) => r.authorization === `Bearer ${SECRET}`));

  server.handler = (_req, i) => ({ content: `context ${i}` });
  const resumed = await cli(contextArgs(['--json']), { SHAPCA_TEST_KEY: SECRET });
  assert.is(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(resumed.stdout) as Record<string, unknown>;
  assert.equal([summary.total, summary.done, summary.cached, summary.failed], [8, 5, 3, 0]);
  assert.is(server.requests.length, 4 + 5); // only the hung one and the four never started were asked again
  const ids = readFileSync(output, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
  assert.equal(ids.length, 8);
  assert.is(new Set(ids).size, 8);
  assert.match(server.requests[4]!.prompt, /The image was posted with this text: "/);

  for (const text of [childOutput, resumed.stdout, resumed.stderr, ...[output, ...allFiles(join(root, 'cache'))].map((f) => readFileSync(f, 'utf8'))]) {
    assert.not.ok(text.includes(SECRET), 'the API key leaked');
  }
});

test('a failing image makes the exit status 1 with one line saying where the failures are', async () => {
  server.handler = () => ({ status: 400, body: { error: { message: 'unsupported image' } } }); // not retryable
  const r = await cli(['context', '--images', join(root, 'syn', 'images'), '-o', join(root, 'fail.jsonl'), '--provider', 'openai', '--base-url', `${server.origin}/v1`,
    '--model', 'fake-vlm', '--cache', join(root, 'cache2'), '--no-progress', '--prompt', 'Describe the picture.'], { OPENAI_API_KEY: SECRET });
  assert.is(r.code, 1);
  assert.match(r.stdout, /^contexts: 0 done, 0 cached, 8 failed of 8 → /);
  assert.match(r.stderr, /^shapca: 8 of 8 images failed; see .*fail\.jsonl\.failures\.jsonl and rerun to retry them\n$/);
  // Four workers failing at once share one failures file: one line per image.
  assert.is(readFileSync(join(root, 'fail.jsonl.failures.jsonl'), 'utf8').trim().split('\n').length, 8);
  assert.not.ok((r.stdout + r.stderr + readFileSync(join(root, 'fail.jsonl.failures.jsonl'), 'utf8')).includes(SECRET));
});

test('configuration errors are one line, before any request', async () => {
  const before = server.requests.length;
  const base = ['context', '--images', join(root, 'syn', 'images'), '-o', join(root, 'x.jsonl'), '--model', 'm', '--cache', join(root, 'cache3')];
  const noUrl = await cli(base);
  assert.equal([noUrl.code, noUrl.stderr.trim()], [1, 'shapca: expected --base-url for --provider openai (e.g. http://localhost:8000/v1 for vLLM, https://api.openai.com/v1 for OpenAI)']);
  const noKey = await cli([...base, '--base-url', server.origin, '--api-key-env', 'SHAPCA_UNSET_KEY_VAR']);
  assert.match(noKey.stderr, /^shapca: expected the API key in the environment variable SHAPCA_UNSET_KEY_VAR, which is not set\n$/);
  const openai = await cli([...base, '--base-url', 'https://api.openai.com/v1'], { OPENAI_API_KEY: '' });
  assert.match(openai.stderr, /^shapca: expected an API key for https:\/\/api\.openai\.com\/v1 in OPENAI_API_KEY\n$/);
  const badNumber = await cli([...base, '--concurrency', '0']);
  assert.match(badNumber.stderr, /expected a positive integer for --concurrency/);
  assert.is(server.requests.length, before);
});

test('--help explains servers, keys, prompt, cache and retries', async () => {
  const r = await cli(['context', '--help']);
  assert.is(r.code, 0);
  for (const words of ['--provider openai', '--provider ollama', 'API keys', 'environment variable', '{text}', 'cached by', 'Retry-After', '--concurrency', '--timeout', '--max-side']) {
    assert.ok(r.stdout.includes(words), `help lacks ${words}`);
  }
});

test.run();
