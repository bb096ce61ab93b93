// Encoders and models at bf16 / int8 inference: agreement with their own fp32 outputs within
// explicit bounds, re-packing when the weights change, training refused at a low precision, bad
// precision names, and the fp32 fallback (with one warning) on a kernel path without the kernels.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { agreement as rowAgreement } from '../lib/bench/agreement.js';
import { BertEncoder, VitEncoder } from '../lib/encoders/index.js';
import { ShapcaError } from '../lib/errors.js';
import { loadModel } from '../lib/tasks/io.js';
import { availablePrecisions, parsePrecision, resetPrecisionWarningsForTesting, type Precision } from '../lib/precision.js';
import * as runtime from '../lib/runtime.js';
import { tiny } from './extract/tiny.js';
import { rejects } from './helpers.js';

const test = suite('precision');

const BERT = { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128, vocab_size: 60, max_position_embeddings: 32 };
const fast = availablePrecisions();

function inputs(batch: number, seqLen: number) {
  const inputIds = new Int32Array(batch * seqLen).map((_, i) => (i * 7 + 3) % 60);
  const attentionMask = new Int32Array(batch * seqLen).fill(1);
  attentionMask.fill(0, batch * seqLen - 3);
  return { inputIds, attentionMask, batch, seqLen };
}

/** Smallest per-row cosine and max |a − b| / max |b|. */
function agreement(a: Float32Array, b: Float32Array, width: number): { cos: number; rel: number } {
  const r = rowAgreement(a, b, width);
  return { cos: r.minCos, rel: r.maxRelErr };
}

// bf16 keeps 8 significant bits, int8 about 7 per row / channel (native/tests/test_models_lowp.cpp
// measures the same models' error; these bounds leave a margin of ~5×).
const BOUNDS: Record<'bf16' | 'int8', { cos: number; rel: number }> = { bf16: { cos: 0.99995, rel: 0.015 }, int8: { cos: 0.999, rel: 0.05 } };

/** Warnings emitted while fn runs. */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (w: Error & { code?: string }) => {
    if (w.code === 'SHAPCA_PRECISION_FALLBACK') seen.push(w.message);
  };
  process.on('warning', listen);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));  // warnings are emitted on the next tick
  } finally {
    process.off('warning', listen);
  }
  return seen;
}

test('bad precision names are ShapcaErrors that say what was expected', async () => {
  assert.is(parsePrecision(undefined), 'fp32');
  for (const bad of ['fp16', 'INT8', 8]) {
    assert.throws(() => parsePrecision(bad), (e: unknown) => e instanceof ShapcaError && e.code === 'SHAPCA_INVALID_ARGUMENT' && /Expected 'fp32', 'bf16' or 'int8' for precision/.test(e.message));
  }
  const bert = await BertEncoder.random(BERT, 1, { pooler: false });
  await rejects(bert.forward({ ...inputs(2, 8), precision: 'fp8' as Precision }), ShapcaError, /Expected 'fp32', 'bf16' or 'int8'/);
  bert.dispose();
});

test('runtime.info() lists the precisions of the active kernel path', () => {
  const info = runtime.info();
  assert.ok(info.precisions.includes('fp32'));
  assert.is(info.precisions.includes('bf16'), info.kernelPath === 'avx512' && info.avx512bf16);
  assert.is(info.precisions.includes('int8'), info.kernelPath === 'avx512' && info.avx512vnni);
});

for (const p of ['bf16', 'int8'] as const) {
  test(`BERT and ViT at ${p}: within bounds of fp32, repacked after the weights change, no training`, async () => {
    if (!fast.includes(p)) {
      console.log(`  (skipped: this CPU has no ${p} kernels; the fallback test covers it)`);
      return;
    }
    const bert = await BertEncoder.random(BERT, 2, { pooler: false });
    const x = inputs(3, 12);
    const ref = (await bert.forward(x)).lastHiddenState;
    const low = (await bert.forward({ ...x, precision: p })).lastHiddenState;
    const a = agreement(low, ref, 64);
    assert.ok(a.cos >= BOUNDS[p].cos && a.rel <= BOUNDS[p].rel && a.rel > 0, `${p}: cos ${a.cos} rel ${a.rel}`);
    assert.equal((await bert.forward({ ...x, precision: p })).lastHiddenState, low, 'the same packed weights give the same result');
    assert.equal((await bert.forward(x)).lastHiddenState, ref, 'fp32 again is exactly fp32');

    // New weights: the next low-precision call packs them (and agrees with the new fp32 output).
    const changed = bert.params.map((v, i) => (i % 5 === 0 ? v * 1.5 : v));
    await bert.setParams(changed);
    const ref2 = (await bert.forward(x)).lastHiddenState;
    const low2 = (await bert.forward({ ...x, precision: p })).lastHiddenState;
    const a2 = agreement(low2, ref2, 64);
    assert.ok(a2.cos >= BOUNDS[p].cos && a2.rel <= BOUNDS[p].rel, `${p} after setParams: cos ${a2.cos} rel ${a2.rel}`);

    await rejects(bert.forward({ ...x, train: true, precision: p }), ShapcaError, /precision '(bf16|int8)' is for inference only: training runs in fp32/);
    // A training forward after low-precision inference runs in fp32 (the packed weights are dropped).
    // (It computes the padded positions, which inference leaves at 0; the real ones agree.)
    const trained = (await bert.forward({ ...x, train: true })).lastHiddenState;
    const real = trained.length - 3 * 64;
    assert.ok(ref2.subarray(real).every((v) => v === 0), 'inference leaves padded positions at 0');
    assert.ok(trained.subarray(real).some((v) => v !== 0), 'training computes padded positions');
    const worst = trained.subarray(0, real).reduce((m, v, i) => Math.max(m, Math.abs(v - ref2[i]!)), 0);
    assert.ok(worst <= 1e-5, `training and inference forwards differ by ${worst} on real positions`);
    await bert.backward({ dLastHiddenState: new Float32Array(ref2.length).fill(0.01) });
    bert.dispose();

    const vit = await VitEncoder.random({ image_size: 32, patch_size: 8, hidden_size: 48, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 96 }, 3);
    const pixels = new Float32Array(2 * 3 * 32 * 32).map((_, i) => Math.sin(i * 0.37));
    const vref = (await vit.forward({ pixels, batch: 2 })).lastHiddenState;
    const vlow = (await vit.forward({ pixels, batch: 2, precision: p })).lastHiddenState;
    const va = agreement(vlow, vref, 48);
    assert.ok(va.cos >= BOUNDS[p].cos && va.rel <= BOUNDS[p].rel && va.rel > 0, `vit ${p}: cos ${va.cos} rel ${va.rel}`);
    vit.dispose();
  });
}

test('a kernel path without the instructions runs fp32, with one warning per precision', async () => {
  const bert = await BertEncoder.random(BERT, 4, { pooler: false });
  const x = inputs(2, 8);
  try {
    runtime.setKernelPath('avx2');  // stands for a CPU without AVX-512 BF16 / VNNI
    assert.equal(availablePrecisions(), ['fp32']);
    resetPrecisionWarningsForTesting();
    const ref = (await bert.forward(x)).lastHiddenState;
    let got: Float32Array[] = [];
    const warnings = await warningsDuring(async () => {
      got = [(await bert.forward({ ...x, precision: 'int8' })).lastHiddenState, (await bert.forward({ ...x, precision: 'int8' })).lastHiddenState];
    });
    assert.equal(got[0], ref);
    assert.equal(got[1], ref);
    assert.is(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /precision 'int8' was requested but this CPU \(or the active kernel path\) has no AVX-512 VNNI kernels; running in fp32/);
  } finally {
    runtime.setKernelPath('auto');
    resetPrecisionWarningsForTesting();
    bert.dispose();
  }
});

test('a model loaded at int8 predicts like fp32 on the tiny model, and refuses to train', async () => {
  const t = await tiny();
  const p: Precision = fast.includes('int8') ? 'int8' : 'fp32';
  const model = await loadModel(t.modelDir, 'ner', { precision: p });
  assert.is(model.backbone.precision, p);
  const batch = model.encode(t.train.slice(0, 8));
  const ref = await model.predict(batch, { precision: 'fp32' });
  const low = await model.predict(batch);
  const same = ref.filter((r, i) => JSON.stringify(r.tags) === JSON.stringify(low[i]!.tags)).length;
  assert.ok(same >= 7, `${same} of 8 samples tagged as at fp32`);
  if (p !== 'fp32') {
    await rejects(
      model.backbone.trainStep(batch, { step: 0, seed: 1 } as never, async () => { throw new Error('unreachable'); }),
      ShapcaError, /loaded for inference at precision 'int8': training runs in fp32/,
    );
  }
  await rejects(loadModel(t.modelDir, 'ner', { precision: 'half' as Precision }), ShapcaError, /Expected 'fp32', 'bf16' or 'int8'/);
  model.parts.text.dispose();
  model.parts.image?.dispose();
});

test.run();
