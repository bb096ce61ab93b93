// Downloads under trouble: a connection cut midway resumes from <etag>.incomplete with a Range
// request (within the call, and in a later call after the first gave up), a corrupt blob in the
// cache or a corrupt transfer is fetched again, two concurrent fetches of one file download it
// once under the lock, and a redirect to another origin is refused before any request is made.
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { HubError, resolveModel } from '../../lib/hub/index.js';
import { rejects } from '../helpers.js';
import { fakeHubFor, sha256, startFakeHub } from './hub-server.js';
import { bertRepo, hubEnv } from './repos.js';

const test = suite('hub: faults');
const hub = fakeHubFor(test, { 'tiny/bert': bertRepo() });
const weights = bertRepo().files['model.safetensors']!;
const blobName = sha256(weights);
const blobPath = (env: Record<string, string>) => join(env.HF_HOME!, 'hub', 'models--tiny--bert', 'blobs', blobName);
const storageGets = () => hub.requests.filter((r) => r.method === 'GET' && r.path === `/storage/${blobName}`);


test('a connection cut midway is resumed with a Range request in the same call', async () => {
  const env = await hubEnv(hub);
  const lines: string[] = [];
  hub.faults.cut = { bytes: 10_000, count: 1 };
  const r = await resolveModel('tiny/bert', { env, progress: false, log: (l) => lines.push(l) });
  assert.equal(storageGets().map((g) => g.range), [undefined, 'bytes=10000-']);
  assert.ok(lines.some((l) => /connection (lost|ended).*at byte 10000 of 27888.*resuming/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /downloaded tiny\/bert\/model.safetensors.*resumed at/.test(l)), lines.join('\n'));
  assert.equal(await readFile(join(r.dir, 'model.safetensors')), weights);
});

test('a download that gave up leaves .incomplete; the next call resumes from it', async () => {
  const env = await hubEnv(hub);
  hub.faults.cut = { bytes: 12_345, count: 100 };
  const err = await rejects(resolveModel('tiny/bert', { env, progress: false, log: () => {} }), HubError, /at byte 12345 of 27888.*--offline/);
  assert.is((err as HubError).code, 'SHAPCA_HUB_NETWORK');
  assert.is((await stat(`${blobPath(env)}.incomplete`)).size, 12_345);
  assert.not.ok(existsSync(blobPath(env)));
  hub.faults = {};
  hub.requests.length = 0;
  const r = await resolveModel('tiny/bert', { env, progress: false, log: () => {} });
  assert.equal(storageGets().map((g) => g.range), ['bytes=12345-']);
  assert.equal(await readFile(join(r.dir, 'model.safetensors')), weights);
  assert.not.ok(existsSync(`${blobPath(env)}.incomplete`));
});

test('a corrupt blob in the cache is detected (offline: an error; online: fetched again)', async () => {
  const env = await hubEnv(hub);
  const r = await resolveModel('tiny/bert', { env, progress: false, log: () => {} });
  const spoilt = Buffer.from(weights);
  spoilt.writeUInt8(spoilt.readUInt8(100) ^ 0x55, 100);
  await writeFile(blobPath(env), spoilt);
  await rejects(resolveModel('tiny/bert', { env, offline: true }), HubError, /cached model\.safetensors is corrupt \(sha256 .*run once online/);
  hub.requests.length = 0;
  const lines: string[] = [];
  const again = await resolveModel('tiny/bert', { env, progress: false, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /cached blob is corrupt/.test(l)), lines.join('\n'));
  assert.is(storageGets().length, 1);
  assert.equal(await readFile(join(again.dir, 'model.safetensors')), weights);
  assert.is(again.dir, r.dir);
});

test('a corrupt transfer fails the ETag check and is fetched again from the start', async () => {
  const env = await hubEnv(hub);
  hub.faults.corrupt = 1;
  const lines: string[] = [];
  const r = await resolveModel('tiny/bert', { env, progress: false, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /does not match the Hub's ETag/.test(l)), lines.join('\n'));
  assert.is(storageGets().length, 2);
  assert.equal(await readFile(join(r.dir, 'model.safetensors')), weights);
  hub.faults.corrupt = 5;
  const env2 = await hubEnv(hub);
  await rejects(resolveModel('tiny/bert', { env: env2, progress: false, log: () => {} }), HubError, /does not match the Hub's ETag \(sha256/);
  assert.not.ok(existsSync(blobPath(env2)), 'no corrupt blob is left in the cache');
});

test('sizes are bounded by what the Hub declares: more bytes than declared, or an absurd declaration, stop the download', async () => {
  const env = await hubEnv(hub);
  hub.faults.declare = { 'model.safetensors': 1000 };
  await rejects(resolveModel('tiny/bert', { env, progress: false, log: () => {} }), HubError, /model\.safetensors: the server sent more than the 1000 bytes it declared/);
  assert.not.ok(existsSync(blobPath(env)));
  hub.faults.declare = { 'vocab.txt': 300 * 1024 * 1024 };
  const err = await rejects(resolveModel('tiny/bert', { env, progress: false, log: () => {} }), HubError, /vocab\.txt declares 314572800 bytes, over the \d+-byte bound/);
  assert.is((err as HubError).code, 'SHAPCA_HUB_PROTOCOL');
  hub.faults.declare = { 'config.json': 2 ** 40 };
  await rejects(resolveModel('tiny/bert', { env, progress: false, log: () => {} }), HubError, /config\.json at main has a size of \d+ bytes, over the/);
});

test('two concurrent fetches of one file: one download under the lock, the other waits', async () => {
  const env = await hubEnv(hub);
  hub.faults.trickle = { chunk: 2048, pauseMs: 15 };
  const lines: string[] = [];
  const opts = { env, progress: false, log: (l: string) => lines.push(l) };
  const [a, b] = await Promise.all([resolveModel('tiny/bert', opts), resolveModel('tiny/bert', opts)]);
  assert.is(a.dir, b.dir);
  assert.is(storageGets().length, 1, 'downloaded once');
  assert.ok(lines.some((l) => /waiting for another process that is downloading tiny\/bert\/model\.safetensors/.test(l)), lines.join('\n'));
  assert.equal(await readFile(join(a.dir, 'model.safetensors')), weights);
});

test('a redirect to another origin is refused before any request to it; an allowed one gets no token', async () => {
  const other = await startFakeHub({ 'tiny/bert': bertRepo() });
  try {
    const env = await hubEnv(hub, { HF_TOKEN: 'hf_redirect_secret' });
    hub.faults.storageOrigin = other.origin;
    const err = await rejects(resolveModel('tiny/bert', { env, progress: false, log: () => {} }), HubError, /refused a redirect from http:\/\/127\.0\.0\.1:\d+ to http:\/\/127\.0\.0\.1:\d+/);
    assert.is((err as HubError).code, 'SHAPCA_HUB_REDIRECT');
    assert.is(other.requests.length, 0);
    assert.not.match(err.message, /hf_redirect_secret/);
    const r = await resolveModel('tiny/bert', { env, progress: false, log: () => {}, storageOrigins: [other.origin] });
    assert.equal(await readFile(join(r.dir, 'model.safetensors')), weights);
    assert.ok(other.requests.length > 0);
    assert.ok(other.requests.every((q) => q.authorization === undefined), 'no token to storage');
    assert.ok(hub.requests.every((q) => q.authorization === 'Bearer hf_redirect_secret'), 'the token to the endpoint');
  } finally {
    await other.close();
  }
});

test.run();
