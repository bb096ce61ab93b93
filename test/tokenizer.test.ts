// BERT WordPiece on a hand-made vocabulary: sub-word splits, normalisation, pairs with token
// types, truncation (context first), word alignment, markers, vocab.txt vs tokenizer.json,
// save/load, and learning a vocabulary.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { learnWordPiece, WordPieceTokenizer } from '../lib/tokenizer/index.js';

const VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'un', '##aff', '##able', 'dog', '!', 'run', '##ning', 'rock',
  '##y', 'a', 'cafe', 'in', 'paris', '.', ',', 'is', '##s', 'photo', 'of', 'boxer', '@', 'user',
];
const id = (t: string) => VOCAB.indexOf(t);
const test = suite('WordPiece tokenizer');
const tok = WordPieceTokenizer.fromVocab(VOCAB);

test('sub-word splits, lowercasing, accent stripping, punctuation and unknown words', () => {
  assert.equal(tok.tokenize('The unaffable dog running!'), ['the', 'un', '##aff', '##able', 'dog', 'run', '##ning', '!']);
  assert.equal(tok.tokenize('Café in PARIS, rocky.'), ['cafe', 'in', 'paris', ',', 'rock', '##y', '.']);
  assert.equal(tok.tokenize('zebra @user'), ['[UNK]', '@', 'user']);
  assert.equal(tok.encodeText('dogs'), [id('dog'), id('##s')]);
  assert.is(tok.vocabSize, VOCAB.length);
  assert.equal([tok.clsId, tok.sepId, tok.padId, tok.unkId], [2, 3, 0, 1]);
});

test('pair encoding: [CLS] text [SEP] context [SEP] with token types 0 / 1', () => {
  const e = tok.encode({ text: 'rocky runs', context: 'a photo of a boxer' });
  const toks = e.inputIds.map((i) => tok.idToToken(i));
  assert.equal(toks, ['[CLS]', 'rock', '##y', 'run', '##s', '[SEP]', 'a', 'photo', 'of', 'a', 'boxer', '[SEP]']);
  assert.equal(e.tokenTypeIds, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  assert.equal(e.textSpan, [1, 5]);
  assert.equal(e.contextSpan, [6, 11]);
  assert.equal(e.truncated, { text: 0, context: 0 });
  const single = tok.encode({ text: 'the dog' });
  assert.equal(single.inputIds, [2, id('the'), id('dog'), 3]);
  assert.equal(single.contextSpan, [4, 4]);
});

test('truncation cuts the context first, then the text', () => {
  const e = tok.encode({ text: 'rocky runs', context: 'a photo of a boxer', maxLength: 9 });
  assert.equal(e.inputIds.map((i) => tok.idToToken(i)), ['[CLS]', 'rock', '##y', 'run', '##s', '[SEP]', 'a', 'photo', '[SEP]']);
  assert.equal(e.truncated, { text: 0, context: 3 });
  const e2 = tok.encode({ text: 'rocky runs', context: 'a photo', maxLength: 5 });
  assert.equal(e2.inputIds.map((i) => tok.idToToken(i)), ['[CLS]', 'rock', '##y', 'run', '[SEP]']);
  assert.equal(e2.truncated, { text: 1, context: 2 });
  assert.equal(e2.tokenTypeIds, [0, 0, 0, 0, 0]);
});

test('word → sub-token alignment for tagging (first sub-token per word), with truncation', () => {
  const e = tok.encode({ text: ['Rocky', 'the', 'unaffable', 'dog'], context: 'a boxer' });
  assert.equal(e.wordStarts, [1, 3, 4, 7]);
  assert.equal(e.wordIds, [-1, 0, 0, 1, 2, 2, 2, 3, -1, -1, -1, -1]);
  const cut = tok.encode({ text: ['Rocky', 'the', 'unaffable', 'dog'], maxLength: 6 });
  assert.equal(cut.wordStarts, [1, 3, 4, -1]);
  assert.equal(cut.wordIds, [-1, 0, 0, 1, 2, -1]);
  // a word that normalises to nothing still owns a token
  assert.equal(tok.encodeWords(['\u200b']), [[tok.unkId]]);
});

test('added marker tokens are never split, lowercased or merged, and extend the vocabulary', () => {
  const t = WordPieceTokenizer.fromVocab(VOCAB);
  const ids = t.addTokens(['[E1]', '[/E1]', '[E2]', '[/E2]']);
  assert.equal(ids, [28, 29, 30, 31]);
  assert.is(t.vocabSize, 32);
  assert.equal(t.tokenize('[E1] Rocky [/E1] is in [E2] paris [/E2]'), ['[E1]', 'rock', '##y', '[/E1]', 'is', 'in', '[E2]', 'paris', '[/E2]']);
  assert.equal(t.addTokens(['[E1]']), [28], 'adding again keeps the id');
  assert.is(tok.tokenToId('[E1]'), undefined, 'other tokenizers are unaffected');
});

test('padding to a batch for BertEncoder.forward', () => {
  const a = tok.encode({ text: 'the dog', context: 'a boxer' });
  const b = tok.encode({ text: 'rocky' });
  const p = tok.pad([a, b]);
  assert.is(p.batch, 2);
  assert.is(p.seqLen, 7);
  assert.equal([...p.attentionMask], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  assert.equal([...p.inputIds.subarray(7)], [2, id('rock'), id('##y'), 3, 0, 0, 0]);
  assert.equal([...p.tokenTypeIds.subarray(0, 7)], [0, 0, 0, 0, 1, 1, 1]);
});

test('vocab.txt and tokenizer.json load the same tokenizer; save() round-trips; cased vocabularies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shapca-tok-'));
  try {
    await writeFile(join(dir, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
    const fromTxt = await WordPieceTokenizer.load(join(dir, 'vocab.txt'));
    const text = 'The unaffable dog, in Paris!';
    assert.equal(fromTxt.encode({ text }).inputIds, tok.encode({ text }).inputIds);
    const marked = WordPieceTokenizer.fromVocab(VOCAB);
    marked.addTokens(['[E1]']);
    await marked.save(join(dir, 'saved'));
    const back = await WordPieceTokenizer.load(join(dir, 'saved'));
    assert.equal(back.tokenize('[E1] rocky'), ['[E1]', 'rock', '##y']);
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
    const cased = await WordPieceTokenizer.load(dir);
    assert.equal(cased.tokenize('The dog'), ['[UNK]', 'dog']);
    try {
      await WordPieceTokenizer.load(join(dir, 'nope.json'));
      assert.unreachable('missing file');
    } catch (err) {
      assert.match((err as Error).message, /nope\.json: cannot read the tokenizer/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('learning a WordPiece vocabulary: frequent words become whole tokens, every character is covered', () => {
  const corpus = [
    'the boxer rocky runs in paris', 'Rocky the dog runs', 'a photo of rocky', 'the boxer in the ring',
    'running dogs run', 'the photo of the boxer',
  ];
  const t = learnWordPiece(corpus, { vocabSize: 80, minFrequency: 2, extraTokens: ['[E1]'] });
  assert.ok(t.vocabSize <= 80);
  assert.equal(t.tokenize('the boxer rocky'), ['the', 'boxer', 'rocky']);
  assert.ok(!t.tokenize('ringo photos').includes('[UNK]'), 'all characters of the corpus are in the alphabet');
  assert.equal(t.tokenize('rocky [E1] boxer'), ['rocky', '[E1]', 'boxer'], 'extra tokens stay whole');
  const again = learnWordPiece(corpus, { vocabSize: 80, minFrequency: 2, extraTokens: ['[E1]'] });
  assert.equal(again.toJson().model.vocab, t.toJson().model.vocab, 'deterministic');
  assert.equal(t.tokenize('zebra'), ['[UNK]'], 'z is not in the corpus');
});

test.run();
