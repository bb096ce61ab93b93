// safetensors loading: precise errors for broken files (truncated, bad header, missing,
// unexpected, misshapen, wrong dtype tensors), sharded indexes, F16/BF16 round trips.
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { CheckpointError, SafetensorsFile, writeSafetensors } from '../lib/checkpoint/index.js';
import { BertEncoder } from '../lib/encoders/index.js';

const test = suite('checkpoint loading');
const CFG = { vocab_size: 20, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 12, max_position_embeddings: 6 };
let root = '';
let good = '';
let reference: BertEncoder;

async function expectError(p: Promise<unknown>, code: string, message: RegExp, tensor?: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CheckpointError);
    const e = err as CheckpointError;
    assert.is(e.code, code, e.message);
    assert.match(e.message, message);
    if (tensor !== undefined) assert.is(e.tensor, tensor);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

/** A model directory whose tensors are the reference's, edited by fn. */
async function variant(name: string, fn: (t: { name: string; shape: number[]; data: Float32Array }[]) => void): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(good, 'config.json'), join(dir, 'config.json'));
  const tensors = reference.slots.map((s) => ({ name: s.name, shape: [...s.shape], data: reference.param(s.name) }));
  fn(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

/** A safetensors file written by hand: header entries as given, then `bytes` zero bytes. */
async function rawFile(path: string, header: object, bytes: number): Promise<void> {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([len, json, Buffer.alloc(bytes)]));
}

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shapca-ckpt-'));
  good = join(root, 'good');
  reference = await BertEncoder.random(CFG, 3);
  await reference.save(good);
});

test.after(async () => {
  reference.dispose();
  await rm(root, { recursive: true, force: true });
});

test('a saved model loads back bit for bit', async () => {
  const enc = await BertEncoder.fromPretrained(good);
  assert.equal(enc.params, reference.params);
  enc.dispose();
});

test('legacy LayerNorm names (gamma, beta) load as weight and bias', async () => {
  const dir = await variant('legacy', (t) => {
    for (const x of t) x.name = `bert.${x.name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')}`;
  });
  const enc = await BertEncoder.fromPretrained(dir);
  assert.equal(enc.params, reference.params);
  enc.dispose();
});

test('truncated file: names the tensor that runs past the end', async () => {
  const dir = join(root, 'truncated');
  await mkdir(dir);
  await copyFile(join(good, 'config.json'), join(dir, 'config.json'));
  await copyFile(join(good, 'model.safetensors'), join(dir, 'model.safetensors'));
  const last = reference.slots[reference.slots.length - 1]!.name;
  await truncate(join(dir, 'model.safetensors'), (await readFile(join(dir, 'model.safetensors'))).length - 10);
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_TRUNCATED', new RegExp(`tensor ${last.replace(/\./g, '\\.')} needs bytes .* truncated file`), last);
  await truncate(join(dir, 'model.safetensors'), 5);
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_TRUNCATED', /5 bytes, too short/);
});

test('wrong header: a length past the file, JSON that does not parse, offsets that do not match the shape', async () => {
  const dir = join(root, 'header');
  await mkdir(dir);
  const file = join(dir, 'model.safetensors');
  await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]));
  await expectError(SafetensorsFile.open(file), 'SHAPCA_CHECKPOINT_TRUNCATED', /header of 65535 bytes runs past the end/);
  const bad = Buffer.from('{"a": [1,');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bad.length));
  await writeFile(file, Buffer.concat([len, bad]));
  await expectError(SafetensorsFile.open(file), 'SHAPCA_CHECKPOINT_HEADER', /header is not valid JSON/);
  await rawFile(file, { w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, 24);
  await expectError(SafetensorsFile.open(file), 'SHAPCA_CHECKPOINT_HEADER', /tensor w \(F32 \[2, 3\]\) needs 24 bytes but data_offsets span 20/, 'w');
  await rawFile(file, { w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4);
  await expectError(SafetensorsFile.open(file), 'SHAPCA_CHECKPOINT_HEADER', /tensor w has unknown dtype "F33"/, 'w');
});

test('missing, unexpected and misshapen tensors are named', async () => {
  const missing = await variant('missing', (t) => t.splice(t.findIndex((x) => x.name === 'encoder.layer.0.output.dense.bias'), 1));
  await expectError(BertEncoder.fromPretrained(missing), 'SHAPCA_CHECKPOINT_MISSING_TENSOR', /missing tensor encoder\.layer\.0\.output\.dense\.bias \(shape \[8\]\)/, 'encoder.layer.0.output.dense.bias');
  const extra = await variant('unexpected', (t) => t.push({ name: 'encoder.layer.1.output.dense.bias', shape: [8], data: new Float32Array(8) }));
  await expectError(BertEncoder.fromPretrained(extra), 'SHAPCA_CHECKPOINT_UNEXPECTED_TENSOR', /unexpected tensor encoder\.layer\.1\.output\.dense\.bias/, 'encoder.layer.1.output.dense.bias');
  const shape = await variant('shape', (t) => {
    const w = t.find((x) => x.name === 'encoder.layer.0.intermediate.dense.weight')!;
    w.shape = [8, 12];
  });
  await expectError(BertEncoder.fromPretrained(shape), 'SHAPCA_CHECKPOINT_SHAPE', /expected shape \[12, 8\] for tensor encoder\.layer\.0\.intermediate\.dense\.weight but it is \[8, 12\]/, 'encoder.layer.0.intermediate.dense.weight');
});

test('a parameter stored as integers is a dtype error naming it', async () => {
  const file = join(root, 'ints.safetensors');
  await rawFile(file, { 'pooler.dense.bias': { dtype: 'I32', shape: [8], data_offsets: [0, 32] } }, 32);
  const f = await SafetensorsFile.open(file);
  await expectError(f.read('pooler.dense.bias'), 'SHAPCA_CHECKPOINT_DTYPE', /expected F32, F16 or BF16 for tensor pooler\.dense\.bias but it is I32/, 'pooler.dense.bias');
  await f.close();
});

test('sharded index: a missing shard file and a tensor absent from its shard', async () => {
  const dir = join(root, 'sharded');
  await mkdir(dir);
  await copyFile(join(good, 'config.json'), join(dir, 'config.json'));
  const tensors = reference.slots.map((s) => ({ name: s.name, shape: [...s.shape], data: reference.param(s.name) }));
  await writeSafetensors(join(dir, 'a.safetensors'), tensors.slice(0, 5));
  await writeSafetensors(join(dir, 'b.safetensors'), tensors.slice(5));
  const map = Object.fromEntries(tensors.map((t, i) => [t.name, i < 5 ? 'a.safetensors' : 'b.safetensors']));
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: map }));
  const enc = await BertEncoder.fromPretrained(dir);
  assert.equal(enc.params, reference.params);
  enc.dispose();
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { ...map, 'pooler.dense.bias': 'c.safetensors' } }));
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_NOT_FOUND', /c\.safetensors: cannot open/);
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { ...map, 'pooler.dense.bias': 'a.safetensors' } }));
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_MISSING_TENSOR', /tensor pooler\.dense\.bias is listed in model\.safetensors\.index\.json but not in the shard/);
});

test('no weights, no config, a config of another model', async () => {
  const dir = join(root, 'empty');
  await mkdir(dir);
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_NOT_FOUND', /config\.json: cannot read/);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'vit' }));
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_CONFIG', /expected model_type 'bert' but received "vit"/);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_act: 'gelu_new' }));
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_CONFIG', /expected hidden_act 'gelu' or 'quick_gelu' but received "gelu_new"/);
  await writeFile(join(dir, 'config.json'), JSON.stringify(CFG));
  await expectError(BertEncoder.fromPretrained(dir), 'SHAPCA_CHECKPOINT_NOT_FOUND', /found neither model\.safetensors nor model\.safetensors\.index\.json/);
});

test('F16 and BF16 writing rounds to nearest even and reads back', async () => {
  const values = new Float32Array([0, -0, 1, -2.5, 1 / 3, 65504, 70000, 1e-8, 6.1e-5, 3.0517578e-5, 0.1, NaN, Infinity]);
  for (const dtype of ['F16', 'BF16'] as const) {
    const file = join(root, `x-${dtype}.safetensors`);
    await writeSafetensors(file, [{ name: 'x', shape: [values.length], data: values }], { dtype });
    const f = await SafetensorsFile.open(file);
    const back = await f.read('x');
    await f.close();
    const tol = dtype === 'F16' ? 2 ** -11 : 2 ** -8;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const b = back[i]!;
      if (Number.isNaN(v)) assert.ok(Number.isNaN(b));
      else if (!Number.isFinite(v)) assert.is(b, v);
      else if (dtype === 'F16' && Math.abs(v) > 65504) assert.is(b, Infinity);
      else if (dtype === 'F16' && Math.abs(v) < 6e-8) assert.is(b, 0);
      else assert.ok(Math.abs(b - v) <= tol * Math.abs(v) + (dtype === 'F16' ? 6e-8 : 0), `${dtype} ${v} -> ${b}`);
    }
  }
  // exact values PyTorch gives (torch.tensor([1/3, 0.1]).half() / .bfloat16())
  const f16 = new Float32Array([1 / 3, 0.1]);
  await writeSafetensors(join(root, 'h.safetensors'), [{ name: 'x', shape: [2], data: f16 }], { dtype: 'F16' });
  const h = await SafetensorsFile.open(join(root, 'h.safetensors'));
  assert.equal([...(await h.read('x'))], [0.333251953125, 0.0999755859375]);
  await h.close();
  await writeSafetensors(join(root, 'b.safetensors'), [{ name: 'x', shape: [2], data: f16 }], { dtype: 'BF16' });
  const b = await SafetensorsFile.open(join(root, 'b.safetensors'));
  assert.equal([...(await b.read('x'))], [0.333984375, 0.10009765625]);
  await b.close();
});

test.run();
