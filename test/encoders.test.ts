// Native BERT, ViT and CLIP vision encoders vs the PyTorch references of
// tools/reference/make_encoder_fixtures.py: forward outputs and every gradient, on each kernel path.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { BertEncoder, VitEncoder } from '../lib/encoders/index.js';
import * as runtime from '../lib/runtime.js';
import { f32, readFixture, tensor } from './fixtures.js';
import { assertClose } from './helpers.js';

const fx = readFixture('encoders.shfx');
const dirs = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'encoders');
const paths = runtime.availableKernelPaths();
const [ATOL, RTOL] = [2e-5, 1e-4];

const i32 = (name: string) => tensor(fx, name).data as Int32Array;

/** Every gradient of the fixture (prefix.grad.NAME) against the encoder's. */
function checkGrads(enc: BertEncoder | VitEncoder, prefix: string): void {
  let checked = 0;
  for (const slot of enc.slots) {
    assertClose(enc.grad(slot.name), f32(fx, `${prefix}.grad.${slot.name}`), ATOL, RTOL, `d ${slot.name}`);
    checked++;
  }
  const expected = [...fx.keys()].filter((k) => k.startsWith(`${prefix}.grad.`)).length;
  assert.is(checked, expected, 'every reference gradient has a parameter');
}

for (const path of paths) {
  const test = suite(`encoders vs PyTorch [${path}]`);
  test.before(() => {
    runtime.setKernelPath(path);
  });
  test.after(() => {
    runtime.setKernelPath('auto');
  });

  test('BERT (padding, token types, pooler): forward, every parameter gradient, inputs_embeds gradient', async () => {
    const enc = await BertEncoder.fromPretrained(join(dirs, 'bert'));
    const [batch, seqLen] = tensor(fx, 'bert.input_ids').shape as [number, number];
    const out = await enc.forward({
      inputIds: i32('bert.input_ids'), attentionMask: i32('bert.attention_mask'), tokenTypeIds: i32('bert.token_type_ids'),
      batch, seqLen, train: true,
    });
    assertClose(out.lastHiddenState, f32(fx, 'bert.last'), ATOL, RTOL, 'last_hidden_state');
    assertClose(out.pooledOutput!, f32(fx, 'bert.pooled'), ATOL, RTOL, 'pooler_output');
    const g = await enc.backward({ dLastHiddenState: f32(fx, 'bert.dlast'), dPooled: f32(fx, 'bert.dpooled'), inputsEmbeds: true });
    assertClose(g.dInputsEmbeds!, f32(fx, 'bert.dinputs_embeds'), ATOL, RTOL, 'inputs_embeds grad');
    checkGrads(enc, 'bert');
    enc.dispose();
  });

  test('ViT (sharded, "vit." prefix, pooler): forward, every parameter gradient, pixel gradient', async () => {
    const enc = await VitEncoder.fromPretrained(join(dirs, 'vit-sharded'));
    assert.ok(enc.hasPooler);
    const out = await enc.forward({ pixels: f32(fx, 'vit.pixels'), batch: 2, train: true });
    assertClose(out.lastHiddenState, f32(fx, 'vit.last'), ATOL, RTOL, 'last_hidden_state');
    assertClose(out.pooledOutput!, f32(fx, 'vit.pooled'), ATOL, RTOL, 'pooler_output');
    const g = await enc.backward({ dLastHiddenState: f32(fx, 'vit.dlast'), dPooled: f32(fx, 'vit.dpooled'), pixels: true });
    assertClose(g.dPixels!, f32(fx, 'vit.dpixels'), ATOL, RTOL, 'pixel grad');
    checkGrads(enc, 'vit');
    enc.dispose();
  });

  test('CLIP vision (F16 weights in a full CLIP checkpoint): forward, every gradient, pixel gradient', async () => {
    const enc = await VitEncoder.fromPretrained(join(dirs, 'clip-f16'));
    assert.ok(enc.isClip);
    assert.equal(enc.ignoredTensors.sort(), ['logit_scale', 'text_model.embeddings.token_embedding.weight']);
    const out = await enc.forward({ pixels: f32(fx, 'clip.pixels'), batch: 2, train: true });
    assertClose(out.lastHiddenState, f32(fx, 'clip.last'), ATOL, RTOL, 'last_hidden_state');
    assertClose(out.pooledOutput!, f32(fx, 'clip.pooled'), ATOL, RTOL, 'pooler_output');
    const g = await enc.backward({ dLastHiddenState: f32(fx, 'clip.dlast'), dPooled: f32(fx, 'clip.dpooled'), pixels: true });
    assertClose(g.dPixels!, f32(fx, 'clip.dpixels'), ATOL, RTOL, 'pixel grad');
    checkGrads(enc, 'clip');
    enc.dispose();
  });

  test.run();
}

const misc = suite('encoders: loading variants, finite differences, lifecycle');

misc('BF16 weights with the "bert." prefix, a pretraining head and the position_ids buffer', async () => {
  const enc = await BertEncoder.fromPretrained(join(dirs, 'bert-bf16'));
  assert.equal(enc.ignoredTensors, ['cls.predictions.bias']);
  assert.ok(enc.hasPooler);
  const [batch, seqLen] = tensor(fx, 'bert.input_ids').shape as [number, number];
  const out = await enc.forward({
    inputIds: i32('bert.input_ids'), attentionMask: i32('bert.attention_mask'), tokenTypeIds: i32('bert.token_type_ids'), batch, seqLen,
  });
  // Inference leaves padded positions at 0 (they are not computed); real ones match PyTorch.
  const expected = f32(fx, 'bert_bf16.last').slice();
  const mask = i32('bert.attention_mask'), width = expected.length / mask.length;
  assert.ok(mask.includes(0), 'the fixture batch has padding');
  mask.forEach((m, r) => { if (m === 0) expected.fill(0, r * width, (r + 1) * width); });
  assertClose(out.lastHiddenState, expected, ATOL, RTOL, 'last_hidden_state (bf16 weights)');
  enc.dispose();
});

misc('finite differences through the addon on a few BERT parameters', async () => {
  const enc = await BertEncoder.fromPretrained(join(dirs, 'bert'));
  const [batch, seqLen] = tensor(fx, 'bert.input_ids').shape as [number, number];
  const inputs = { inputIds: i32('bert.input_ids'), attentionMask: i32('bert.attention_mask'), tokenTypeIds: i32('bert.token_type_ids'), batch, seqLen };
  const probe = f32(fx, 'bert.dlast');
  const loss = async () => { // the function backward differentiates: the training forward (padded rows computed)
    const { lastHiddenState } = await enc.forward({ ...inputs, train: true });
    let l = 0;
    for (let i = 0; i < probe.length; i++) l += (probe[i] as number) * (lastHiddenState[i] as number);
    return l;
  };
  await enc.forward({ ...inputs, train: true });
  await enc.backward({ dLastHiddenState: probe });
  for (const [name, index] of [['encoder.layer.1.attention.self.key.weight', 17], ['embeddings.LayerNorm.weight', 3], ['encoder.layer.0.intermediate.dense.bias', 5]] as const) {
    const p = enc.param(name);
    const keep = p[index] as number;
    const h = 1e-2;
    p[index] = keep + h;
    const up = await loss();
    p[index] = keep - h;
    const down = await loss();
    p[index] = keep;
    const numeric = (up - down) / (2 * h);
    const analytic = enc.grad(name)[index] as number;
    assert.ok(Math.abs(analytic - numeric) <= 2e-3 + 1e-2 * Math.abs(numeric), `${name}[${index}]: ${analytic} vs ${numeric}`);
  }
  enc.dispose();
});

misc('random(), save() and fromPretrained() round-trip; disposed encoders refuse calls', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'shapca-enc-'));
  try {
    const cfg = { vocab_size: 30, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 10 };
    const a = await BertEncoder.random(cfg, 7);
    const b = await BertEncoder.random(cfg, 7);
    assert.equal(a.params, b.params, 'same seed, same weights');
    const w = a.param('encoder.layer.0.attention.self.query.weight');
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    assert.ok(std > 0.01 && std < 0.03, `initializer_range 0.02, got std ${std}`);
    assert.equal([...a.param('embeddings.LayerNorm.weight')], new Array(8).fill(1));
    await a.save(dir);
    const c = await BertEncoder.fromPretrained(dir);
    assert.equal(c.params, a.params);
    const v = await VitEncoder.random({ model_type: 'clip_vision_model', image_size: 8, patch_size: 4, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8 }, 1);
    await v.save(join(dir, 'clip'));
    const v2 = await VitEncoder.fromPretrained(join(dir, 'clip'));
    assert.equal(v2.params, v.params);
    assert.ok(v2.isClip);
    a.dispose();
    try {
      await a.forward({ inputIds: new Int32Array(2), batch: 1, seqLen: 2 });
      assert.unreachable('disposed');
    } catch (err) {
      assert.match((err as Error).message, /disposed/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

misc('resizeTokenEmbeddings keeps every weight and old row, and adds rows for marker tokens', async () => {
  const enc = await BertEncoder.fromPretrained(join(dirs, 'bert'));
  const big = await enc.resizeTokenEmbeddings(54, 5);
  assert.is(big.config.vocab_size, 54);
  const oldRows = enc.param('embeddings.word_embeddings.weight');
  const newRows = big.param('embeddings.word_embeddings.weight');
  assert.equal(newRows.subarray(0, oldRows.length), oldRows);
  assert.ok(newRows.subarray(oldRows.length).some((v) => v !== 0));
  assert.equal(big.param('encoder.layer.1.output.dense.weight'), enc.param('encoder.layer.1.output.dense.weight'));
  const ids = new Int32Array([2, 53, 7]);
  const out = await big.forward({ inputIds: ids, batch: 1, seqLen: 3 });
  assert.ok(out.lastHiddenState.every(Number.isFinite));
  enc.dispose();
  big.dispose();
});

misc('bad configs are errors; concurrent calls are queued by the encoder and refused by the raw handle', async () => {
  try {
    await BertEncoder.random({ hidden_size: 10, num_attention_heads: 4 });
    assert.unreachable('hidden 10, 4 heads');
  } catch (err) {
    // Refused while the config is read, before the native model is built.
    assert.is((err as { code?: string }).code, 'SHAPCA_CHECKPOINT_CONFIG');
    assert.match((err as Error).message, /expected hidden_size \(10\) to be divisible by num_attention_heads \(4\)/);
  }
  const enc = await BertEncoder.fromPretrained(join(dirs, 'bert'));
  const a = { inputIds: new Int32Array([2, 5, 9, 3]), batch: 1, seqLen: 4 };
  const b = { inputIds: new Int32Array([2, 7, 7, 7, 3, 0]), attentionMask: new Int32Array([1, 1, 1, 1, 1, 0]), batch: 1, seqLen: 6 };
  const [ra, rb] = await Promise.all([enc.forward(a), enc.forward(b)]);
  assert.equal(ra.lastHiddenState, (await enc.forward(a)).lastHiddenState);
  assert.equal(rb.lastHiddenState, (await enc.forward(b)).lastHiddenState);
  const { addon } = await import('../lib/native/addon.js');
  const raw = new (addon().BertModel)({ vocabSize: 50, hiddenSize: 16, numLayers: 2, numHeads: 4, intermediateSize: 32, maxPositions: 20, typeVocabSize: 2 });
  raw.setBuffers({ params: enc.params });
  const big = { inputIds: new Int32Array(20 * 16).fill(3), batch: 16, seqLen: 20, out: new Float32Array(20 * 16 * 16) };
  const first = raw.forward(big);
  try {
    await raw.forward(big);
    assert.unreachable('second call while busy');
  } catch (err) {
    assert.match((err as Error).message, /forward: the model is busy with another call; await it first/);
  }
  await first;
  raw.dispose();
  try {
    raw.table();
    assert.unreachable('disposed');
  } catch (err) {
    assert.match((err as Error).message, /table: the model was disposed/);
  }
  enc.dispose();
});

misc('bad inputs are precise errors: ids out of range, sequence too long, backward without a training forward', async () => {
  const enc = await BertEncoder.fromPretrained(join(dirs, 'bert'));
  const ids = new Int32Array([1, 2, 50]);
  await enc.forward({ inputIds: ids, batch: 1, seqLen: 3 }).then(
    () => assert.unreachable('accepted id 50'),
    (err: Error) => assert.match(err.message, /expected input_ids in \[0, 50\) but input_ids\[2\] = 50/),
  );
  await enc.forward({ inputIds: new Int32Array(21), batch: 1, seqLen: 21 }).then(
    () => assert.unreachable('accepted 21 tokens'),
    (err: Error) => assert.match(err.message, /max_position_embeddings \(20\)/),
  );
  await enc.forward({ inputIds: new Int32Array(4), batch: 2, seqLen: 3 }).then(
    () => assert.unreachable('short ids'),
    (err: Error) => assert.match(err.message, /expected inputIds to have at least 6 elements but received 4/),
  );
  await enc.forward({ inputIds: new Int32Array(3), batch: 1, seqLen: 3 });
  await enc.backward({ dLastHiddenState: new Float32Array(48) }).then(
    () => assert.unreachable('backward after an inference forward'),
    (err: Error) => assert.match(err.message, /forBackward: true/),
  );
  enc.dispose();
});

misc.run();
