// Servers that misbehave, on 127.0.0.1 only: a redirect to another origin (another port of
// 127.0.0.1 counts), an endless body, a huge declared body, a slow drip, a Retry-After of years.
// Each must end the request with a clear LmmError within its bounds — nothing sent to the other
// origin, memory held under the body cap, waits under their caps and shown on the progress line.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { lmm } from '../../lib/index.js';

type Behaviour = (res: ServerResponse, path: string) => void;
const test = suite('LMM: misbehaving servers');
const servers: Server[] = [];
let image: lmm.ImagePayload;

/** A server on 127.0.0.1 that reads each request and then behaves as told; counts requests. */
async function serve(behave: Behaviour): Promise<{ origin: string; hits: string[]; set: (b: Behaviour) => void }> {
  const hits: string[] = [];
  let current = behave;
  const server = createServer(async (req, res) => {
    for await (const _ of req) void _;
    hits.push(`${req.method} ${req.url}`);
    current(res, req.url ?? '');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, set: (b) => void (current = b) };
}

const answer = (path: string) =>
  path.startsWith('/v1')
    ? { choices: [{ index: 0, message: { role: 'assistant', content: 'a red crest' }, finish_reason: 'stop' }] }
    : { model: 'm', message: { role: 'assistant', content: 'a red crest' }, done: true };

function clients(origin: string, extra: Partial<lmm.VisionClientOptions> = {}) {
  return {
    openai: lmm.createVisionClient({ provider: 'openai', baseURL: `${origin}/v1`, model: 'm', timeoutMs: 2000, ...extra }),
    ollama: lmm.createVisionClient({ provider: 'ollama', baseURL: origin, model: 'm', timeoutMs: 2000, ...extra }),
  };
}

async function failure(p: Promise<unknown>): Promise<InstanceType<typeof lmm.LmmError>> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, lmm.LmmError);
    return err as InstanceType<typeof lmm.LmmError>;
  }
  throw new Error('expected the request to fail');
}

test.before(async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } }).png().toBuffer();
  image = await lmm.encodeImage(png, 'x.png');
});
test.after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('a redirect to another origin (another port) is refused and nothing reaches it', async () => {
  const elsewhere = await serve((res, path) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(path))));
  const home = await serve((res, path) => res.writeHead(307, { location: `${elsewhere.origin}${path}` }).end());
  for (const [name, client] of Object.entries(clients(home.origin))) {
    const err = await failure(client.describe({ prompt: 'p', image }));
    assert.is(err.kind, 'redirect', name);
    assert.match(err.message, new RegExp(`another origin, ${elsewhere.origin.replace(/[.:/]/g, '\\$&')}`));
    assert.is(err.retryable, false);
  }
  assert.equal(elsewhere.hits, [], 'the other origin received nothing');
  assert.is(home.hits.length, 2);
});

test('a redirect within the origin is followed (method and body kept for 307/308)', async () => {
  const home = await serve((res, path) => {
    if (!path.startsWith('/moved')) return res.writeHead(308, { location: `/moved${path}` }).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(path.slice('/moved'.length))));
  });
  for (const client of Object.values(clients(home.origin))) assert.is(await client.describe({ prompt: 'p', image }), 'a red crest');
  assert.equal(home.hits, ['POST /v1/chat/completions', 'POST /moved/v1/chat/completions', 'POST /api/chat', 'POST /moved/api/chat']);
});

test('an endless body ends at the byte cap, without holding more than it', async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const home = await serve((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  const before = process.memoryUsage().rss;
  for (const [name, client] of Object.entries(clients(home.origin, { maxResponseBytes: 1 << 20 }))) {
    const started = Date.now();
    const err = await failure(client.describe({ prompt: 'p', image }));
    assert.is(err.kind, 'oversize', name);
    assert.match(err.message, /larger than the 1048576-byte limit/);
    assert.ok(Date.now() - started < 1500, `${name}: stopped at the cap, not at the timeout`);
  }
  assert.ok(process.memoryUsage().rss - before < 256 << 20, 'memory stayed bounded');
});

test('a declared body above the cap is refused before it is read', async () => {
  const home = await serve((res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
    res.write('{');
  });
  for (const client of Object.values(clients(home.origin, { maxResponseBytes: 4096 }))) {
    const err = await failure(client.describe({ prompt: 'p', image }));
    assert.is(err.kind, 'oversize');
    assert.match(err.message, /declares 1073741824 bytes/);
  }
});

test('a slow drip ends at the request timeout, body included', async () => {
  const home = await serve((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 20);
  });
  for (const [name, client] of Object.entries(clients(home.origin, { timeoutMs: 400 }))) {
    const started = Date.now();
    const err = await failure(client.describe({ prompt: 'p', image }));
    assert.is(err.kind, 'timeout', name);
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 2000, `${name}: took ${took} ms`);
  }
});

test('a Retry-After of years: each wait capped, the waits of a request capped, each wait announced', async () => {
  const home = await serve((res) => res.writeHead(429, { 'retry-after': '999999999', 'content-type': 'application/json' }).end('{"error":"busy"}'));
  const waits: { id: string; delayMs: number }[] = [];
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'shapca-lmm-'));
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0c0' } }).png().toBuffer();
  await writeFile(join(dir, 'a.png'), png);
  const started = Date.now();
  const summary = await lmm.generateContexts({
    client: clients(home.origin).ollama, jobs: [{ id: 'a', image: join(dir, 'a.png') }], output: join(dir, 'out.jsonl'), cacheDir: join(dir, 'cache'),
    retry: { retries: 10, maxDelayMs: 60, maxTotalWaitMs: 150 },
    onWait: (w) => waits.push({ id: w.id, delayMs: w.delayMs }),
  });
  const took = Date.now() - started;
  assert.is(summary.failed, 1);
  assert.equal(waits, [{ id: 'a', delayMs: 60 }, { id: 'a', delayMs: 60 }], 'two waits of the 60 ms cap fit in 150 ms; the third does not');
  assert.ok(took < 3000, `took ${took} ms`);
  const { readFileSync } = await import('node:fs');
  const failure = JSON.parse(readFileSync(summary.failuresPath, 'utf8').trim()) as { error: string; attempts: number };
  assert.match(failure.error, /HTTP 429.*gave up after 3 attempts: another wait of 60 ms would pass the 150 ms limit/);
  assert.is(home.hits.length, 3);

  // The progress line says what it waits for.
  const chunks: string[] = [];
  const stream = { isTTY: true, columns: 200, write: (s: string) => chunks.push(String(s)) > 0 } as unknown as NodeJS.WriteStream;
  const bar = lmm.createProgressBar(1, stream);
  bar.waiting({ id: 'a', attempt: 2, delayMs: 60_000, error: new lmm.LmmError('http', 'HTTP 429: busy', { status: 429 }) });
  bar.stop();
  // eslint-disable-next-line no-control-regex
  assert.match(chunks.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), /waiting 60 s before retry 2 of a \(HTTP 429: busy\)/);
  await rm(dir, { recursive: true, force: true });
});

test.run();
