// Extraction with relation (MRE) and joint (MJERE) models: one result per record in input order
// whatever the batching, the pair's label and its softmax probability (re), entities with CRF
// posterior scores and relations between them (joint), a malformed pair gets its error while the
// rest go on, MNRE files as input (ids, pairs, contexts by image id), and `shapca extract` on one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extract, type ExtractionModel, type ExtractRecord, type ExtractResult } from '../../lib/index.js';
import { cli } from './cli.js';
import { tinyRel, type TinyRel } from './tiny-rel.js';

const test = suite('extract: relations and joint');
let t: TinyRel;
let re: ExtractionModel;
let joint: ExtractionModel;
type Span = extract.ExtractedSpan;

async function collect(it: AsyncIterable<ExtractResult>): Promise<ExtractResult[]> {
  const out: ExtractResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const imageOf = (id: string) => `${id.split('#')[0]!.replace(/\.jpg$/, '')}.jpg`;

/** Relation records of varied length: the MNRE training pairs, repeated with ids q0..q(n−1). */
function pairs(n: number): ExtractRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const ex = t.reTrain[i % t.reTrain.length]!;
    const pad = Array.from({ length: i % 5 }, () => 'again');
    return { id: `q${i}`, tokens: [...ex.tokens, ...pad], head: ex.head, tail: ex.tail, image: imageOf(ex.id) };
  });
}

test.before(async () => {
  t = await tinyRel();
  re = extract.extractionModelOf(t.re);
  joint = extract.extractionModelOf(t.joint);
});

test('re: one relation per record, in order, whatever the batching; the label is the argmax and its score its softmax probability', async () => {
  const input = pairs(23);
  const opts = { imagesDir: join(t.data, 'images'), contexts: t.contexts };
  const a = await collect(new extract.Extractor(re).extract(input, { ...opts, batchSize: 3, window: 7 }));
  const b = await collect(new extract.Extractor(re).extract(input, { ...opts, batchSize: 16, window: 23 }));
  assert.equal(a.map((r) => r.id), input.map((r) => r.id));
  const labels = t.re.classifier.labels;
  // the model itself on the same pairs, one batch
  const examples = input.map((r, i) => ({ id: String(i), tokens: r.tokens!, head: r.head as Span, tail: r.tail as Span, context: t.reTrain[i % t.reTrain.length]!.context!, pixels: t.reTrain[i % t.reTrain.length]!.pixels! }));
  const direct = await t.re.predict(t.re.encode(examples), { probabilities: true });
  for (const [i, r] of a.entries()) {
    assert.not.ok(r.error ?? r.imageError, JSON.stringify(r));
    assert.equal(r.entities, []);
    assert.is(r.relations!.length, 1);
    const rel = r.relations![0]! as extract.ExtractedRelation<Span>;
    const { head, tail } = input[i]! as { head: Span; tail: Span };
    assert.equal(rel.head, { start: head.start, end: head.end, text: r.tokens.slice(head.start, head.end).join(' ') });
    assert.equal(rel.tail, { start: tail.start, end: tail.end, text: r.tokens.slice(tail.start, tail.end).join(' ') });
    assert.ok(labels.includes(rel.label));
    const probs = direct[i]!.probs!;
    assert.ok(Math.abs(probs.reduce((s, p) => s + p, 0) - 1) < 1e-5);
    assert.ok(Math.abs(rel.score - probs[labels.indexOf(rel.label)]!) <= 2e-4, `${rel.score} vs ${probs[labels.indexOf(rel.label)]}`);
    assert.ok(Math.max(...probs) - rel.score <= 2e-4, 'the most probable label');
    assert.equal([b[i]!.relations![0]!.label, b[i]!.relations![0]!.head], [rel.label, rel.head]);
    assert.ok(Math.abs(b[i]!.relations![0]!.score - rel.score) <= 2e-4);
  }
});

test('re: a pair by name; a malformed record gets its error and the rest go on', async () => {
  const file = join(t.dir, 're-mixed.jsonl');
  const lines = [
    { id: 'ok', text: 'Paris meets Aurora today', head: { start: 0, end: 1 }, tail: { name: 'Aurora' } },
    { id: 'no-head', text: 'Paris meets Aurora', tail: { start: 2, end: 3 } },
    { id: 'no-tail', text: 'Paris meets Aurora', head: { start: 0, end: 1 } },
    { id: 'past-end', text: 'Paris meets Aurora', head: { start: 0, end: 1 }, tail: { start: 2, end: 4 } },
    { id: 'empty', text: 'Paris meets Aurora', head: { start: 1, end: 1 }, tail: { start: 2, end: 3 } },
    { id: 'unknown-name', text: 'Paris meets Aurora', head: { name: 'London' }, tail: { start: 2, end: 3 } },
    { id: 'not-object', text: 'Paris meets Aurora', head: [0, 1], tail: { start: 2, end: 3 } },
    { id: 'same-name', text: 'Paris and Paris', head: { name: 'Paris' }, tail: { name: 'Paris' } },
  ].map((r) => JSON.stringify(r));
  lines.splice(2, 0, '{"id": "torn", "text": ');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const output = join(t.dir, 're-mixed.out.jsonl');
  const s = await extract.extractFile(re, { input: file, output, overwrite: true, batchSize: 2 });
  assert.is(s.written, 9);
  assert.is(s.errors, 7);
  const out = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ExtractResult);
  assert.equal(out.map((r) => r.id), ['ok', 'no-head', '3', 'no-tail', 'past-end', 'empty', 'unknown-name', 'not-object', 'same-name']);
  const ok = out[0]!.relations![0]! as extract.ExtractedRelation<Span>;
  assert.equal([ok.head, ok.tail], [{ start: 0, end: 1, text: 'Paris' }, { start: 2, end: 3, text: 'Aurora' }]);
  assert.match(out[1]!.error!, /^line 2: expected "head" \(a token span \{"start", "end"\} or \{"name"\}\) for a relation model but found none$/);
  assert.match(out[2]!.error!, /^line 3: invalid JSON/);
  assert.match(out[3]!.error!, /^line 4: expected "tail"/);
  assert.match(out[4]!.error!, /^line 5: expected tail to satisfy 0 <= start < end <= 3 \(the token count\) but found \[2, 4\)$/);
  assert.match(out[5]!.error!, /expected head to satisfy 0 <= start < end <= 3 .* found \[1, 1\)$/);
  assert.match(out[6]!.error!, /expected head\.name "London" to occur in the tokens/);
  assert.match(out[7]!.error!, /expected head to be an object .* but found a list of 2/);
  for (const r of out.slice(1, 8)) assert.equal([r.entities, r.relations], [[], undefined]);
  // the same name twice: the tail is its other occurrence
  const same = out[8]!.relations![0]! as extract.ExtractedRelation<Span>;
  assert.equal([same.head.start, same.tail.start], [0, 2]);
  // a NER model ignores head and tail
  const ner = await collect(new extract.Extractor(extract.extractionModelOf(t.model)).extract([{ text: 'Paris meets Aurora', head: { start: 5, end: 9 } }]));
  assert.not.ok(ner[0]!.error);
});

test('re: MNRE input — ids <img_id>#<line>, pairs from pos, contexts by image id without reading images', async () => {
  const file = join(t.data, 'mre', 'ours_train.txt');
  assert.is(await extract.detectFormat(file), 'mnre');
  assert.is(await extract.countItems(file, 'mnre'), t.reTrain.length);
  const r = await collect(extract.runPipeline(re, extract.mnreItems(file), { contexts: t.contexts, batchSize: 5 }));
  assert.equal(r.map((x) => x.id), t.reTrain.map((e) => e.id), 'the ids `shapca eval` gives');
  const withImages = await collect(extract.runPipeline(re, extract.mnreItems(file, { images: true }), { contexts: t.contexts, imagesDir: join(t.data, 'images'), batchSize: 5 }));
  // the eval path (loadReExamples: contexts and images by img_id), one batch
  const direct = await t.re.predict(t.re.encode(t.reTrain.map(({ relation: _, ...e }) => e)));
  for (const [i, x] of withImages.entries()) {
    assert.not.ok(x.error ?? x.imageError ?? r[i]!.error, JSON.stringify(x));
    const rel = x.relations![0]! as extract.ExtractedRelation<Span>;
    assert.equal([rel.head.start, rel.head.end, rel.tail.start, rel.tail.end], [t.reTrain[i]!.head.start, t.reTrain[i]!.head.end, t.reTrain[i]!.tail.start, t.reTrain[i]!.tail.end]);
    assert.is(rel.label, direct[i]!.relation);
    assert.ok(Math.abs(rel.score - direct[i]!.score) <= 2e-4);
  }
  // contexts were found by image id: without them the scores differ
  const bare = await collect(extract.runPipeline(re, extract.mnreItems(file), { batchSize: 5 }));
  assert.ok(bare.some((x, i) => x.relations![0]!.score !== r[i]!.relations![0]!.score));
  const bad = join(t.dir, 'bad-mnre.txt');
  const good = readFileSync(file, 'utf8').split('\n')[0]!;
  writeFileSync(bad, `${good}\n{'token': ['a'], 'h': {'name': 'a', 'pos': [0, 1]}, 't': {'name': 'a', 'pos': [0, 5]}, 'img_id': 'x.jpg'}\n{'token': [\n\n${good}\n`);
  const b = await collect(extract.runPipeline(re, extract.mnreItems(bad), {}));
  assert.equal(b.map((x) => x.id), [`${t.reTrain[0]!.id.split('#')[0]}#1`, 'x.jpg#2', '3', `${t.reTrain[0]!.id.split('#')[0]}#5`]);
  assert.equal(b.map((x) => x.error === undefined), [true, false, false, true]);
  assert.match(b[1]!.error!, /^line 2: expected tail to satisfy 0 <= start < end <= 1/);
  assert.match(b[2]!.error!, /^line 3: invalid MNRE line \(expected a Python dict literal/);
});

test('joint: entities with posterior scores, relations between them (none label left out), in order whatever the batching', async () => {
  const input = t.train.map((e, i) => ({ id: `j${i}`, tokens: e.tokens, image: imageOf(e.id), context: e.context! }));
  const opts = { imagesDir: join(t.data, 'images') };
  const a = await collect(new extract.Extractor(joint).extract(input, { ...opts, batchSize: 4, window: 9 }));
  const b = await collect(new extract.Extractor(joint).extract(input, { ...opts, batchSize: 24 }));
  assert.equal(a.map((r) => r.id), input.map((r) => r.id));
  // the model itself, with posteriors and every predicted pair's probabilities asked for
  const batch = t.joint.encode(t.train.map((e) => ({ id: e.id, tokens: e.tokens, context: e.context!, pixels: e.pixels! })));
  const plain = await t.joint.predict(batch);
  const full = await t.joint.predict(batch, { posteriors: true, pairs: plain.map((p) => p.triples.map((x) => ({ head: x.head, tail: x.tail }))) });
  let relations = 0;
  for (const [i, r] of a.entries()) {
    assert.not.ok(r.error ?? r.imageError, JSON.stringify(r));
    assert.equal(r.entities.map((e) => [e.start, e.end, e.type]), plain[i]!.entities.map((e) => [e.start, e.end, e.type]));
    assert.equal({ ...full[i]!, posteriors: undefined, pairProbs: undefined }, { ...plain[i]!, posteriors: undefined, pairProbs: undefined }, 'options add, change nothing');
    for (const e of r.entities) assert.ok(e.score > 0 && e.score <= 1 && e.text === r.tokens.slice(e.start, e.end).join(' '));
    const rels = r.relations! as extract.ExtractedRelation<number>[];
    relations += rels.length;
    assert.is(rels.length, plain[i]!.triples.length);
    for (const [k, rel] of rels.entries()) {
      assert.ok(rel.head !== rel.tail && r.entities[rel.head] && r.entities[rel.tail], JSON.stringify(rel));
      assert.ok(rel.label !== 'None' && t.joint.classifier.labels.includes(rel.label));
      const probs = full[i]!.pairProbs![k]!;
      assert.ok(Math.abs(rel.score - probs[t.joint.labelIndex.get(rel.label)!]!) <= 2e-4, 'the label probability of the pair');
      assert.ok(Math.abs(rel.score - Math.max(...probs)) <= 2e-4);
    }
    assert.equal(b[i]!.entities.map((e) => [e.start, e.end, e.type]), r.entities.map((e) => [e.start, e.end, e.type]));
    assert.equal(b[i]!.relations!.map((x) => [x.head, x.tail, x.label]), rels.map((x) => [x.head, x.tail, x.label]));
  }
  assert.ok(relations > 0 && a.some((r) => r.relations!.length === 0), `${relations} relations; some posts with none`);
});

test('joint: pairs a sample cannot score (truncated) get null; predict() of one post; entities past maxEntities listed, not paired', async () => {
  const tokens = t.train[0]!.tokens;
  const b = t.joint.encode([{ id: 'x', tokens }]);
  const [p] = await t.joint.predict(b, { pairs: [[{ head: { start: 0, end: 1 }, tail: { start: 1, end: 2 } }, { head: { start: 0, end: 1 }, tail: { start: 1, end: tokens.length + 3 } }]] });
  assert.ok(p!.pairProbs![0] instanceof Float32Array && p!.pairProbs![1] === null);
  const one = await extract.Extractor.of(t.joint).predict({ text: tokens.join(' ') });
  assert.is(one.id, '1');
  assert.ok(Array.isArray(one.relations));
  // more entities than the model pairs: all listed, relations among the first maxEntities only
  const long = await extract.Extractor.of(t.joint).predict({ tokens: Array.from({ length: 9 }, () => t.train[0]!.tokens).flat() });
  const max = t.joint.pairOptions.maxEntities;
  assert.ok(long.entities.length > max, `${long.entities.length} entities`);
  assert.ok(long.relations!.length > 0 && long.relations!.every((r) => (r.head as number) < max && (r.tail as number) < max));
});

test('CLI: extract with a relation model on an MNRE file (format detected, contexts by image id)', async () => {
  const output = join(t.dir, 'cli-re.jsonl');
  const r = await cli('extract', '--model', t.reDir, '--input', join(t.data, 'mre', 'ours_train.txt'), '--images', join(t.data, 'images'),
    '--contexts', join(t.data, 'contexts', 'captions.jsonl'), '-o', output, '--overwrite', '--batch-size', '4', '--no-progress', '--json');
  assert.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as extract.ExtractFileSummary;
  assert.equal([summary.format, summary.written, summary.errors, summary.imageErrors], ['mnre', t.reTrain.length, 0, 0]);
  const out = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ExtractResult);
  assert.equal(out.map((x) => x.id), t.reTrain.map((e) => e.id));
  assert.ok(out.every((x) => x.relations!.length === 1 && t.re.classifier.labels.includes(x.relations![0]!.label)));
  const nerModel = await cli('extract', '--model', t.modelDir, '--input', join(t.data, 'mre', 'ours_train.txt'), '--no-progress');
  assert.is(nerModel.code, 0, nerModel.stderr);
  assert.is(nerModel.stdout.trim().split('\n').length, t.reTrain.length, 'a NER model reads the same file, pairs ignored');
});

test.run();
