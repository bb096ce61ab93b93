// Entity markers and span positions under sub-word tokenisation: marker order for adjacent,
// nested, identical and crossing spans and spans at the sentence ends; the markers' token
// positions in RE batches (with context, padding and truncation); the span start/end states and
// seeded negative sampling of joint batches.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { allPairs, encodeJointBatch, trainingPairs } from '../lib/tasks/joint/batch.js';
import { insertMarkers, RELATION_MARKERS } from '../lib/tasks/re/markers.js';
import { encodeReBatch } from '../lib/tasks/re/batch.js';
import { WordPieceTokenizer } from '../lib/tokenizer/wordpiece.js';

const test = suite('relation markers and spans');

// "playing" → play ##ing, "yorkers" → york ##ers, "nadal" → na ##dal
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'rafael', 'na', '##dal', 'is', 'play', '##ing', 'in', 'new', 'york', '##ers', 'love', 'him', '!', 'a', 'dog'];
function tokenizer(): WordPieceTokenizer {
  const t = WordPieceTokenizer.fromVocab(VOCAB);
  t.addTokens([...RELATION_MARKERS]);
  return t;
}
const OPTS = { useContext: true, useImage: false, maxLength: 64, imageFloats: 0 };
const words = ['Rafael', 'Nadal', 'is', 'playing', 'in', 'New', 'York'];

test('markers: adjacent, nested, identical, crossing, reversed, and at both ends', () => {
  const m = (h: [number, number], t: [number, number], tokens = ['a', 'b', 'c', 'd']) =>
    insertMarkers(tokens, { start: h[0], end: h[1] }, { start: t[0], end: t[1] });
  assert.equal(m([0, 1], [1, 2]).words.join(' '), '[E1] a [/E1] [E2] b [/E2] c d');
  assert.equal(m([1, 2], [0, 1]).words.join(' '), '[E2] a [/E2] [E1] b [/E1] c d');
  assert.equal(m([0, 4], [1, 3]).words.join(' '), '[E1] a [E2] b c [/E2] d [/E1]');
  assert.equal(m([1, 2], [0, 4]).words.join(' '), '[E2] a [E1] b [/E1] c d [/E2]');
  assert.equal(m([2, 3], [2, 3]).words.join(' '), 'a b [E1] [E2] c [/E2] [/E1] d');
  assert.equal(m([0, 2], [1, 4]).words.join(' '), '[E1] a [E2] b [/E1] c d [/E2]');
  assert.equal(m([2, 4], [2, 3]).words.join(' '), 'a b [E1] [E2] c [/E2] d [/E1]');
  assert.equal(m([0, 2], [0, 3]).words.join(' '), '[E2] [E1] a b [/E1] c [/E2] d');
  const ends = m([0, 1], [3, 4]);
  assert.equal(ends.words.join(' '), '[E1] a [/E1] b c [E2] d [/E2]');
  assert.equal([ends.headMarker, ends.tailMarker], [0, 5]);
  const one = insertMarkers(['x'], { start: 0, end: 1 }, { start: 0, end: 1 });
  assert.equal(one, { words: ['[E1]', '[E2]', 'x', '[/E2]', '[/E1]'], headMarker: 0, tailMarker: 1 });
  assert.throws(() => m([2, 2], [0, 1]), /head span to satisfy 0 <= start < end <= 4/);
  assert.throws(() => m([0, 1], [3, 5]), /tail span/);
});

test('RE batch: each marker is one token whatever the casing, and markerIndex points at [E1] and [E2]', () => {
  const tok = tokenizer();
  const [e1, , e2] = RELATION_MARKERS.map((m) => tok.tokenToId(m)!);
  const examples = [
    // head at the start (two words, the second split in two), tail at the end
    { id: 'a', tokens: words, head: { start: 0, end: 2 }, tail: { start: 5, end: 7 }, relation: 'x', context: 'a dog playing' },
    // overlapping: the tail inside the head, both ending the sentence
    { id: 'b', tokens: words, head: { start: 5, end: 7 }, tail: { start: 6, end: 7 }, relation: 'None' },
    { id: 'c', tokens: ['Yorkers', 'love', 'him'], head: { start: 2, end: 3 }, tail: { start: 0, end: 1 }, relation: 'None' },
  ];
  const b = encodeReBatch(tok, examples, { ...OPTS, labelIndex: new Map([['None', 0], ['x', 1]]) });
  const at = (i: number) => tok.idToToken(b.inputIds[i]!);
  const row = (i: number) => Array.from(b.inputIds.subarray(i * b.seqLen, (i + 1) * b.seqLen), (id) => tok.idToToken(id)).join(' ');
  assert.equal(Array.from(b.labels!), [1, 0, 0]);
  assert.match(row(0), /^\[CLS\] \[E1\] rafael na ##dal \[\/E1\] is play ##ing in \[E2\] new york \[\/E2\] \[SEP\] a dog play ##ing \[SEP\]/);
  assert.match(row(1), /^\[CLS\] rafael na ##dal is play ##ing in \[E1\] new \[E2\] york \[\/E2\] \[\/E1\] \[SEP\]/);
  assert.match(row(2), /^\[CLS\] \[E2\] york ##ers \[\/E2\] love \[E1\] him \[\/E1\] \[SEP\]/);
  for (let i = 0; i < 3; i++) {
    assert.is(b.inputIds[b.markerIndex[2 * i]!], e1, `sample ${i} [E1]`);
    assert.is(b.inputIds[b.markerIndex[2 * i + 1]!], e2, `sample ${i} [E2]`);
    assert.ok(b.markerIndex[2 * i]! >= i * b.seqLen && b.markerIndex[2 * i + 1]! < (i + 1) * b.seqLen);
  }
  assert.is(at(b.markerIndex[0]! + 1), 'rafael');
  assert.is(b.truncated, 0);
  // lower-case markers in the text are ordinary words, not markers
  assert.ok(tok.encodeText('[e1]').length > 1);
});

test('RE batch: markers cut by truncation read [CLS] and are counted', () => {
  const tok = tokenizer();
  const long = [...words, ...words, ...words];
  const b = encodeReBatch(tok, [{ id: 'x', tokens: long, head: { start: 0, end: 1 }, tail: { start: 19, end: 21 } }], { ...OPTS, maxLength: 12 });
  assert.is(b.truncated, 1);
  assert.is(tok.idToToken(b.inputIds[b.markerIndex[0]!]!), '[E1]');
  assert.is(b.markerIndex[1], 0);
  assert.is(b.labels, null);
});

test('joint batch: pairs read the first sub-token of the first and last word of each span', () => {
  const tok = tokenizer();
  const per = (start: number, end: number) => ({ start, end, type: 'per' });
  const loc = (start: number, end: number) => ({ start, end, type: 'loc' });
  const ex = {
    id: 'j', tokens: words, context: 'a dog',
    triples: [{ head: per(0, 2), tail: loc(5, 7), relation: 'lives_in' }],
    entities: [per(3, 4)],
  };
  const b = encodeJointBatch(tok, [ex], { ...OPTS, tagIndex: new Map(['O', 'B-per', 'I-per', 'B-loc', 'I-loc'].map((t, i) => [t, i])), labelIndex: new Map([['None', 0], ['lives_in', 1]]) });
  assert.equal(b.goldEntities![0], [per(3, 4), per(0, 2), loc(5, 7)]);
  assert.equal(b.goldPairs![0], [{ head: 1, tail: 2, label: 1 }]);
  assert.equal(Array.from(b.tagIds!.subarray(0, 7)), [1, 2, 0, 1, 0, 3, 4]);
  const all = allPairs(b, b.goldEntities!);
  assert.is(all.rows, 6);
  const tokAt = (i: number) => tok.idToToken(b.inputIds[i]!);
  const r = all.pairs.findIndex((p) => p.head === 1 && p.tail === 2);
  assert.equal(Array.from(all.index.subarray(4 * r, 4 * r + 4), tokAt), ['rafael', 'na', 'new', 'york']);
  const r2 = all.pairs.findIndex((p) => p.head === 0 && p.tail === 1);
  assert.equal(Array.from(all.index.subarray(4 * r2, 4 * r2 + 4), tokAt), ['play', 'play', 'rafael', 'na']);
  // training: the gold pair always, negatives ceil(ratio · 1) drawn by seed, labelled None
  const t1 = trainingPairs(b, 0, 2, 11);
  assert.is(t1.rows, 3);
  assert.equal(t1.pairs[0], { head: 1, tail: 2, label: 1 });
  assert.ok(t1.pairs.slice(1).every((p) => p.label === 0 && !(p.head === 1 && p.tail === 2)));
  assert.equal(trainingPairs(b, 0, 2, 11).pairs, t1.pairs, 'same seed, same sample');
  const seen = new Set<string>();
  for (let s = 0; s < 40; s++) for (const p of trainingPairs(b, 0, 1, s).pairs.slice(1)) seen.add(`${p.head}>${p.tail}`);
  assert.is(seen.size, 5, 'every negative gets drawn under some seed');
  assert.is(trainingPairs(b, 0, 0, 1).rows, 1);
  assert.is(trainingPairs(b, 0, 10, 1).rows, 6);
  // an entity cut by truncation takes part in no pair
  const cut = encodeJointBatch(tok, [ex], { ...OPTS, maxLength: 9, tagIndex: new Map(['O', 'B-per', 'I-per', 'B-loc', 'I-loc'].map((t, i) => [t, i])), labelIndex: new Map([['None', 0], ['lives_in', 1]]) });
  assert.is(cut.numWords[0], 5);
  assert.equal(allPairs(cut, cut.goldEntities!).pairs, [{ head: 0, tail: 1, label: 0 }, { head: 1, tail: 0, label: 0 }]);
  assert.is(trainingPairs(cut, 0, 2, 3).rows, 2);
});

test.run();
