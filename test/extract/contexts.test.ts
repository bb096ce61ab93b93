// Contexts generated on the fly through the LMM context client (a local fake server): asked once
// per image, then served from the shared cache; a failed request leaves the post without a
// context (contextError) while the rest go on; a record's own context or the context set wins.
// Also the progress bar: records and records/s on a terminal, silent elsewhere.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { Extractor, extract, lmm, type ExtractRecord, type ExtractResult } from '../../lib/index.js';
import { createExtractProgress } from '../../lib/extract/progress.js';
import { type FakeServer, startFakeServer } from '../lmm/fake-server.js';
import { tiny, type Tiny } from './tiny.js';

const test = suite('extract: contexts and progress');
let t: Tiny;
let server: FakeServer;

async function collect(it: AsyncIterable<ExtractResult>): Promise<ExtractResult[]> {
  const out: ExtractResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

test.before(async () => {
  t = await tiny();
  // requests 2 and 7 fail; answers are a function of the image
  server = await startFakeServer((req, index) =>
    index === 2 || index === 7 ? { status: 400, body: { error: 'bad image' } } : { content: `a photo numbered ${createHash('sha256').update(req.image).digest('hex').slice(0, 6)}` },
  );
});
test.after(async () => {
  await server.close();
});

test('generated once per image, then from the cache; a failed request gives contextError and no context', async () => {
  const client = lmm.createVisionClient({ provider: 'ollama', baseURL: server.origin, model: 'llava:7b', timeoutMs: 2000 });
  const generate = { client, cacheDir: join(t.dir, 'cache'), retry: { retries: 0 }, concurrency: 2 };
  const records: ExtractRecord[] = t.train.slice(0, 10).map((e, i) => ({ id: `g${i}`, tokens: e.tokens, image: `${e.id.split('#')[0]}.jpg` }));
  records.push({ id: 'own', text: 'Paris again', image: records[0]!.image!, context: 'Given by the record.' });
  records.push({ id: 'no-image', text: 'Paris again' });
  const ex = new Extractor(extract.nerExtractionModel(t.model), { imagesDir: join(t.data, 'images'), generate });
  const first = await collect(ex.extract(records, { batchSize: 4 }));
  assert.is(first.length, 12);
  const failed = first.filter((r) => r.contextError);
  assert.is(server.requests.length, 10, 'one request per image; none for a record with its own context or without an image');
  assert.ok(server.maxInFlight <= 2);
  assert.is(failed.length, 2);
  for (const r of failed) assert.match(r.contextError!, /400/);
  assert.ok(first.every((r) => !r.error), 'the others go on');
  // a rerun asks only for what failed: the rest comes from the cache, with the same results
  const again = await collect(ex.extract(records, { batchSize: 4 }));
  assert.is(server.requests.length, 12);
  assert.ok(again.every((r) => !r.contextError));
  // (equal up to batching noise: the two posts that now have a context may sit in other batches)
  const kept = again.filter((r) => !failed.some((f) => f.id === r.id));
  const before = first.filter((r) => !r.contextError);
  assert.equal(kept.map((r) => r.entities.map((e) => [e.start, e.end, e.type])), before.map((r) => r.entities.map((e) => [e.start, e.end, e.type])));
  kept.forEach((r, i) => r.entities.forEach((e, j) => assert.ok(Math.abs(e.score - before[i]!.entities[j]!.score) <= 2e-4)));
  // the generated context reaches the model: without generation the results differ
  const plain = await collect(new Extractor(extract.nerExtractionModel(t.model), { imagesDir: join(t.data, 'images') }).extract(records, { batchSize: 4 }));
  const generated = first.findIndex((r, i) => i < 10 && !r.contextError);
  assert.is.not(JSON.stringify(plain[generated]!.entities), JSON.stringify(first[generated]!.entities));
});

test('contexts from a context set by image id, or by record id', async () => {
  const ctx = new extract.ContextSource({ contexts: t.contexts });
  const id = t.train[0]!.id.split('#')[0]!;
  assert.is((await ctx.resolve({ id: 'x', tokens: ['a'], imagePath: `/somewhere/${id}.jpg` })).context, t.contexts.get(id)!.context);
  assert.is((await ctx.resolve({ id, tokens: ['a'] })).context, t.contexts.get(id)!.context);
  assert.equal(await ctx.resolve({ id: 'unknown', tokens: ['a'] }), {});
  assert.is((await ctx.resolve({ id, tokens: ['a'], context: 'mine' })).context, 'mine');
});

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  Object.assign(w, { isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => text };
}

test('progress bar: records, records/s and errors on a terminal; silent elsewhere', async () => {
  const { stream, text } = fakeStream(true);
  const bar = createExtractProgress(100, 20, true, stream);
  await new Promise((r) => setTimeout(r, 20));
  bar.update(60, 3);
  bar.stop();
  bar.stop();
  assert.match(text(), /extract \|.*\| 60\/100 \| \d+(\.\d)? records\/s \| ETA .* \| errors 3/);
  for (const [tty, enabled] of [[false, true], [true, false]] as const) {
    const quiet = fakeStream(tty);
    const b = createExtractProgress(10, 0, enabled, quiet.stream);
    b.update(5, 0);
    b.stop();
    assert.is(quiet.text(), '');
  }
});

test.run();
