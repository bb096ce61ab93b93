// The pieces of distributed extraction that need no server: queue URLs (parsed, and the password
// never in a message), chunks aligned to record positions, resuming inside a chunk, the lines of
// a chunk that failed, and the model's content hash.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { chunksOf, chunkSizeOf, failedChunkLines, linesFrom } from '../../lib/distributed/chunks.js';
import { modelHash } from '../../lib/distributed/model-identity.js';
import { parseRedisUrl, QueueError, queueUrlOf } from '../../lib/distributed/redis-url.js';
import type { SourceItem } from '../../lib/extract/records.js';
import { tiny } from '../extract/tiny.js';

const test = suite('distributed: URLs, chunks, model identity');

test('queue URLs: host, port, db, user and password for ioredis; the password hidden in what is printed', () => {
  const t = parseRedisUrl('redis://alice:p%40ss-w0rd-xyz@127.0.0.23:6380/4');
  assert.equal(t.options, { host: '127.0.0.23', port: 6380, db: 4, username: 'alice', password: 'p@ss-w0rd-xyz' });
  assert.is(t.display, 'redis://alice:***@127.0.0.23:6380/4');
  const leak = 'connect failed for redis://alice:p%40ss-w0rd-xyz@127.0.0.23:6380/4 (auth p@ss-w0rd-xyz)';
  assert.is(t.redact(leak), 'connect failed for redis://alice:***@127.0.0.23:6380/4 (auth ***)');
  assert.equal(parseRedisUrl('redis://localhost').options, { host: 'localhost', port: 6379, db: 0 });
  assert.equal(parseRedisUrl('rediss://:only-a-secret@h:1').options, { host: 'h', port: 1, db: 0, password: 'only-a-secret', tls: {} });
  assert.is(parseRedisUrl('rediss://:only-a-secret@h:1').display, 'rediss://:***@h:1');
  for (const [bad, why] of [['http://h:1', /redis:\/\/ or rediss:\/\//], ['redis://h:1/x', /database number/], ['redis://h:1/?a=1', /no query/]] as const) {
    assert.throws(() => parseRedisUrl(bad), (e: Error) => e instanceof QueueError && why.test(e.message));
  }
  // not a URL at all: the message does not repeat the text (it may be a password)
  assert.throws(() => parseRedisUrl('s3cret-not-a-url'), (e: Error) => !e.message.includes('s3cret'));
  assert.is(queueUrlOf('redis://a:1', {}), 'redis://a:1');
  assert.is(queueUrlOf(true, { SHAPCA_REDIS_URL: 'redis://b:2' }), 'redis://b:2');
  assert.throws(() => queueUrlOf(true, {}), /SHAPCA_REDIS_URL/);
});

const item = (i: number): SourceItem => ({ json: JSON.stringify({ id: `r${i}`, text: 'a b' }), fallbackId: String(i + 1), where: `line ${i + 1}` });
async function* items(n: number): AsyncGenerator<SourceItem> {
  for (let i = 0; i < n; i++) yield item(i);
}

test('chunks: whole windows at absolute positions; a resume starts at the chunk that holds the first missing record', async () => {
  assert.is(chunkSizeOf(undefined, 256), 256);
  assert.is(chunkSizeOf(undefined, 96), 288);
  assert.is(chunkSizeOf(512, 128), 512);
  assert.throws(() => chunkSizeOf(100, 64), /multiple of the window \(64 records\).*try 128/);
  const all: { start: number; n: number }[] = [];
  for await (const c of chunksOf(items(10), 4)) all.push({ start: c.start, n: c.items.length });
  assert.equal(all, [{ start: 0, n: 4 }, { start: 4, n: 4 }, { start: 8, n: 2 }]);
  const resumed: number[] = [];
  for await (const c of chunksOf(items(10), 4, 6)) resumed.push(c.start);
  assert.equal(resumed, [4, 8]);
  assert.is(linesFrom('a\nb\nc\n', 2), 'c\n');
  assert.is(linesFrom('a\nb\n', 0), 'a\nb\n');
  assert.is(linesFrom('a\n', 3), '');
});

test('a chunk that failed every attempt: one error line per record, ids as the records have them', () => {
  const chunk = { start: 4, items: [item(4), { error: 'invalid JSON', fallbackId: '6', where: 'line 6' }] };
  const out = failedChunkLines(chunk, 'chunk of records 5–6 failed after 3 attempts: boom').split('\n');
  assert.equal(out.slice(0, 2).map((l) => JSON.parse(l) as unknown), [
    { id: 'r4', tokens: [], entities: [], error: 'chunk of records 5–6 failed after 3 attempts: boom' },
    { id: '6', tokens: [], entities: [], error: 'chunk of records 5–6 failed after 3 attempts: boom' },
  ]);
});

test('model identity: the same files hash the same wherever they are; one changed byte changes it; a folder without a model is an error', async () => {
  const t = await tiny();
  const dir = mkdtempSync(join(tmpdir(), 'shapca-hash-'));
  try {
    const copy = join(dir, 'copy');
    cpSync(t.modelDir, copy, { recursive: true });
    const h = await modelHash(t.modelDir);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.is(await modelHash(copy), h);
    writeFileSync(join(copy, 'notes.txt'), 'not a model file'); // files the loader does not read do not count
    assert.is(await modelHash(copy), h);
    const vocab = join(copy, 'tokenizer', 'vocab.txt');
    writeFileSync(vocab, `${readFileSync(vocab, 'utf8')}extra\n`);
    assert.is.not(await modelHash(copy), h);
    let err: Error | null = null;
    await modelHash(dir).catch((e: Error) => (err = e));
    assert.match(String(err), /not a model folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
