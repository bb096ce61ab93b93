// Both clients against a local server speaking the real protocols: request shape (model, prompt,
// base64 JPEG resized by sharp, token limit, temperature, key), and every failure the retry loop
// must tell apart: 429 with Retry-After, 5xx, 4xx, timeouts, refused connections, malformed bodies.
import { createServer } from 'node:net';

import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { lmm } from '../../lib/index.js';
import { rejects } from '../helpers.js';
import { type FakeServer, startFakeServer } from './fake-server.js';

const { LmmError } = lmm;
type LmmErrorT = InstanceType<typeof LmmError>;
const test = suite('LMM clients');
let server: FakeServer;
let image: lmm.ImagePayload;

test.before(async () => {
  server = await startFakeServer(() => ({ content: '  A red team crest.  ' }));
  const png = await sharp({ create: { width: 1600, height: 800, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } }).png().toBuffer();
  image = await lmm.encodeImage(png, 'big.png', 400);
});
test.after(() => server.close());
test.before.each(() => {
  server.requests.length = 0;
});

const clients = () => ({
  openai: lmm.createVisionClient({ provider: 'openai', baseURL: `${server.origin}/v1`, model: 'llava-hf/llava-1.5-7b-hf', apiKey: 'sk-test-secret', maxTokens: 77, temperature: 0.3, timeoutMs: 300 }),
  ollama: lmm.createVisionClient({ provider: 'ollama', baseURL: `${server.origin}/`, model: 'llava:7b', maxTokens: 77, temperature: 0.3, timeoutMs: 300 }),
});

test('images are shrunk to fit, flattened and sent as base64 JPEG', async () => {
  assert.equal([image.mime, image.width, image.height], ['image/jpeg', 400, 200]);
  const meta = await sharp(Buffer.from(image.base64, 'base64')).metadata();
  assert.equal([meta.format, meta.width, meta.height, meta.hasAlpha], ['jpeg', 400, 200, false]);
  await rejects(() => lmm.encodeImage(Buffer.from('not an image'), 'x.jpg'), LmmError, /cannot decode image x\.jpg/);
  await rejects(() => lmm.readImageFile('/nonexistent/x.jpg'), LmmError, /cannot read image \/nonexistent\/x\.jpg: ENOENT/);
});

test('OpenAI protocol: one chat completion with text and image parts, settings and key', async () => {
  const answer = await clients().openai.describe({ prompt: 'Describe.', image });
  assert.is(answer, 'A red team crest.');
  const [req] = server.requests;
  assert.is(req?.protocol, 'openai');
  assert.is(req?.authorization, 'Bearer sk-test-secret');
  assert.is(req?.prompt, 'Describe.');
  assert.is(req?.image, image.base64);
  assert.equal([req?.body.model, req?.body.max_tokens, req?.body.temperature], ['llava-hf/llava-1.5-7b-hf', 77, 0.3]);
});

test('Ollama protocol: /api/chat with images, options and stream off; no key sent when none given', async () => {
  const answer = await clients().ollama.describe({ prompt: 'Describe.', image });
  assert.is(answer, 'A red team crest.');
  const [req] = server.requests;
  assert.is(req?.protocol, 'ollama');
  assert.is(req?.authorization, undefined);
  assert.equal([req?.body.model, req?.body.options], ['llava:7b', { temperature: 0.3, num_predict: 77 }]);
});

for (const name of ['openai', 'ollama'] as const) {
  const failing = async (reply: Parameters<typeof startFakeServer>[0]): Promise<LmmErrorT> => {
    server.handler = reply;
    try {
      return (await rejects(() => clients()[name].describe({ prompt: 'p', image }), LmmError, /./)) as LmmErrorT;
    } finally {
      server.handler = () => ({ content: 'A red team crest.' });
    }
  };

  test(`${name}: 429 with Retry-After is retryable and carries the wait`, async () => {
    const err = await failing(() => ({ status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached', type: 'rate_limit' } } }));
    assert.equal([err.kind, err.status, err.retryAfterMs, err.retryable], ['http', 429, 2000, true]);
    assert.match(err.message, /HTTP 429/);
  });

  test(`${name}: 500 is retryable, 400 is not, and the server's reason is kept`, async () => {
    const e500 = await failing(() => ({ status: 500, body: { error: 'model runner crashed' } }));
    assert.equal([e500.kind, e500.status, e500.retryable], ['http', 500, true]);
    const e400 = await failing(() => ({ status: 400, body: { error: 'image too small' } }));
    assert.equal([e400.status, e400.retryable], [400, false]);
    assert.match(e400.message, /^HTTP 400: .*image too small/);
  });

  test(`${name}: a response slower than the timeout is a retryable timeout`, async () => {
    const started = Date.now();
    const err = await failing(() => ({ delayMs: 2000, content: 'late' }));
    assert.equal([err.kind, err.retryable], ['timeout', true]);
    assert.match(err.message, /no response within 300 ms/);
    assert.ok(Date.now() - started < 1500, 'waited past the timeout');
  });

  test(`${name}: malformed responses are 'malformed' and not retried`, async () => {
    for (const body of ['<html>gateway</html>', { choices: [] }, { message: {} }, { unexpected: true }]) {
      const err = await failing(() => ({ body }));
      assert.equal([err.kind, err.retryable], ['malformed', false], JSON.stringify(body));
    }
    const broken = await failing(() => ({ body: '{"choices": [', headers: { 'content-type': 'application/json' } }));
    assert.equal([broken.kind, broken.retryable], ['malformed', false]);
    const empty = await failing(() => ({ content: '   ' }));
    assert.match(empty.message, /empty text/);
  });

  test(`${name}: a refused connection is a retryable network error`, async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const client = lmm.createVisionClient({ provider: name, baseURL: `http://127.0.0.1:${port}${name === 'openai' ? '/v1' : ''}`, model: 'm', timeoutMs: 1000 });
    const err = (await rejects(() => client.describe({ prompt: 'p', image }), LmmError, /connection failed/)) as LmmErrorT;
    assert.equal([err.kind, err.retryable], ['network', true]);
  });

  test(`${name}: the caller's abort is not mistaken for a timeout`, async () => {
    server.handler = () => ({ hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = (await rejects(() => clients()[name].describe({ prompt: 'p', image, signal: controller.signal }), LmmError, /aborted/)) as LmmErrorT;
    assert.is(err.kind, 'aborted');
    server.handler = () => ({ content: 'A red team crest.' });
  });
}

test('options are checked before any request', () => {
  const base = { provider: 'openai' as const, baseURL: 'http://127.0.0.1:1/v1', model: 'm' };
  assert.throws(() => lmm.createVisionClient({ ...base, baseURL: 'ftp://x' }), /expected an http\(s\) base URL/);
  assert.throws(() => lmm.createVisionClient({ ...base, maxTokens: 0 }), /expected maxTokens to be a positive integer/);
  assert.throws(() => lmm.createVisionClient({ ...base, temperature: -1 }), /expected temperature in \[0, 2\]/);
  assert.throws(() => lmm.createVisionClient({ ...base, model: ' ' }), /expected a model name/);
});

test.run();
