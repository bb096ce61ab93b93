// Streaming extraction on a tiny model: one result per record in input order whatever the batching,
// batches of similar lengths, the next window prepared while the model runs, per-record errors
// (bad JSON and fields, unreadable images, a post the model fails on) while the rest go on,
// CoNLL input, contexts from records and context sets, and the one-post call.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { Extractor, extract, type ExtractionModel, type ExtractRecord, type ExtractResult } from '../../lib/index.js';
import { tiny, type Tiny } from './tiny.js';

const test = suite('extract: pipeline');
let t: Tiny;
let ner: ExtractionModel;

async function collect(it: AsyncIterable<ExtractResult>): Promise<ExtractResult[]> {
  const out: ExtractResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Test posts of varied length, ids p0..p(n−1), images by name. */
function posts(n: number): ExtractRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const ex = t.train[i % t.train.length]!;
    const tokens = [...ex.tokens, ...ex.tokens].slice(0, 2 + ((i * 7) % 9));
    return { id: `p${i}`, tokens, image: `${ex.id.split('#')[0]}.jpg` };
  });
}

test.before(async () => {
  t = await tiny();
  ner = extract.nerExtractionModel(t.model);
});

test('one result per record, in input order, the same whatever the batch and window sizes', async () => {
  const input = posts(37);
  const opts = { imagesDir: join(t.data, 'images'), contexts: t.contexts };
  const a = await collect(new Extractor(ner).extract(input, { ...opts, batchSize: 4, window: 10 }));
  const b = await collect(new Extractor(ner).extract(input, { ...opts, batchSize: 16, window: 37 }));
  assert.equal(a.map((r) => r.id), input.map((r) => r.id));
  assert.equal(a.map((r) => r.tokens), input.map((r) => r.tokens));
  for (const [i, r] of a.entries()) {
    assert.not.ok(r.error ?? r.imageError, JSON.stringify(r));
    for (const e of r.entities) {
      assert.ok(e.score > 0 && e.score <= 1 && e.end <= r.tokens.length && e.text === r.tokens.slice(e.start, e.end).join(' '), JSON.stringify(e));
    }
    // batching changes only rounding: the same entities, scores within float noise
    assert.equal(r.entities.map((e) => [e.start, e.end, e.type]), b[i]!.entities.map((e) => [e.start, e.end, e.type]));
    r.entities.forEach((e, j) => assert.ok(Math.abs(e.score - b[i]!.entities[j]!.score) <= 2e-4));
  }
});

test('batches hold posts of similar length; the next window is read while the model runs', async () => {
  const calls: { lengths: number[]; pulledBefore: number; pulledAfter: number }[] = [];
  let pulled = 0;
  const spy: ExtractionModel = {
    ...ner,
    async run(inputs) {
      const pulledBefore = pulled;
      const out = await ner.run(inputs);
      await new Promise((r) => setTimeout(r, 15)); // slow enough for the reader to run ahead
      calls.push({ lengths: inputs.map((x) => x.tokens.length), pulledBefore, pulledAfter: pulled });
      return out;
    },
  };
  async function* source() {
    for (const r of posts(36)) {
      pulled++;
      yield r;
    }
  }
  const results = await collect(new Extractor(spy).extract(source(), { batchSize: 4, window: 12 }));
  assert.is(results.length, 36);
  for (const c of calls) assert.ok(c.lengths.every((l, i) => i === 0 || l >= c.lengths[i - 1]!), `sorted by length: ${c.lengths}`);
  // while window 1 (records 0..11, three calls) ran, window 2 was read, and window 3 not yet
  const first = calls.slice(0, 3).map((c) => c.pulledAfter);
  assert.ok(first.includes(24) && first.every((p) => p <= 24), JSON.stringify(first));
});

test('a malformed record gets its error and the rest go on', async () => {
  const file = join(t.dir, 'mixed.jsonl');
  const lines = [
    JSON.stringify({ id: 'ok1', text: 'Paris meets Aurora', image: `${t.train[0]!.id.split('#')[0]}.jpg` }),
    '{"id": "broken", "text": ',
    '',
    JSON.stringify({ id: 'no-text' }),
    JSON.stringify({ id: 7, tokens: ['a', ''] }),
    JSON.stringify([1, 2]),
    JSON.stringify({ id: 'bad-image', text: 'Chelsea wins', image: 'nope.jpg' }),
    JSON.stringify({ text: 'Savannah again', context: 'A city at night.' }),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const s = await extract.extractFile(ner, { input: file, output: join(t.dir, 'mixed.out.jsonl'), imagesDir: join(t.data, 'images'), overwrite: true, batchSize: 2 });
  assert.is(s.written, 7);
  assert.is(s.errors, 4);
  assert.is(s.imageErrors, 1);
  const out = (await import('node:fs')).readFileSync(join(t.dir, 'mixed.out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ExtractResult);
  assert.equal(out.map((r) => r.id), ['ok1', '2', 'no-text', '7', '6', 'bad-image', '8']);
  assert.match(out[1]!.error!, /^line 2: invalid JSON/);
  assert.match(out[2]!.error!, /^line 4: expected "text" \(a string\) or "tokens"/);
  assert.match(out[3]!.error!, /tokens\[1\] to be a non-empty string/);
  assert.match(out[4]!.error!, /line 6: expected a JSON object but found a list of 2/);
  assert.ok(out[0]!.entities.length > 0 && out[0]!.error === undefined);
  assert.match(out[5]!.imageError!, /nope\.jpg: cannot read the image/);
  assert.ok(out[5]!.entities.length > 0, 'run without its image');
  assert.equal(out[6]!.tokens, ['Savannah', 'again']);
});

test('a post the model fails on fails alone', async () => {
  const flaky: ExtractionModel = {
    ...ner,
    async run(inputs) {
      if (inputs.some((x) => x.id === 'p3')) throw new RangeError('cannot run p3');
      return ner.run(inputs);
    },
  };
  const r = await collect(new Extractor(flaky).extract(posts(6), { batchSize: 6 }));
  assert.equal(r.map((x) => x.error ?? ''), ['', '', '', 'the model failed on this post: cannot run p3', '', '']);
  const broken: ExtractionModel = { ...ner, run: async () => { throw new TypeError('model disposed'); } };
  try {
    await collect(new Extractor(broken).extract(posts(3)));
    assert.unreachable('a model that fails on everything stops the run');
  } catch (err) {
    assert.match((err as Error).message, /model disposed/);
  }
});

test('CoNLL input: ids, tokens and images from the IMGID lines; contexts by image id', async () => {
  const file = join(t.data, 'ner', 'test.txt');
  const items = [];
  for await (const item of extract.conllItems(file, { images: true })) items.push(item);
  assert.is(items.length, 24);
  const first = extract.checkRecord(items[0]!);
  assert.ok(first.ok);
  if (first.ok) assert.equal([first.record.id, first.record.image], ['syn_test_00000', 'syn_test_00000.jpg']);
  const withCtx = await collect(extract.runPipeline(ner, extract.conllItems(file, { images: true }), { imagesDir: join(t.data, 'images'), contexts: t.contexts }));
  const without = await collect(extract.runPipeline(ner, extract.conllItems(file), {}));
  assert.is(withCtx.length, 24);
  assert.ok(withCtx.every((r) => !r.error && !r.imageError));
  // the context and image change the scores (the model sees them)
  assert.ok(withCtx.some((r, i) => JSON.stringify(r.entities) !== JSON.stringify(without[i]!.entities)));
  const bad = join(t.dir, 'bad.conll');
  writeFileSync(bad, 'IMGID:1\nRocky\tB-PER\n\nstray\tO\n\nIMGID:2\nwins\tO\n');
  const r = await collect(extract.runPipeline(ner, extract.conllItems(bad), {}));
  assert.equal(r.map((x) => x.id), ['1', 'line 4', '2']);
  assert.match(r[1]!.error!, /line 4: expected an IMGID:<id> line/);
});

test('predict: one post; its context from the record; a bad record throws', async () => {
  const ex = new Extractor(ner, { imagesDir: join(t.data, 'images') });
  const r = await ex.predict({ text: 'Chelsea meets Preston', context: 'A football crest.', image: `${t.train[1]!.id.split('#')[0]}.jpg` });
  assert.is(r.id, '1');
  assert.equal(r.tokens, ['Chelsea', 'meets', 'Preston']);
  const noCtx = await ex.predict({ text: 'Chelsea meets Preston', image: `${t.train[1]!.id.split('#')[0]}.jpg` });
  assert.is.not(JSON.stringify(r.entities), JSON.stringify(noCtx.entities));
  try {
    await ex.predict({ text: '   ' });
    assert.unreachable('an empty post is an error');
  } catch (err) {
    assert.match((err as Error).message, /record 1: expected at least one token/);
  }
});

test('entity score: the mean posterior of the span tags', () => {
  const tags = new Map([['O', 0], ['B-PER', 1], ['I-PER', 2]]);
  const post = Float32Array.from([0.1, 0.8, 0.1, /**/ 0.2, 0.1, 0.7, /**/ 0.9, 0.05, 0.05]);
  assert.ok(Math.abs(extract.spanScore(post, 3, tags, { start: 0, end: 2, type: 'PER' }) - 0.75) < 1e-6);
  assert.ok(Math.abs(extract.spanScore(post, 3, tags, { start: 1, end: 2, type: 'PER' }) - 0.1) < 1e-6);
  assert.is(extract.spanScore(post, 3, tags, { start: 2, end: 4, type: 'PER' }), 0, 'past the kept words');
  assert.is(extract.spanScore(post, 3, tags, { start: 0, end: 1, type: 'LOC' }), 0, 'unknown type');
});

test.run();
