// CRF kernels vs a PyTorch reference that enumerates every tag path (tools/reference/make_fixtures.py).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { bioTags } from '../lib/data/bio.js';
import { bioConstraints } from '../lib/heads/bio.js';
import { kernels, ShapcaError } from '../lib/index.js';
import { f32, readFixture, tensor } from './fixtures.js';
import { assertClose, rejects } from './helpers.js';

const test = suite('crf');
const fx = readFixture('kernels.shfx');
const [batch, maxLen, numTags] = tensor(fx, 'crf.emissions').shape as [number, number, number];
const crf = { transitions: f32(fx, 'crf.transitions'), start: f32(fx, 'crf.start'), end: f32(fx, 'crf.end'), numTags };
const x = { emissions: f32(fx, 'crf.emissions'), lengths: tensor(fx, 'crf.lengths').data as Int32Array, batch, maxLen };
const tags = tensor(fx, 'crf.tags').data as Int32Array;

test('nll equals log-sum-exp over all paths minus the gold score', async () => {
  assertClose(await kernels.crfForward(crf, x, tags), f32(fx, 'crf.nll'), 1e-4, 1e-5, 'nll');
});

test('gradients equal PyTorch autograd through the enumeration', async () => {
  const g = await kernels.crfBackward(crf, x, tags, f32(fx, 'crf.dnll'));
  assertClose(g.demissions, f32(fx, 'crf.demissions'), 1e-5, 1e-4, 'demissions');
  assertClose(g.dtransitions, f32(fx, 'crf.dtransitions'), 1e-5, 1e-4, 'dtransitions');
  assertClose(g.dstart, f32(fx, 'crf.dstart'), 1e-5, 1e-4, 'dstart');
  assertClose(g.dend, f32(fx, 'crf.dend'), 1e-5, 1e-4, 'dend');
});

test('viterbi finds the highest-scoring path; padding is -1', async () => {
  const { tags: best } = await kernels.crfViterbi(crf, x);
  assert.equal(Array.from(best), Array.from(tensor(fx, 'crf.best').data));
});

test('BIO constraints: no I-X after O or another type, no I-X first', async () => {
  const names = bioTags(['PER', 'LOC']);
  assert.equal(names, ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']);
  const c = bioConstraints(names);
  const L = names.length;
  const ok = (from: string, to: string) => c.allowed[names.indexOf(from) * L + names.indexOf(to)] === 1;
  assert.ok(ok('B-PER', 'I-PER') && ok('I-PER', 'I-PER') && ok('O', 'B-LOC') && ok('I-LOC', 'O'));
  assert.not.ok(ok('O', 'I-PER') || ok('B-LOC', 'I-PER') || ok('I-PER', 'I-LOC'));
  assert.equal(Array.from(c.allowedStart), [1, 1, 0, 1, 0]);
  // emissions that prefer "I-PER I-PER": constrained decoding must start with B-PER instead
  const em = new Float32Array(2 * L);
  em[2] = 5;
  em[L + 2] = 5;
  const zero = { transitions: new Float32Array(L * L), start: new Float32Array(L), end: new Float32Array(L), numTags: L };
  const batch1 = { emissions: em, lengths: Int32Array.of(2), batch: 1, maxLen: 2 };
  assert.equal(Array.from((await kernels.crfViterbi(zero, batch1)).tags), [2, 2]);
  assert.equal(Array.from((await kernels.crfViterbi(zero, batch1, c)).tags), [1, 2]);
});

test('bad tags and lengths are errors', async () => {
  const bad = tags.slice();
  bad[1] = numTags;
  const err = await rejects(() => kernels.crfForward(crf, x, bad), ShapcaError, /tags\[0\]\[1\] = 5/);
  assert.is((err as ShapcaError).code, 'SHAPCA_OUT_OF_RANGE');
  await rejects(() => kernels.crfForward(crf, { ...x, lengths: Int32Array.of(4, 9, 1) }, tags), ShapcaError, /lengths\[1\] = 9/);
  await rejects(() => kernels.crfForward(crf, { ...x, lengths: new Int32Array(2) }, tags), RangeError, /lengths to have at least 3/);
});

test.run();
