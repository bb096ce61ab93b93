// Entity-level NER scoring: conlleval's chunking and the strict variant, on hand-made cases whose
// conlleval output is known, and chunk counts on the real Twitter data against its README.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { chunksOf, scoreNer } from '../lib/metrics/index.js';

const test = suite('metrics');
const shared = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

test('chunks: B starts, I continues the same type, orphan I starts (conlleval) or is dropped (strict)', () => {
  const tags = ['B-PER', 'I-PER', 'O', 'I-LOC', 'I-LOC', 'B-ORG', 'I-PER', 'B-ORG', 'B-ORG'];
  assert.equal(chunksOf(tags), [
    { type: 'PER', start: 0, end: 2 },
    { type: 'LOC', start: 3, end: 5 },
    { type: 'ORG', start: 5, end: 6 },
    { type: 'PER', start: 6, end: 7 },
    { type: 'ORG', start: 7, end: 8 },
    { type: 'ORG', start: 8, end: 9 },
  ]);
  assert.equal(chunksOf(tags, 'strict'), [
    { type: 'PER', start: 0, end: 2 },
    { type: 'ORG', start: 5, end: 6 },
    { type: 'ORG', start: 7, end: 8 },
    { type: 'ORG', start: 8, end: 9 },
  ]);
});

test('conlleval numbers on a hand-made case', () => {
  // conlleval on these 2 sentences prints: processed 9 tokens with 4 phrases; found: 4 phrases;
  // correct: 2. accuracy 66.67%; precision 50.00%; recall 50.00%; FB1 50.00;
  // LOC precision 0.00% recall 0.00%; PER precision 100.00% recall 100.00%; ORG precision 0.00% (found 1, gold 0)
  const gold = [['B-PER', 'I-PER', 'O', 'B-LOC'], ['O', 'I-PER', 'O', 'B-MISC', 'I-MISC']];
  const pred = [['B-PER', 'I-PER', 'O', 'B-ORG'], ['O', 'B-PER', 'O', 'B-MISC', 'O']];
  const s = scoreNer(gold, pred);
  assert.is(s.micro.correct, 2);
  assert.is(s.micro.predicted, 4);
  assert.is(s.micro.gold, 4);
  assert.is(s.micro.f1, 0.5);
  assert.is(Math.round(s.tokenAccuracy * 1e4) / 1e4, 0.6667);
  assert.is(s.perType.PER!.f1, 1);
  assert.is(s.perType.LOC!.recall, 0);
  assert.is(s.perType.ORG!.predicted, 1);
  assert.is(s.perType.MISC!.correct, 0);
  // strict: the orphan gold I-PER is no entity, so the predicted B-PER there is a false positive
  const strict = scoreNer(gold, pred, 'strict');
  assert.is(strict.micro.gold, 3);
  assert.is(strict.micro.correct, 1);
  assert.is(strict.perType.PER!.precision, 0.5);
});

test('lengths must match', () => {
  assert.throws(() => scoreNer([['O']], []), /expected 1 predicted sentences/);
  assert.throws(() => scoreNer([['O', 'O']], [['O']]), /sentence 0 has 2 gold tags but 1 predicted/);
});

function readTags(path: string): string[][] {
  const sentences: string[][] = [];
  let cur: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('IMGID:')) continue;
    if (line.trim() === '') {
      if (cur.length) sentences.push(cur);
      cur = [];
      continue;
    }
    cur.push(line.split('\t')[1] ?? 'O');
  }
  if (cur.length) sentences.push(cur);
  return sentences;
}

test('entity counts on Twitter-2015/2017 equal the data README (strict and conlleval)', () => {
  if (!existsSync(shared)) {
    console.log(`  (skipped: ${shared} is absent)`);
    return;
  }
  // from ../shared/data/README.md: [split, strict B- total, conlleval total]
  const expected: [string, number, number][] = [
    ['twitter2015/train.txt', 6166, 6352],
    ['twitter2015/valid.txt', 1541, 1594],
    ['twitter2015/test.txt', 5072, 5207],
    ['twitter2017/train.txt', 6049, 6049],
  ];
  for (const [file, strict, conll] of expected) {
    const sentences = readTags(join(shared, file));
    const count = (scheme: 'strict' | 'conlleval') => sentences.reduce((n, s) => n + chunksOf(s, scheme).length, 0);
    assert.is(count('strict'), strict, `${file} strict`);
    assert.is(count('conlleval'), conll, `${file} conlleval`);
  }
});

test.run();
