// CRF tag posteriors (the entity scores of extraction) vs a PyTorch reference that enumerates every
// tag path, without and with BIO constraints (tools/reference/make_fixtures.py).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { kernels, ShapcaError } from '../../lib/index.js';
import { f32, readFixture, tensor } from '../fixtures.js';
import { assertClose, rejects } from '../helpers.js';

const test = suite('crf marginals');
const fx = readFixture('kernels.shfx');
const [batch, maxLen, numTags] = tensor(fx, 'crf.emissions').shape as [number, number, number];
const crf = { transitions: f32(fx, 'crf.transitions'), start: f32(fx, 'crf.start'), end: f32(fx, 'crf.end'), numTags };
const lengths = tensor(fx, 'crf.lengths').data as Int32Array;
const x = { emissions: f32(fx, 'crf.emissions'), lengths, batch, maxLen };
const bio = {
  allowed: tensor(fx, 'crf.allowed').data as Uint8Array,
  allowedStart: tensor(fx, 'crf.allowed_start').data as Uint8Array,
  allowedEnd: tensor(fx, 'crf.allowed_end').data as Uint8Array,
};

test('posteriors equal the enumeration over every path; rows sum to 1, padding is 0', async () => {
  const m = await kernels.crfMarginals(crf, x);
  assertClose(m, f32(fx, 'crf.marginals'), 1e-6, 1e-4, 'marginals');
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < maxLen; t++) {
      let sum = 0;
      for (let j = 0; j < numTags; j++) sum += m[(b * maxLen + t) * numTags + j]!;
      assert.ok(Math.abs(sum - (t < lengths[b]! ? 1 : 0)) < 1e-5, `row ${b},${t} sums to ${sum}`);
    }
  }
});

test('with BIO constraints: the enumeration over allowed paths only', async () => {
  const m = await kernels.crfMarginals(crf, x, bio);
  assertClose(m, f32(fx, 'crf.marginals_bio'), 1e-6, 1e-4, 'constrained marginals');
  // the constrained Viterbi path's tags have positive posterior under the same constraints
  const { tags } = await kernels.crfViterbi(crf, x, bio);
  for (let i = 0; i < tags.length; i++) if (tags[i]! >= 0) assert.ok(m[i * numTags + tags[i]!]! > 0);
});

test('bad shapes and an uncoverable sequence are errors', async () => {
  await rejects(() => kernels.crfMarginals(crf, { ...x, lengths: Int32Array.of(4, 9, 1) }), ShapcaError, /lengths\[1\] = 9/);
  const none = { allowed: new Uint8Array(numTags * numTags) };
  const err = await rejects(() => kernels.crfMarginals(crf, x, none), ShapcaError, /no allowed tag path covers sequence 0/);
  assert.is((err as ShapcaError).code, 'SHAPCA_OUT_OF_RANGE');
  await rejects(() => kernels.crfMarginals(crf, x, { allowed: new Uint8Array(3) }), RangeError, /allowed/);
});

test.run();
