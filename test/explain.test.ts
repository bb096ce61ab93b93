// Explanations: the three-player game is exact (efficiency: attributions sum to v(all) − v(none)),
// absent players are null players (a model without an image encoder, a post without a context),
// symmetric players get equal values and the closed-form ones on a scripted model, "text absent"
// really is [MASK] word-pieces, the batch game follows the Shapley axioms on the alignment
// embeddings (or says why it is skipped), and the CLI prints both views.
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { explain, extract, type ExtractionModel } from '../lib/index.js';
import type { NerBatch } from '../lib/model/index.js';
import { cli } from './extract/cli.js';
import { tiny, tinyModel, type Tiny } from './extract/tiny.js';

const test = suite('explain');
let t: Tiny;
let ner: ExtractionModel;
const images = () => join(t.data, 'images');
const imageOf = (i: number) => `${t.train[i]!.id.split('#')[0]}.jpg`;

test.before(async () => {
  t = await tiny();
  ner = extract.nerExtractionModel(t.model);
});

async function explainText(model: ExtractionModel, text: string, o: { image?: string; context?: string } = {}) {
  const post = await explain.preparedRecord(model, { id: 'q', text, ...o }, { imagesDir: images() });
  return explain.explainPost(model, post);
}

test('efficiency: per entity the attributions sum to v(all) − v(none); v(all) is the extracted score', async () => {
  const e = await explainText(ner, t.train[2]!.tokens.join(' '), { image: imageOf(2), context: t.train[2]!.context! });
  assert.equal(e.players, { text: true, context: true, image: true });
  assert.ok(e.entities.length > 0);
  const [extracted] = await Promise.all([new extract.Extractor(ner, { imagesDir: images() }).predict({ id: 'q', text: t.train[2]!.tokens.join(' '), image: imageOf(2), context: t.train[2]!.context! })]);
  assert.equal(e.entities.map((x) => [x.start, x.end, x.type]), extracted.entities.map((x) => [x.start, x.end, x.type]));
  for (const [i, ent] of e.entities.entries()) {
    const sum = ent.shapley.text + ent.shapley.context + ent.shapley.image;
    assert.ok(Math.abs(sum - (ent.full - ent.empty)) < 1e-9, `${sum} vs ${ent.full - ent.empty}`);
    assert.ok(Math.abs(ent.full - extracted.entities[i]!.score) <= 1e-4);
    assert.is(ent.coalitions['text+context+image'], ent.full);
    assert.is(ent.coalitions.none, ent.empty);
    assert.ok(Math.abs(ent.shapley.text) > 0 && Math.abs(ent.shapley.image) > 0, 'every player present changes the game');
  }
  assert.ok(e.gate !== null && e.gate > 0 && e.gate < 1, `gate ${e.gate}`);
});

test('null players: no image encoder → image value exactly 0; no context → context value exactly 0', async () => {
  const textOnly = extract.nerExtractionModel(await tinyModel(t.train, { useImage: false, useFusion: false }));
  const e = await explainText(textOnly, 'Paris meets Aurora today', { image: imageOf(0), context: 'A city skyline at dusk.' });
  assert.equal(e.players, { text: true, context: true, image: false });
  assert.is(e.gate, null);
  assert.ok(e.entities.length > 0);
  for (const ent of e.entities) {
    assert.is(ent.shapley.image, 0);
    assert.ok(Math.abs(ent.shapley.text + ent.shapley.context - (ent.full - ent.empty)) < 1e-9);
  }
  const noCtx = await explainText(ner, 'Paris meets Aurora today', { image: imageOf(0) });
  assert.equal(noCtx.players, { text: true, context: false, image: true });
  for (const ent of noCtx.entities) assert.is(ent.shapley.context, 0);
  assert.equal(noCtx.batchGame, { skipped: 'the post has no context' });
});

test('symmetry and closed form on a scripted model: v = .1·T + .2·C + .2·I + .3·C·I', async () => {
  const scripted: ExtractionModel = {
    ...ner,
    async run(inputs) {
      return inputs.map((x) => {
        const T = x.maskText ? 0 : 1, C = x.context ? 1 : 0, I = x.pixels ? 1 : 0;
        const v = 0.1 * T + 0.2 * C + 0.2 * I + 0.3 * C * I;
        return { entities: [{ start: 0, end: 1, text: x.tokens[0]!, type: 'PER', score: v }], gate: 0, score: () => v };
      });
    },
  };
  const post = await explain.preparedRecord(scripted, { text: 'Rocky', context: 'A boxer.', image: imageOf(0) }, { imagesDir: images() });
  const [ent] = (await explain.explainPost(scripted, post)).entities;
  assert.ok(Math.abs(ent!.shapley.context - ent!.shapley.image) < 1e-12, 'context and image are symmetric');
  assert.ok(Math.abs(ent!.shapley.text - 0.1) < 1e-12 && Math.abs(ent!.shapley.context - 0.35) < 1e-12, JSON.stringify(ent!.shapley));
});

test('text absent: every text word-piece is [MASK], the context segment and positions unchanged', async () => {
  const model = await tinyModel(t.train);
  const seen: NerBatch[] = [];
  const predict = model.predict.bind(model);
  model.predict = (b, o) => {
    seen.push(b);
    return predict(b, o);
  };
  const adapter = extract.nerExtractionModel(model);
  assert.is(adapter.maskToken, '[MASK]');
  const post = { id: 'm', tokens: ['Chelsea', 'wins', 'again'], context: 'A football crest.', pixels: null };
  await adapter.run([post, { ...post, maskText: true }]);
  const b = seen[0]!;
  const mask = model.tokenizer.tokenToId('[MASK]')!;
  for (let t2 = 0; t2 < b.seqLen; t2++) {
    const [plain, masked] = [b.inputIds[t2]!, b.inputIds[b.seqLen + t2]!];
    if (b.textWeights[t2]) assert.ok(masked === mask && plain !== mask, `text token ${t2}`);
    else assert.is(masked, plain, `token ${t2} outside the text`);
  }
});

test('the batch game: the post among its neighbours; efficiency per game; skipped without an alignment head', async () => {
  const input = join(t.data, 'ner', 'test.txt');
  const o = { imagesDir: images(), contexts: t.contexts, batchSize: 6 };
  const { post, others } = await explain.preparedFromFile(ner, input, 'conll', 'syn_test_00010', o);
  assert.is(others.length, 5);
  const e = await explain.explainPost(ner, post, others);
  assert.ok(!('skipped' in e.batchGame), JSON.stringify(e.batchGame));
  if ('skipped' in e.batchGame) return;
  const g = e.batchGame;
  assert.is(g.ids[0], 'syn_test_00010');
  assert.equal(new Set(g.ids.slice(1)), new Set(['syn_test_00011', 'syn_test_00009', 'syn_test_00012', 'syn_test_00008', 'syn_test_00013']));
  assert.ok(g.rank >= 1 && g.rank <= 6 && g.game[0] === g.value);
  // efficiency of game 0: the values sum to v(all contexts) − v(∅) = Σ w s / Σ w over all (softmax-expectation)
  const emb = (await ner.alignment([post.input!, ...others.map((x) => x.input!)].map((x) => ({ ...x, pixels: null }))))!;
  const norm = (v: Float32Array) => { const n = Math.hypot(...v); return Array.from(v, (x) => x / n); };
  const text0 = norm(emb.text.subarray(0, emb.dim));
  const s = g.ids.map((_, i) => norm(emb.context.subarray(i * emb.dim, (i + 1) * emb.dim)).reduce((a, x, k) => a + x * text0[k]!, 0));
  const w = s.map((x) => Math.exp(x / emb.tauU));
  const vAll = s.reduce((a, x, i) => a + w[i]! * x, 0) / w.reduce((a, x) => a + x, 0);
  assert.ok(Math.abs(g.game.reduce((a, x) => a + x, 0) - vAll) < 1e-4, `${g.game.reduce((a, x) => a + x, 0)} vs ${vAll}`);
  const noAlign = extract.nerExtractionModel(await tinyModel(t.train, { useAlignment: false }));
  const f = await explain.preparedFromFile(noAlign, input, 'conll', 'syn_test_00010', o);
  assert.equal((await explain.explainPost(noAlign, f.post, f.others)).batchGame, { skipped: 'the model has no alignment head' });
});

test('CLI: JSON and terminal views; one-line errors', async () => {
  const j = await cli('explain', '--model', t.modelDir, '--input', join(t.data, 'ner', 'test.txt'), '--id', 'syn_test_00003',
    '--images', images(), '--contexts', join(t.data, 'contexts', 'captions.jsonl'), '--json');
  assert.is(j.code, 0, j.stderr);
  const e = JSON.parse(j.stdout) as explain.Explanation;
  assert.is(e.id, 'syn_test_00003');
  assert.equal(e.players, { text: true, context: true, image: true });
  assert.ok(!('skipped' in e.batchGame) && e.batchGame.ids.length === 8);
  const v = await cli('explain', '--model', t.modelDir, '--text', 'Chelsea meets Preston', '--context', 'A football crest.');
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /^post: Chelsea meets Preston\ncontext: A football crest\.\nimage: none\nfusion gate: n\/a/);
  assert.match(v.stdout, /entity ".*" \[\d, \d\) (PER|LOC|ORG) {2}score/);
  assert.match(v.stdout, /sum [+−]\d\.\d{4} = v\(all\)/);
  assert.match(v.stdout, /context in its batch game: skipped \(no other post with a context/);
  const bad = await cli('explain', '--model', t.modelDir, '--input', join(t.data, 'ner', 'test.txt'));
  assert.is(bad.code, 1);
  assert.equal(bad.stderr, 'shapca: expected --id with --input (the post to explain)\n');
  const missing = await cli('explain', '--model', t.modelDir, '--input', join(t.data, 'ner', 'test.txt'), '--id', 'nope');
  assert.match(missing.stderr, /^shapca: .*test\.txt: no record with id "nope"\n$/);
});

test.run();
