// Back-off and Retry-After handling, with a recording sleep so no test waits for real.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { lmm } from '../../lib/index.js';
import { rejects } from '../helpers.js';

const { LmmError, withRetries, parseRetryAfter, backoffDelay, renderPrompt, DEFAULT_PROMPT } = lmm;
const test = suite('retry');
const headers = (h: Record<string, string>) => new Headers(h);

test('Retry-After: milliseconds header, seconds, HTTP date, garbage', () => {
  assert.is(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
  assert.is(parseRetryAfter(headers({ 'retry-after': '2' })), 2000);
  assert.is(parseRetryAfter(headers({ 'retry-after': '0.5' })), 500);
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.is(parseRetryAfter(headers({ 'retry-after': 'Mon, 01 Jan 2024 00:00:03 GMT' }), now), 3000);
  assert.is(parseRetryAfter(headers({ 'retry-after': 'Mon, 01 Jan 2023 00:00:03 GMT' }), now), 0);
  assert.is(parseRetryAfter(headers({ 'retry-after': 'soon' })), undefined);
  assert.is(parseRetryAfter(headers({})), undefined);
});

test('back-off doubles, jitters within ±25%, and is capped', () => {
  assert.equal([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 10_000, () => 0.5)), [100, 200, 400, 800]);
  assert.is(backoffDelay(1, 100, 10_000, () => 0), 75);
  assert.is(backoffDelay(1, 100, 10_000, () => 0.999999), 124.99995);
  assert.is(backoffDelay(20, 100, 5000, () => 0.9), 5000);
});

test('retryable failures are retried, honouring Retry-After; others are not', async () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const failures = [
    new LmmError('http', 'HTTP 429', { status: 429, retryAfterMs: 3000 }),
    new LmmError('http', 'HTTP 503', { status: 503 }),
    new LmmError('timeout', 'slow'),
    new LmmError('network', 'ECONNRESET'),
  ];
  const result = await withRetries(async (n) => {
    if (n <= failures.length) throw failures[n - 1];
    return 'described';
  }, { retries: 4, baseDelayMs: 100, sleep, random: () => 0.5 });
  assert.equal(result, { value: 'described', attempts: 5 });
  assert.equal(waits, [3000, 200, 400, 800]);

  let calls = 0;
  const err = await rejects(
    () => withRetries(async () => { calls++; throw new LmmError('http', 'HTTP 400: bad image', { status: 400 }); }, { sleep }),
    LmmError,
    /HTTP 400/,
  );
  assert.is(calls, 1);
  assert.is((err as InstanceType<typeof LmmError>).attempts, 1);
  await rejects(() => withRetries(async () => { throw new LmmError('malformed', 'no choices'); }, { sleep }), LmmError, /no choices/);
});

test('giving up after the last retry keeps the error and the attempt count', async () => {
  const waits: number[] = [];
  const err = await rejects(
    () => withRetries(async () => { throw new LmmError('http', 'HTTP 500', { status: 500 }); }, { retries: 2, baseDelayMs: 10, sleep: async (ms) => void waits.push(ms), random: () => 0.5 }),
    LmmError,
    /HTTP 500/,
  );
  assert.is((err as InstanceType<typeof LmmError>).attempts, 3);
  assert.equal(waits, [10, 20]);
  // A server asking for longer than the cap is waited on for the cap.
  const capped: number[] = [];
  await rejects(
    () => withRetries(async () => { throw new LmmError('http', 'HTTP 429', { status: 429, retryAfterMs: 3_600_000 }); }, { retries: 1, maxDelayMs: 5000, sleep: async (ms) => void capped.push(ms) }),
    LmmError,
    /429/,
  );
  assert.equal(capped, [5000]);
});

test('an abort during the back-off wait stops the retries', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 10);
  const started = Date.now();
  await rejects(() => withRetries(async () => { throw new LmmError('network', 'down'); }, { baseDelayMs: 10_000 }, controller.signal), LmmError, /aborted/);
  assert.ok(Date.now() - started < 1000);
});

test('prompt templates: {text} filled, or its line dropped', () => {
  assert.is(renderPrompt('Describe.\nText: "{text}"', 'Go Cardinals'), 'Describe.\nText: "Go Cardinals"');
  assert.is(renderPrompt('Describe.\nText: "{text}"'), 'Describe.');
  assert.is(renderPrompt('Describe.\nText: "{text}"', '   '), 'Describe.');
  assert.ok(renderPrompt(DEFAULT_PROMPT).startsWith('Describe this image in detail and factually.'));
  assert.not.match(renderPrompt(DEFAULT_PROMPT), /\{text\}/);
});

test.run();
