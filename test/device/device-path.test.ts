// device: 'cuda' through its TS code paths, on the test double of the GPU models (cuda-double.ts):
// the host mirror of the parameters, the optimizer updating device-resident groups through
// gradNormSq / adamwStep, its moments in checkpoints, saving and reloading. Every number must equal
// the CPU path's.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { SafetensorsFile } from '../../lib/checkpoint/safetensors.js';
import { generateSyntheticDataset, readContexts } from '../../lib/data/index.js';
import type { DeviceRequest } from '../../lib/device.js';
import { BertEncoder } from '../../lib/encoders/index.js';
import { createFromScratch, loadModel, type NerExample, type ShapCAModel } from '../../lib/model/index.js';
import { loadNerExamples } from '../../lib/tasks/ner/data.js';
import { AdamW } from '../../lib/train/optimizer.js';
import { train } from '../../lib/train/trainer.js';
import { deviceCalls, withDeviceDouble } from './cuda-double.js';

const test = suite('device: cuda (on the test double)');
const TYPES = ['PER', 'LOC', 'ORG'];
const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
const BERT = { vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 };
let dir = '';
let examples: NerExample[] = [];

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-6): void {
  assert.is(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)))) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

async function tinyModel(device: DeviceRequest): Promise<ShapCAModel> {
  return createFromScratch({
    entityTypes: TYPES, corpus: examples.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 200, seed: 3, device,
    text: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
    image: { image_size: 32, patch_size: 16, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
    options: { alignDim: 8, fusionHeads: 2, maxLength: 40 },
  });
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-device-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 2, sizes: { train: 12, dev: 4, test: 4 }, imageSize: 32 });
  const contexts = await readContexts(join(dir, 'data', 'contexts', 'captions.jsonl'));
  examples = (await loadNerExamples({ file: join(dir, 'data', 'ner', 'train.txt'), contexts, imagesDir: join(dir, 'data', 'images'), entityTypes: TYPES }, IMAGE)).examples;
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('an encoder on the double: the same initial weights, outputs and gradients as on the CPU; the host copy is synced on demand', async () => {
  const cpu = await BertEncoder.random(BERT, 7);
  await withDeviceDouble(async () => {
    const gpu = await BertEncoder.random(BERT, 7, { device: 'cuda' });
    assert.is(gpu.device, 'cuda');
    assert.is(gpu.grads, null);
    close(gpu.params, cpu.params, 'initial params (downloaded after initRandom)', 0);
    const ids = Int32Array.from({ length: 2 * 5 }, (_, i) => (i * 7) % 50);
    const o = { inputIds: ids, batch: 2, seqLen: 5, train: true };
    const [a, b] = [await cpu.forward(o), await gpu.forward(o)];
    close(b.lastHiddenState, a.lastHiddenState, 'lastHiddenState', 0);
    const d = Float32Array.from(a.lastHiddenState, (_, i) => Math.sin(i));
    await cpu.backward({ dLastHiddenState: d });
    await gpu.backward({ dLastHiddenState: d });
    close(await gpu.downloadGrads(), cpu.grads!, 'grads', 0);
    assert.throws(() => gpu.grad('pooler.dense.weight'), /live on the GPU/);
    assert.throws(() => gpu.enableGrad(), /live on the GPU/);
    // A host write reaches the device only through syncParamsToDevice.
    gpu.param('embeddings.word_embeddings.weight').fill(0.5);
    cpu.param('embeddings.word_embeddings.weight').fill(0.5);
    const before = (await gpu.forward({ ...o, train: false })).lastHiddenState;
    await gpu.syncParamsToDevice();
    const after = (await gpu.forward({ ...o, train: false })).lastHiddenState;
    close(after, (await cpu.forward({ ...o, train: false })).lastHiddenState, 'after upload', 0);
    assert.ok(before.some((x, i) => x !== after[i]), 'the device did not see the host write before the upload');
    gpu.dispose();
  });
  cpu.dispose();
});

test('AdamW on device groups: gradNormSq and adamwStep per range on the device; the host copy is stale until synced; moments round-trip', async () => {
  const cpu = await tinyModel('cpu');
  const batch = cpu.encode(examples.slice(0, 4));
  const ctx = (step: number) => ({ seed: 5, epoch: 0, batch: step, step });
  const steps = async (model: ShapCAModel, opt: AdamW, n: number) => {
    const out = [];
    for (let s = 0; s < n; s++) {
      model.zeroGrad();
      const r = await model.trainStep(batch, ctx(opt.steps));
      out.push({ loss: r.loss, ...(await opt.step(0.5)) });
    }
    return out;
  };
  const cpuOpt = new AdamW(cpu.paramGroups(), { encoderLr: 2e-3, headLr: 3e-3, maxGradNorm: 0.5 });
  const want = await steps(cpu, cpuOpt, 3);
  await withDeviceDouble(async () => {
    const gpu = await tinyModel('cuda');
    const groups = gpu.paramGroups();
    assert.equal(groups.map((g) => [g.name, g.device ? 'device' : 'host']), [['text_encoder', 'device'], ['image_encoder', 'device'], ['heads', 'host']]);
    const initial = gpu.parts.text.params.slice();
    const opt = new AdamW(groups, { encoderLr: 2e-3, headLr: 3e-3, maxGradNorm: 0.5 });
    deviceCalls.length = 0;
    const got = await steps(gpu, opt, 3);
    for (const [i, r] of got.entries()) {
      assert.ok(Math.abs(r.loss - want[i]!.loss) <= 1e-6 * Math.abs(want[i]!.loss), `loss of step ${i + 1}: ${r.loss} vs ${want[i]!.loss}`);
      assert.ok(Math.abs(r.gradNorm - want[i]!.gradNorm) <= 1e-6 * want[i]!.gradNorm, `grad norm of step ${i + 1}`);
    }
    assert.ok(got[0]!.clipScale < 1, 'clipping was exercised');
    assert.ok(deviceCalls.includes('gradNormSq') && deviceCalls.includes('adamwStep'), deviceCalls.join(' '));
    // The optimizer updated the device, not the host copy.
    close(gpu.parts.text.params, initial, 'host copy before sync', 0);
    assert.throws(() => gpu.parts.text.param('embeddings.word_embeddings.weight'), /syncParamsFromDevice/);
    await gpu.parts.text.syncParamsFromDevice();
    await gpu.parts.image!.syncParamsFromDevice();
    close(gpu.parts.text.params, cpu.parts.text.params, 'text encoder after 3 steps');
    close(gpu.parts.image!.params, cpu.parts.image!.params, 'image encoder after 3 steps');
    close(gpu.store.params, cpu.store.params, 'heads after 3 steps');
    // Optimizer state: saved through downloadMoments, restored through uploadMoments.
    const path = join(dir, 'opt-gpu.safetensors');
    await opt.save(path);
    await cpuOpt.save(join(dir, 'opt-cpu.safetensors'));
    const [fg, fc] = [await SafetensorsFile.open(path), await SafetensorsFile.open(join(dir, 'opt-cpu.safetensors'))];
    for (const name of ['text_encoder.m', 'text_encoder.v', 'image_encoder.v', 'heads.m']) close(await fg.read(name), await fc.read(name), name);
    const m = await fg.read('text_encoder.m');
    assert.ok(m.some((x) => x !== 0), 'moments were saved');
    await fg.close();
    await fc.close();
    const fresh = new AdamW(gpu.paramGroups(), { encoderLr: 2e-3, headLr: 3e-3, maxGradNorm: 0.5 });
    deviceCalls.length = 0;
    await fresh.load(path);
    assert.ok(deviceCalls.includes('uploadMoments'), deviceCalls.join(' '));
    const [a, b] = [await steps(gpu, fresh, 1), await steps(cpu, cpuOpt, 1)];
    assert.ok(Math.abs(a[0]!.loss - b[0]!.loss) <= 1e-6 * Math.abs(b[0]!.loss), `after reload: ${a[0]!.loss} vs ${b[0]!.loss}`);
    await gpu.parts.text.syncParamsFromDevice();
    close(gpu.parts.text.params, cpu.parts.text.params, 'text encoder after a step with restored moments');
  });
});

interface LoggedStep {
  type: string;
  step: number;
  loss: number;
}

async function trainRun(device: DeviceRequest, outDir: string, o: { killAt?: number; resume?: boolean } = {}): Promise<ShapCAModel> {
  const model = await tinyModel(device);
  const batches = [examples.slice(0, 4), examples.slice(4, 8), examples.slice(8, 12)].map((e) => model.encode(e));
  const dev = model.encode(examples.slice(0, 4));
  await train(model, {
    trainBatches: ({ start }) => batches.slice(start),
    batchesPerEpoch: 3,
    epochs: 2,
    // a deterministic score that depends on the weights: the CRF loss on a batch, negated
    evaluate: async () => {
      const r = await model.trainStep(dev, { seed: 0, epoch: 0, batch: 0, step: 0 });
      model.zeroGrad();
      return { score: -r.loss, metrics: { loss: r.loss } };
    },
    reload: async (d) => model.backbone.copyFrom((await loadModel(d)).backbone),
    encoderLr: 2e-3, headLr: 3e-3, seed: 9, outDir, checkpointEvery: 2, checkpointSeconds: 0, progress: false,
    resume: o.resume ?? false,
    ...(o.killAt ? { onStep: (r) => { if (r.step === o.killAt) throw new Error('killed'); } } : {}),
  });
  return model;
}

function losses(outDir: string): number[] {
  return readFileSync(join(outDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LoggedStep)
    .filter((r) => r.type === 'step').map((r) => r.loss);
}

test('a training run on the double (checkpoints, a kill, resume, best reload) gives the CPU run\'s losses and weights', async () => {
  const cpuDir = join(dir, 'run-cpu');
  await trainRun('cpu', cpuDir);
  const want = losses(cpuDir);
  assert.is(want.length, 6);
  await withDeviceDouble(async () => {
    const gpuDir = join(dir, 'run-gpu');
    try {
      await trainRun('cuda', gpuDir, { killAt: 3 });
      assert.unreachable('the run should have been killed');
    } catch (err) {
      assert.match((err as Error).message, /killed/);
    }
    deviceCalls.length = 0;
    const model = await trainRun('cuda', gpuDir, { resume: true });
    assert.ok(deviceCalls.includes('uploadMoments'), 'the resumed run restored the moments on the device');
    const got = losses(gpuDir);
    assert.is(got.length, 6);
    close(got, want, 'losses of the resumed device run');
    // best/ was saved from the device (downloaded first) and reloaded into it for the test
    for (const part of ['text', 'image']) {
      const [a, b] = [await SafetensorsFile.open(join(gpuDir, 'best', part, 'model.safetensors')), await SafetensorsFile.open(join(cpuDir, 'best', part, 'model.safetensors'))];
      for (const name of a.tensors.keys()) close(await a.read(name), await b.read(name), `best/${part}/${name}`);
      await a.close();
      await b.close();
    }
    assert.is(model.parts.text.device, 'cuda');
  });
});

test.run();
