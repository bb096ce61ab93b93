// Explanations for relation and joint models: the three-player game of a relation's label
// probability is exact (efficiency; v(all) is the extracted score), "text absent" keeps the entity
// markers (re), a joint model's relations are scored under every coalition (also where that
// coalition extracts other entities), symmetry on a scripted model, and the CLI for both tasks.
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { explain, extract, type ExtractionModel } from '../lib/index.js';
import { RELATION_MARKERS, type ReBatch } from '../lib/model/index.js';
import { cli } from './extract/cli.js';
import { tinyRe, tinyRel, type TinyRel } from './extract/tiny-rel.js';

const test = suite('explain: relations and joint');
let t: TinyRel;
let re: ExtractionModel;
let joint: ExtractionModel;
const images = () => join(t.data, 'images');
type Span = extract.ExtractedSpan;

test.before(async () => {
  t = await tinyRel();
  re = extract.extractionModelOf(t.re);
  joint = extract.extractionModelOf(t.joint);
});

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) < tol;
const sum = (a: explain.Attribution) => a.shapley.text + a.shapley.context + a.shapley.image;

test('re: efficiency for the pair\'s relation; v(all) is the extracted score; every present player counts', async () => {
  const ex = t.reTrain[1]!;
  const record = { id: 'r', tokens: ex.tokens, head: ex.head, tail: ex.tail, image: `${ex.id.split('#')[0]}`, context: ex.context! };
  const post = await explain.preparedRecord(re, record, { imagesDir: images() });
  const e = await explain.explainPost(re, post);
  assert.is(e.task, 're');
  assert.equal(e.players, { text: true, context: true, image: true });
  assert.equal(e.entities, []);
  assert.is(e.relations!.length, 1);
  const [rel] = e.relations! as (extract.ExtractedRelation<Span> & explain.Attribution)[];
  const extracted = await new extract.Extractor(re, { imagesDir: images() }).predict(record);
  const out = extracted.relations![0]! as extract.ExtractedRelation<Span>;
  assert.equal([rel!.head, rel!.tail, rel!.label], [out.head, out.tail, out.label]);
  assert.ok(close(rel!.full, out.score, 1e-4), `${rel!.full} vs ${out.score}`);
  assert.ok(close(sum(rel!), rel!.full - rel!.empty), `${sum(rel!)} vs ${rel!.full - rel!.empty}`);
  assert.is(rel!.coalitions['text+context+image'], rel!.full);
  assert.is(rel!.coalitions.none, rel!.empty);
  for (const p of ['text', 'context', 'image'] as const) assert.ok(Math.abs(rel!.shapley[p]) > 0, `${p} changes the game`);
  assert.ok(e.gate !== null && e.gate > 0 && e.gate < 1);
  assert.match(explain.renderExplanation(e), /relation "[^"]+" \[\d+, \d+\) → "[^"]+" \[\d+, \d+\) \S+ {2}score \d\.\d{4}\n {2}text/);
});

test('re: text absent masks the post\'s word-pieces but keeps the four markers; no context model → context value 0', async () => {
  const model = await tinyRe(t, t.reTrain, { useContext: false, useAlignment: false });
  const seen: ReBatch[] = [];
  const predict = model.predict.bind(model);
  model.predict = (b, o) => {
    seen.push(b);
    return predict(b, o);
  };
  const adapter = extract.extractionModelOf(model);
  const post = { id: 'm', tokens: ['Paris', 'meets', 'Aurora'], pixels: null, pair: { head: { start: 0, end: 1 }, tail: { start: 2, end: 3 } } };
  await adapter.run([post, { ...post, maskText: true }]);
  const b = seen[0]!;
  const mask = model.tokenizer.tokenToId('[MASK]')!;
  const markers = new Set(RELATION_MARKERS.map((m) => model.tokenizer.tokenToId(m)!));
  let kept = 0;
  for (let i = 0; i < b.seqLen; i++) {
    const [plain, masked] = [b.inputIds[i]!, b.inputIds[b.seqLen + i]!];
    if (!b.textWeights[i]) assert.is(masked, plain, `token ${i} outside the text`);
    else if (markers.has(plain)) kept += Number(masked === plain);
    else assert.is(masked, mask, `text token ${i}`);
  }
  assert.is(kept, 4, 'the four markers stay');
  const e = await explain.explainPost(adapter, await explain.preparedRecord(adapter, { text: 'Paris meets Aurora', head: { name: 'Paris' }, tail: { name: 'Aurora' }, context: 'A city.' }));
  assert.equal(e.players, { text: true, context: false, image: false });
  assert.is(e.relations![0]!.shapley.context, 0);
  assert.ok(close(e.relations![0]!.shapley.text, e.relations![0]!.full - e.relations![0]!.empty));
});

test('joint: efficiency for every entity and every relation; relations scored under every coalition', async () => {
  // a post the joint model relates entities in, with its image and context
  let found: { e: explain.Explanation; calls: extract.ModelInput[][] } | null = null;
  for (const ex of t.train.slice(0, 12)) {
    const calls: extract.ModelInput[][] = [];
    const spy: ExtractionModel = { ...joint, run: (inputs) => (calls.push(inputs), joint.run(inputs)) };
    const post = await explain.preparedRecord(spy, { id: ex.id, tokens: ex.tokens, image: `${ex.id.split('#')[0]}.jpg`, context: ex.context! }, { imagesDir: images() });
    const e = await explain.explainPost(spy, post);
    if (e.relations!.length > 0) {
      found = { e, calls };
      break;
    }
  }
  assert.ok(found, 'a post with relations');
  const { e, calls } = found!;
  assert.is(e.task, 'joint');
  assert.equal(e.players, { text: true, context: true, image: true });
  // the whole post first, then the seven other coalitions asked to score the relations' pairs
  assert.equal(calls.map((c) => c.length), [1, 7]);
  const pairs = e.relations!.map((r) => ({ head: e.entities[r.head as number]!, tail: e.entities[r.tail as number]! }));
  assert.equal(calls[1]![0]!.scorePairs, pairs.map((p) => ({ head: { start: p.head.start, end: p.head.end }, tail: { start: p.tail.start, end: p.tail.end } })));
  const extracted = await new extract.Extractor(joint, { imagesDir: images() }).predict({ id: e.id, tokens: e.tokens, image: `${e.id.split('#')[0]}.jpg`, context: e.context! });
  assert.equal(e.relations!.map((r) => [r.head, r.tail, r.label]), extracted.relations!.map((r) => [r.head, r.tail, r.label]));
  for (const [i, r] of e.relations!.entries()) {
    assert.ok(close(sum(r), r.full - r.empty), `${sum(r)} vs ${r.full - r.empty}`);
    assert.ok(close(r.full, extracted.relations![i]!.score, 1e-4));
    assert.ok(Object.values(r.coalitions).every((v) => v > 0 && v <= 1), JSON.stringify(r.coalitions));
  }
  for (const [i, ent] of e.entities.entries()) {
    assert.ok(close(sum(ent), ent.full - ent.empty));
    assert.ok(close(ent.full, extracted.entities[i]!.score, 1e-4));
  }
  const view = explain.renderExplanation(e);
  assert.match(view, /\nentity "[^"]+" \[\d+, \d+\) \w+ {2}score/);
  assert.match(view, /\nrelation "[^"]+" \[\d+, \d+\) → "[^"]+" \[\d+, \d+\) \w+ {2}score/);
});

test('symmetry and closed form for a relation on a scripted joint model: v = .3·T·C + .2·I', async () => {
  const scripted: ExtractionModel = {
    ...joint,
    async run(inputs) {
      return inputs.map((x) => {
        const T = x.maskText ? 0 : 1, C = x.context ? 1 : 0, I = x.pixels ? 1 : 0;
        const v = 0.3 * T * C + 0.2 * I;
        const ent = (s: number) => ({ start: s, end: s + 1, text: x.tokens[s]!, type: 'per', score: 0.5 });
        return { entities: [ent(0), ent(1)], relations: [{ head: 0, tail: 1, label: 'member_of', score: v }], gate: 0, score: () => 0.5, relationScore: () => v };
      });
    },
  };
  const post = await explain.preparedRecord(scripted, { text: 'Rocky Balboa', context: 'A boxer.', image: `${t.train[0]!.id.split('#')[0]}.jpg` }, { imagesDir: images() });
  const [rel] = (await explain.explainPost(scripted, post)).relations!;
  assert.ok(close(rel!.shapley.text, rel!.shapley.context) && close(rel!.shapley.text, 0.15) && close(rel!.shapley.image, 0.2), JSON.stringify(rel!.shapley));
});

test('CLI: explain a relation from --text with --head/--tail, and from an MNRE file by id; one-line errors', async () => {
  const v = await cli('explain', '--model', t.reDir, '--text', 'Paris meets Aurora today', '--head', 'Paris', '--tail', '2:3', '--context', 'A city.');
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /relation "Paris" \[0, 1\) → "Aurora" \[2, 3\) \S+ {2}score/);
  assert.match(v.stdout, /entity markers kept/);
  const id = t.reTrain[2]!.id;
  const j = await cli('explain', '--model', t.reDir, '--input', join(t.data, 'mre', 'ours_train.txt'), '--id', id, '--images', images(),
    '--contexts', join(t.data, 'contexts', 'captions.jsonl'), '--json');
  assert.is(j.code, 0, j.stderr);
  const e = JSON.parse(j.stdout) as explain.Explanation;
  assert.equal([e.id, e.task, e.players], [id, 're', { text: true, context: true, image: true }]);
  const rel = e.relations![0]! as extract.ExtractedRelation<Span>;
  assert.equal([rel.head.start, rel.tail.start], [t.reTrain[2]!.head.start, t.reTrain[2]!.tail.start]);
  assert.ok(!('skipped' in e.batchGame), JSON.stringify(e.batchGame));
  const noPair = await cli('explain', '--model', t.reDir, '--text', 'Paris meets Aurora');
  assert.is(noPair.code, 1);
  assert.equal(noPair.stderr, 'shapca: the post: expected "head" (a token span {"start", "end"} or {"name"}) for a relation model but found none\n');
  const nerPair = await cli('explain', '--model', t.modelDir, '--text', 'Paris meets Aurora', '--head', 'Paris');
  assert.equal(nerPair.stderr, 'shapca: --head and --tail are for relation models; this is a ner model\n');
  const jv = await cli('explain', '--model', t.jointDir, '--text', t.train[3]!.tokens.join(' '), '--json');
  assert.is(jv.code, 0, jv.stderr);
  assert.ok(Array.isArray((JSON.parse(jv.stdout) as explain.Explanation).relations));
});

test.run();
