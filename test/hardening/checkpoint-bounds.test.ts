// Sizes from checkpoint files are bounded before anything is allocated (issue 13, item 4):
// config.json sizes in range and their parameter count under the cap (checked products), tensors
// that tile the safetensors data region exactly (no overlap, no gap, nothing after), shapes whose
// product passes 2^53, and native parameter tables that refuse sizes which would overflow.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { CheckpointError, SafetensorsFile } from '../../lib/checkpoint/index.js';
import { BertEncoder, parseBertConfig, parseVitConfig } from '../../lib/encoders/index.js';
import { addon } from '../../lib/native/addon.js';

const test = suite('hardening: checkpoint sizes');
let root = '';
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shapca-bounds-'));
});
test.after(() => rm(root, { recursive: true, force: true }));

async function rawFile(name: string, header: object, bytes: number): Promise<string> {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const path = join(root, name);
  await writeFile(path, Buffer.concat([len, json, Buffer.alloc(bytes)]));
  return path;
}

async function headerError(path: string): Promise<string> {
  try {
    (await SafetensorsFile.open(path)).close();
  } catch (err) {
    assert.instance(err, CheckpointError);
    assert.is((err as CheckpointError).code, 'SHAPCA_CHECKPOINT_HEADER');
    return (err as Error).message;
  }
  throw new Error(`${path} opened`);
}

test('tensors must tile the data region: overlap, gap and trailing bytes are refused', async () => {
  const t = (a: number, b: number) => ({ dtype: 'F32', shape: [(b - a) / 4], data_offsets: [a, b] });
  const ok = await rawFile('ok.safetensors', { x: t(0, 16), y: t(16, 32) }, 32);
  const f = await SafetensorsFile.open(ok);
  assert.equal([...f.tensors.keys()], ['x', 'y']);
  await f.close();
  assert.match(await headerError(await rawFile('overlap.safetensors', { x: t(0, 16), y: t(8, 24) }, 24)), /tensor y overlaps tensor x in the data section/);
  assert.match(await headerError(await rawFile('gap.safetensors', { x: t(0, 16), y: t(20, 36) }, 36)), /4 bytes of the data section before tensor y belong to no tensor/);
  assert.match(await headerError(await rawFile('tail.safetensors', { x: t(0, 16) }, 24)), /the last 8 bytes of the file belong to no tensor/);
  assert.match(await headerError(await rawFile('alias.safetensors', { x: t(0, 16), y: t(0, 16) }, 16)), /overlaps/);
});

test('shapes whose product passes 2^53, or with too many dimensions, are refused without allocating', async () => {
  const big = [2 ** 20, 2 ** 20, 2 ** 20];
  assert.match(await headerError(await rawFile('huge.safetensors', { x: { dtype: 'F32', shape: big, data_offsets: [0, 16] } }, 16)), /shape \[1048576, 1048576, 1048576\] too large for any file/);
  assert.match(await headerError(await rawFile('ndim.safetensors', { x: { dtype: 'F32', shape: Array(9).fill(1), data_offsets: [0, 4] } }, 4)), /malformed shape/);
  assert.match(await headerError(await rawFile('meta.safetensors', { __metadata__: { a: 1 } }, 0)), /__metadata__ is not an object of strings/);
});

test('config.json sizes are bounded, and their product too, before anything is allocated', async () => {
  const started = Date.now();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ hidden_size: 1e9 }, /expected hidden_size to be an integer in \[1, 16384\] but received 1000000000/],
    [{ num_hidden_layers: 1e6 }, /expected num_hidden_layers to be an integer in \[0, 256\]/],
    [{ vocab_size: 2.5 }, /expected vocab_size to be an integer/],
    [{ hidden_size: 766 }, /hidden_size \(766\) to be divisible by num_attention_heads \(12\)/],
    [{ vocab_size: 4_000_000, hidden_size: 16_384, num_attention_heads: 16 }, /these sizes make a model of .* parameters, above the/],
  ];
  for (const [raw, message] of cases) {
    try {
      parseBertConfig(raw, 'cfg');
      assert.unreachable(JSON.stringify(raw));
    } catch (err) {
      assert.instance(err, CheckpointError);
      assert.match((err as Error).message, message);
    }
  }
  assert.throws(() => parseVitConfig({ model_type: 'vit', image_size: 224, patch_size: 15 }), /image_size \(224\) to be divisible by patch_size \(15\)/);
  // A checkpoint folder with such a config fails at once (no minutes of allocation).
  const dir = join(root, 'deep');
  await mkdir(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', num_hidden_layers: 100000 }));
  try {
    await BertEncoder.fromPretrained(dir);
    assert.unreachable('loaded');
  } catch (err) {
    assert.instance(err, CheckpointError);
    assert.match((err as Error).message, /num_hidden_layers/);
  }
  assert.ok(Date.now() - started < 2000);
});

test('native parameter tables refuse sizes that would overflow, sgemm refuses an output aliasing an input', async () => {
  const native = addon();
  const cfg = { vocabSize: 1e9, hiddenSize: 2 ** 31 - 1, numLayers: 2, numHeads: 1, intermediateSize: 2 ** 31 - 1, maxPositions: 2 ** 31 - 1, typeVocabSize: 2 };
  assert.throws(() => new native.BertModel(cfg), /more than 17179869184 parameters \(or overflow\)/);
  assert.throws(() => new native.BertModel({ ...cfg, vocabSize: 8, hiddenSize: 8, intermediateSize: 8, maxPositions: 8, numLayers: 2 ** 31 - 1 }), /at most 4096 layers/);
  const buf = new Float32Array(64);
  await assert.throws(() => native.sgemm({ m: 4, n: 4, k: 4, a: buf, b: buf.subarray(16), c: buf.subarray(8) }), /sgemm: expected c not to share memory with a/);
  await assert.throws(() => native.sgemm({ m: 4, n: 4, k: 4, a: buf, b: buf.subarray(16), c: buf.subarray(32), bias: buf.subarray(34) }), /expected c not to share memory with bias/);
  await native.sgemm({ m: 4, n: 4, k: 4, a: buf, b: buf.subarray(16), c: buf.subarray(32) }); // disjoint views of one buffer are fine
});

test.run();
