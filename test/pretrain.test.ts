// Masked-language-model pretraining: whole-word masking statistics, the MLM head's gradients
// (tied decoder included) against finite differences, the HF BertForMaskedLM layout of a saved
// model and its round trip into BertEncoder / MlmModel / a task model, resume replaying an
// uninterrupted run, --from-datasets reading only training files, and the CLI end to end
// (pretrain, then train --model on its output).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { SafetensorsFile } from '../lib/checkpoint/safetensors.js';
import { ContextSet } from '../lib/data/contexts.js';
import { generateSyntheticDataset } from '../lib/data/index.js';
import { formatJmere } from '../lib/data/jmere.js';
import { formatMnre } from '../lib/data/mnre.js';
import { Rng } from '../lib/data/synthetic/rng.js';
import { formatTwitterNer } from '../lib/data/twitter-ner.js';
import { BertEncoder } from '../lib/encoders/bert.js';
import { createFromPretrained, createFromScratch } from '../lib/tasks/io.js';
import { datasetCorpus, fileCorpus, maskWholeWords, memoryCorpus, MlmBatcher, MlmModel, pretrain } from '../lib/pretrain/index.js';
import type { StepRecord } from '../lib/train/log.js';
import { readLog } from '../lib/train/log.js';
import { checkGradients } from './model-checks.js';

const test = suite('pretrain (MLM)');
let dir = '';
const TINY = { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 };
const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dogs', 'running', 'quickly', 'paris', 'jordan', 'music', 'festival', 'tonight', 'unbelievable'];

function sentences(n: number, seed: number): { text: string; context?: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const r = Rng.forSample(seed, 'doc', i);
    const words = (k: number) => Array.from({ length: k }, () => r.pick(WORDS)).join(' ');
    return i % 2 ? { text: words(4 + r.int(6)), context: words(3 + r.int(8)) } : { text: words(4 + r.int(6)) };
  });
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-pretrain-'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('whole-word masking: 15 % of the words, every piece of a chosen word, 80/10/10, seeded', () => {
  const randomIds = Int32Array.from({ length: 1000 }, (_, i) => i + 10);
  const MASK = 4;
  let words = 0, chosenWords = 0, targets = 0, masked = 0, replaced = 0, kept = 0;
  for (let s = 0; s < 3000; s++) {
    const r = Rng.forSample(7, 'seq', s);
    const nWords = 1 + r.int(30);
    const ids = [2];
    const wordIds = [-1];
    for (let w = 0; w < nWords; w++) for (let p = 0, n = 1 + r.int(3); p < n; p++) {
      ids.push(10 + r.int(1000));
      wordIds.push(w);
    }
    ids.push(3);
    wordIds.push(-1);
    const m = maskWholeWords(ids, wordIds, Rng.forSample(9, 'mask', s), { mask: MASK, randomIds });
    assert.equal(maskWholeWords(ids, wordIds, Rng.forSample(9, 'mask', s), { mask: MASK, randomIds }), m, 'same seed, same masking');
    const chosen = new Set(m.positions.map((p) => wordIds[p]!));
    assert.ok(!chosen.has(-1), 'a special token was chosen');
    assert.is(chosen.size, Math.max(1, Math.round(0.15 * nWords)));
    // whole words: every token of a chosen word is a target, and nothing else is
    const expected = wordIds.flatMap((w, t) => (chosen.has(w) ? [t] : []));
    assert.equal(m.positions, expected);
    assert.equal(m.targets, m.positions.map((p) => ids[p]!));
    for (const [k, p] of m.positions.entries()) {
      if (m.inputIds[p] === MASK) masked++;
      else if (m.inputIds[p] === m.targets[k]) kept++;
      else replaced++;
    }
    ids.forEach((id, t) => {
      if (!m.positions.includes(t)) assert.is(m.inputIds[t], id);
    });
    words += nWords;
    chosenWords += chosen.size;
    targets += m.positions.length;
  }
  const share = chosenWords / words;
  assert.ok(share > 0.14 && share < 0.17, `share of words chosen ${share}`);
  // (a random replacement equal to the original counts as kept: 1 in 1000)
  for (const [what, n, lo, hi] of [['[MASK]', masked, 0.78, 0.82], ['random', replaced, 0.085, 0.115], ['kept', kept, 0.085, 0.115]] as const) {
    assert.ok(n / targets > lo && n / targets < hi, `${what}: ${n / targets} of ${targets} targets`);
  }
});

test('batches: [CLS] text [SEP] context [SEP], context cut first, targets are original ids', async () => {
  const model = await MlmModel.fromScratch({ corpus: sentences(40, 1).flatMap((d) => [d.text, d.context ?? '']), vocabSize: 60, text: TINY });
  const text = 'the cat sat on the mat';
  const context = 'dogs running quickly tonight at the festival';
  const n = text.split(' ').flatMap((w) => model.tokenizer.encodeText(w)).length;
  const b = new MlmBatcher(model.tokenizer, n + 5);
  const e = b.encode({ text, context });
  assert.is(e.ids.length, n + 5);
  assert.is(e.ids[0], model.tokenizer.clsId);
  assert.equal(e.types, [...Array(n + 2).fill(0), 1, 1, 1], 'the text whole, two context tokens, [SEP]');
  assert.is(e.ids[n + 1], model.tokenizer.sepId);
  assert.is(e.ids.at(-1), model.tokenizer.sepId);
  assert.equal([...new Set(e.wordIds.slice(1, n + 1))], [0, 1, 2, 3, 4, 5]);
  assert.is(e.wordIds[n + 2], 6, 'context words follow the text words');
  assert.ok(e.wordIds[n + 3]! >= 6);
  const short = new MlmBatcher(model.tokenizer, n).encode({ text, context });
  assert.is(short.ids.length, n);
  assert.ok(short.types.every((t) => t === 0), 'without room the context goes first');
  const batch = b.batch(sentences(6, 2), new Rng(3));
  assert.ok(batch.positions.length > 0);
  const unmasked = b.batch(sentences(6, 2), new Rng(3));
  assert.equal(batch, unmasked, 'same rng seed, same batch');
  model.dispose();
});

test('gradients of the MLM loss (tied decoder included) match finite differences', async () => {
  const model = await MlmModel.fromScratch({ corpus: sentences(40, 1).flatMap((d) => [d.text, d.context ?? '']), vocabSize: 60, text: TINY, seed: 4 });
  const batch = new MlmBatcher(model.tokenizer, 24, { wordShare: 0.4 }).batch(sentences(4, 5), new Rng(1));
  const base = await checkGradients(model, batch);
  assert.ok(base.loss > 0);
  assert.equal(model.paramGroups().map((g) => g.name), ['text_encoder', 'mlm_head']);
  // the decoder's share of the word-embedding gradient: rows of tokens that never occur in the
  // input still get a gradient (through the softmax over the whole vocabulary)
  const used = new Set(batch.inputIds);
  const emb = model.encoder.grad('embeddings.word_embeddings.weight');
  const h = model.config.hidden_size;
  const unusedRow = Array.from({ length: model.config.vocab_size }, (_, i) => i).find((i) => !used.has(i))!;
  assert.ok(emb.subarray(unusedRow * h, (unusedRow + 1) * h).some((g) => g !== 0), 'no decoder gradient in the tied table');
  model.dispose();
});

test('save: HF BertForMaskedLM names; loads back as BertEncoder, MlmModel and a task model', async () => {
  const model = await MlmModel.fromScratch({ corpus: sentences(40, 1).flatMap((d) => [d.text, d.context ?? '']), vocabSize: 60, text: TINY, seed: 2 });
  const out = join(dir, 'saved');
  await model.save(out);
  const file = await SafetensorsFile.open(join(out, 'model.safetensors'));
  const names = [...file.tensors.keys()].sort();
  await file.close();
  const layer = 'bert.encoder.layer.0.';
  const expected = [
    'bert.embeddings.LayerNorm.bias', 'bert.embeddings.LayerNorm.weight', 'bert.embeddings.position_embeddings.weight',
    'bert.embeddings.token_type_embeddings.weight', 'bert.embeddings.word_embeddings.weight',
    ...['attention.output.LayerNorm', 'attention.output.dense', 'attention.self.key', 'attention.self.query', 'attention.self.value',
      'intermediate.dense', 'output.LayerNorm', 'output.dense'].flatMap((m) => [`${layer}${m}.bias`, `${layer}${m}.weight`]),
    'cls.predictions.bias', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.transform.LayerNorm.weight',
    'cls.predictions.transform.dense.bias', 'cls.predictions.transform.dense.weight',
  ].sort();
  assert.equal(names, expected);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.architectures, ['BertForMaskedLM']);
  assert.is(config.vocab_size, model.tokenizer.vocabSize);

  const enc = await BertEncoder.fromPretrained(out);
  assert.equal(enc.params, model.encoder.params);
  assert.ok(enc.ignoredTensors.every((n) => n.startsWith('cls.predictions.')) && enc.ignoredTensors.length === 5, enc.ignoredTensors.join());
  const batch = new MlmBatcher(model.tokenizer, 24).batch(sentences(4, 6), new Rng(2));
  const again = await MlmModel.fromPretrained(out);
  assert.is(again.loadedHead.length, 5);
  assert.equal(await again.evaluate(batch), await model.evaluate(batch));
  const ner = await createFromPretrained({ task: 'ner', entityTypes: ['PER'], textDir: out });
  assert.equal(ner.parts.text.params, model.encoder.params);
  assert.is(ner.parts.tokenizer.vocabSize, model.tokenizer.vocabSize);
  // a BertModel folder without an MLM head: the head starts fresh
  const plain = join(dir, 'plain');
  await model.encoder.save(plain);
  await model.tokenizer.save(plain);
  const fresh = await MlmModel.fromPretrained(plain);
  assert.equal(fresh.loadedHead, []);
  assert.equal(fresh.encoder.params, model.encoder.params);
  for (const m of [enc, again, model, fresh]) m.dispose();
  ner.parts.text.dispose();
});

test('cased: the vocabulary keeps capitalisation through save, a task model and a from-scratch task model', async () => {
  const corpus = ['Apple sells apple pie', 'Paris and paris', 'Apple Apple apple apple', 'Paris paris Paris'];
  const model = await MlmModel.fromScratch({ corpus, vocabSize: 60, text: TINY, cased: true });
  assert.equal(model.tokenizer.tokenize('Apple apple'), ['Apple', 'apple']);
  const out = join(dir, 'cased');
  await model.save(out);
  assert.is(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).do_lower_case, false);
  const ner = await createFromPretrained({ task: 'ner', entityTypes: ['ORG'], textDir: out });
  assert.equal(ner.parts.tokenizer.tokenize('Apple apple'), ['Apple', 'apple']);
  const scratch = await createFromScratch({ entityTypes: ['ORG'], corpus, vocabSize: 60, cased: true, text: TINY });
  assert.equal(scratch.parts.tokenizer.tokenize('Paris paris'), ['Paris', 'paris']);
  const uncased = await MlmModel.fromScratch({ corpus, vocabSize: 60, text: TINY });
  assert.equal(uncased.tokenizer.tokenize('Apple apple'), ['apple', 'apple'], 'uncased stays the default');
  for (const m of [model, uncased]) m.dispose();
  for (const m of [ner, scratch]) m.parts.text.dispose();
});

test('a pretraining run killed mid-epoch and resumed replays the uninterrupted run', async () => {
  const corpus = memoryCorpus(sentences(60, 8), 'test sentences');
  const common = {
    corpus, start: { preset: 'tiny' as const, vocabSize: 60, text: TINY }, epochs: 2, batchSize: 8, maxLength: 24, heldOutShare: 0.2,
    seed: 3, progress: false, checkpointSeconds: 0,
  };
  const whole = await pretrain({ ...common, outDir: join(dir, 'whole') });
  assert.is(whole.steps, 2 * Math.ceil(48 / 8));
  const losses = (await readLog(join(dir, 'whole', 'log.jsonl'))).filter((r): r is StepRecord => r.type === 'step').map((r) => r.loss);
  assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  await pretrain({ ...common, outDir: join(dir, 'cut'), checkpointEvery: 1, onStep: (s) => {
    if (s.step === 9) throw new Error('killed');
  } }).then(() => assert.unreachable('should stop'), (err: Error) => assert.is(err.message, 'killed'));
  const resumed = await pretrain({ ...common, outDir: join(dir, 'cut'), resume: true });
  assert.equal(resumed.devScores, whole.devScores);
  const replay = (await readLog(join(dir, 'cut', 'log.jsonl'))).filter((r): r is StepRecord => r.type === 'step').map((r) => r.loss);
  assert.equal(replay, losses);
});

test('--from-datasets reads the training files only, with the contexts of training images only', async () => {
  const root = join(dir, 'datasets');
  const tw = join(root, 'twitter');
  const mn = join(root, 'mnre');
  const jm = join(root, 'jmere', 'v1');
  for (const d of [tw, mn, jm]) mkdirSync(d, { recursive: true });
  writeFileSync(join(tw, 'train.txt'), formatTwitterNer([{ imageId: 'tw1', tokens: ['trainword', 'Paris'], tags: ['O', 'B-LOC'] }]));
  const inst = (tokens: string[], imageId: string) => ({
    tokens, imageId, relation: 'None', head: { name: tokens[0]!, start: 0, end: 1 }, tail: { name: tokens[1]!, start: 1, end: 2 },
  });
  writeFileSync(join(mn, 'ours_train.txt'), formatMnre([inst(['mnretrain', 'Ann', 'x'], 'm1.jpg'), inst(['mnretrain', 'Ann', 'x'], 'm1.jpg')]));
  const triple = { head: { name: 'Bo', start: 1, end: 2, type: 'per' }, tail: { name: 'Cy', start: 2, end: 3, type: 'per' }, relation: 'peer' };
  writeFileSync(join(jm, 'train.json'), formatJmere([{ tokens: ['jmeretrain', 'Bo', 'Cy'], imageId: 'j1.jpg', triples: [triple] }]));
  // Dev and test "files" are folders: opening one would throw.
  for (const d of [join(tw, 'valid.txt'), join(tw, 'test.txt'), join(mn, 'ours_val.txt'), join(mn, 'ours_test.txt'), join(jm, 'val.json'), join(jm, 'test.json')]) {
    mkdirSync(d);
  }
  const contexts = new ContextSet();
  contexts.add({ id: 'tw1', context: 'a train context', model: 'test', prompt: '' });
  contexts.add({ id: 'twdev', context: 'a dev context', model: 'test', prompt: '' });
  const { source, report } = await datasetCorpus([root], contexts);
  const docs = [...source.documents()];
  assert.equal(docs.map((d) => d.text).sort(), ['jmeretrain Bo Cy', 'mnretrain Ann x', 'trainword Paris']);
  assert.equal(docs.find((d) => d.text.startsWith('trainword'))?.context, 'a train context');
  assert.ok(!JSON.stringify(docs).includes('dev context'));
  assert.equal(report.datasets.map((d) => d.kind), ['jmere', 'mnre', 'twitter']);
  await datasetCorpus([join(dir, 'nothing-here')]).then(() => assert.unreachable(), (err: Error) => assert.match(err.message, /cannot read|no dataset/));
});

test('corpus files: text lines and JSONL records, streamed; a malformed record names its line', () => {
  const txt = join(dir, 'c.txt');
  const jsonl = join(dir, 'c.jsonl');
  writeFileSync(txt, 'first line\n\nsecond line');
  writeFileSync(jsonl, '{"text": "a post", "context": "its context"}\n{"tokens": ["b", "c"]}\n');
  assert.equal([...fileCorpus([txt, jsonl]).documents()], [
    { text: 'first line' }, { text: 'second line' }, { text: 'a post', context: 'its context' }, { text: 'b c' },
  ]);
  writeFileSync(jsonl, '{"text": "ok"}\n{"txt": 1}\n');
  assert.throws(() => [...fileCorpus([jsonl]).documents()], /c\.jsonl:2: expected a string "text"/);
});

test('cli: pretrain --from-datasets, then train --model on its best checkpoint', async () => {
  const data = join(dir, 'synthetic');
  await generateSyntheticDataset({ outDir: data, seed: 3, sizes: { train: 40, dev: 8, test: 8 }, imageSize: 32 });
  const shapca = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { encoding: 'utf8' });
  const pt = shapca('pretrain', '--from-datasets', join(data, 'ner'), '--contexts', join(data, 'contexts', 'captions.jsonl'), '--out', join(dir, 'cli-pt'),
    '--epochs', '1', '--batch-size', '8', '--max-length', '32', '--vocab-size', '120', '--held-out', '0.2', '--no-progress', '--json');
  assert.is(pt.status, 0, pt.stderr);
  const s = JSON.parse(pt.stdout);
  assert.ok(s.devMetrics.loss > 0 && s.meta.datasets.documents === 40 && s.meta.datasets.datasets[0].withContext === 40, pt.stdout.slice(0, 400));
  const tr = shapca('train', '--data', join(data, 'ner'), '--model', join(dir, 'cli-pt', 'best'), '--out', join(dir, 'cli-train'),
    '--epochs', '1', '--batch-size', '8', '--max-length', '32', '--no-context', '--no-progress', '--json');
  assert.is(tr.status, 0, tr.stderr);
  assert.ok(JSON.parse(tr.stdout).testScore >= 0);
  const bad = shapca('pretrain', '--out', join(dir, 'x'));
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /give a corpus/);
});

test.run();
