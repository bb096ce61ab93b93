// device: 'cuda' where no GPU is usable (this machine's CPU-only addon, or a CUDA build without a
// device): the encoders run on the CPU with one warning that says why, 'auto' says nothing, a bad
// value is a clear error; the CLI's --device does the same with one line on stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { generateSyntheticDataset, readContexts } from '../../lib/data/index.js';
import { setCudaBackendForTesting } from '../../lib/device.js';
import { BertEncoder, VitEncoder } from '../../lib/encoders/index.js';
import { ShapcaError } from '../../lib/errors.js';
import { loadExtractor } from '../../lib/extract/index.js';
import { createFromScratch, type NerExample } from '../../lib/model/index.js';
import { loadNerExamples } from '../../lib/tasks/ner/data.js';
import * as runtime from '../../lib/runtime.js';

const test = suite('device: cuda without a usable GPU');
const TYPES = ['PER', 'LOC', 'ORG'];
const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
const BERT = { vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 };
// On a machine where the GPU is usable, the fallback cannot be seen: those tests say so and pass.
const usable = runtime.cuda().usable;
let dir = '';
let examples: NerExample[] = [];

/** The SHAPCA_CUDA_FALLBACK warnings emitted while fn runs (they arrive on a later tick). */
async function fallbackWarnings(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.code === 'SHAPCA_CUDA_FALLBACK') seen.push(w.message);
  };
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

function shapca(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-fallback-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 6, sizes: { train: 8, dev: 4, test: 4 }, imageSize: 32 });
  const contexts = await readContexts(join(dir, 'data', 'contexts', 'captions.jsonl'));
  examples = (await loadNerExamples({ file: join(dir, 'data', 'ner', 'train.txt'), contexts, imagesDir: join(dir, 'data', 'images'), entityTypes: TYPES }, IMAGE)).examples;
});

test.after(() => {
  setCudaBackendForTesting(null);
  rmSync(dir, { recursive: true, force: true });
});

test('the probe and resolveDevice: cuda falls back with the reason, auto silently, cpu stays', () => {
  const cuda = runtime.cuda();
  assert.type(cuda.built, 'boolean');
  assert.type(cuda.message, 'string');
  assert.equal(runtime.resolveDevice('cpu'), { requested: 'cpu', device: 'cpu' });
  assert.equal(runtime.resolveDevice(undefined), { requested: 'cpu', device: 'cpu' });
  if (usable) {
    console.log('  (a GPU is usable here: the fallback is not exercised)');
    assert.is(runtime.resolveDevice('cuda').device, 'cuda');
    return;
  }
  assert.ok(cuda.message.length > 0, 'the probe says why no GPU is usable');
  assert.equal(runtime.resolveDevice('cuda'), { requested: 'cuda', device: 'cpu', fallbackReason: cuda.message });
  assert.equal(runtime.resolveDevice('auto'), { requested: 'auto', device: 'cpu' });
  // A CUDA build that finds no device falls back the same way, with the driver's message.
  setCudaBackendForTesting({ info: () => ({ built: true, devices: 0, runtimeVersion: 12040, message: 'no CUDA-capable device is detected' }) });
  assert.equal(runtime.resolveDevice('cuda'), { requested: 'cuda', device: 'cpu', fallbackReason: 'no CUDA-capable device is detected' });
  setCudaBackendForTesting(null);
});

test('a bad device value is a clear error, before anything is built', async () => {
  for (const bad of ['gpu', 'CUDA', '', 0]) {
    const err = await BertEncoder.random(BERT, 0, { device: bad as never }).then(() => null, (e: unknown) => e);
    assert.instance(err, ShapcaError, String(bad));
    assert.is((err as ShapcaError).code, 'SHAPCA_INVALID_ARGUMENT');
    assert.match((err as Error).message, /Expected 'cpu', 'cuda' or 'auto' for device but received/);
  }
  assert.throws(() => runtime.resolveDevice('gpu'), /received "gpu"/);
  const err = await createFromScratch({ entityTypes: TYPES, corpus: ['a b'], vocabSize: 20, device: 'tpu' as never }).then(() => null, (e: unknown) => e);
  assert.match(String(err), /for device but received "tpu"/);
});

test("device: 'cuda' runs on the CPU with one warning naming the probe's reason; 'auto' warns nothing", async () => {
  if (usable) return console.log('  (a GPU is usable here: skipped)');
  setCudaBackendForTesting(null);  // forgets earlier warnings
  let encoders: Array<BertEncoder | VitEncoder> = [];
  const warnings = await fallbackWarnings(async () => {
    encoders = [
      await BertEncoder.random(BERT, 0, { device: 'cuda' }),
      await BertEncoder.random(BERT, 1, { device: 'cuda' }),
      await VitEncoder.random({ image_size: 32, patch_size: 16, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 }, 0, { device: 'cuda' }),
    ];
  });
  assert.equal(encoders.map((e) => e.device), ['cpu', 'cpu', 'cpu']);
  assert.is(warnings.length, 1, warnings.join('\n'));
  assert.ok(warnings[0]!.includes(runtime.cuda().message), warnings[0]);
  assert.match(warnings[0]!, /device 'cuda' was requested but no GPU is usable .*running on the CPU/);
  const cpu = await BertEncoder.random(BERT, 0);
  assert.equal(Array.from(encoders[0]!.params), Array.from(cpu.params));
  setCudaBackendForTesting(null);
  const auto = await fallbackWarnings(async () => {
    const e = await BertEncoder.random(BERT, 0, { device: 'auto' });
    assert.is(e.device, 'cpu');
  });
  assert.equal(auto, []);
});

test("a model asked for on 'cuda' trains and extracts on the CPU, with the CPU's numbers", async () => {
  if (usable) return console.log('  (a GPU is usable here: skipped)');
  const make = (device: 'cpu' | 'cuda') => createFromScratch({
    entityTypes: TYPES, corpus: examples.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 200, seed: 4, device,
    text: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
    image: { image_size: 32, patch_size: 16, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
    options: { alignDim: 8, fusionHeads: 2, maxLength: 40 },
  });
  const [a, b] = [await make('cuda'), await make('cpu')];
  assert.is(a.parts.text.device, 'cpu');
  assert.ok(a.paramGroups().every((g) => g.grads instanceof Float32Array && !g.device), 'host groups');
  const ctx = { seed: 1, epoch: 0, batch: 0, step: 0 };
  const [ra, rb] = [await a.trainStep(a.encode(examples.slice(0, 4)), ctx), await b.trainStep(b.encode(examples.slice(0, 4)), ctx)];
  assert.is(ra.loss, rb.loss);
  await a.save(join(dir, 'model'));
  const extractor = await loadExtractor(join(dir, 'model'), {}, { device: 'cuda' });
  const r = await extractor.predict({ text: examples[0]!.tokens.join(' ') });
  assert.equal(r.tokens, examples[0]!.tokens);
});

test('CLI --device cuda: the fallback said once on stderr, and the commands work; --device gpu refused; info shows the probe', () => {
  const info = shapca('info');
  assert.is(info.code, 0, info.stderr);
  assert.match(info.stdout, usable ? /--device cuda runs the encoders on the GPU/ : /^CUDA: .*--device cuda runs on the CPU$/m);
  if (usable) return console.log('  (a GPU is usable here: the CLI fallback is not exercised)');
  const run = join(dir, 'cli-run');
  const data = ['--data', join(dir, 'data', 'ner'), '--contexts', join(dir, 'data', 'contexts', 'captions.jsonl')];
  const t = shapca('train', ...data, '--no-image', '--out', run, '--epochs', '1', '--batch-size', '8', '--vocab-size', '200', '--no-progress', '--json', '--device', 'cuda');
  assert.is(t.code, 0, t.stderr);
  const lines = t.stderr.split('\n').filter((l) => l.includes('no GPU is usable'));
  assert.is(lines.length, 1, t.stderr);
  assert.ok(lines[0]!.startsWith("shapca: device 'cuda' was requested") && lines[0]!.includes(runtime.cuda().message), lines[0]);
  assert.not.match(t.stderr, /SHAPCA_CUDA_FALLBACK|Warning:/);
  const summary = JSON.parse(t.stdout) as { bestDir: string; steps: number };
  assert.is(summary.steps, 1);
  const input = join(dir, 'posts.jsonl');
  writeFileSync(input, `${JSON.stringify({ id: 'a', text: examples[0]!.tokens.join(' ') })}\n`);
  const out = join(dir, 'out.jsonl');
  const x = shapca('extract', '--model', summary.bestDir, '--input', input, '-o', out, '--no-progress', '--device', 'cuda');
  assert.is(x.code, 0, x.stderr);
  assert.is(x.stderr.split('\n').filter((l) => l.includes('no GPU is usable')).length, 1, x.stderr);
  assert.is((JSON.parse(readFileSync(out, 'utf8')) as { id: string }).id, 'a');
  const auto = shapca('extract', '--model', summary.bestDir, '--input', input, '--no-progress', '--device', 'auto');
  assert.is(auto.code, 0, auto.stderr);
  assert.not.match(auto.stderr, /no GPU is usable/);
  const bad = shapca('eval', '--model', summary.bestDir, '--data', join(dir, 'data', 'ner', 'test.txt'), '--device', 'gpu');
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /--device <device>' argument 'gpu' is invalid. Allowed choices are cpu, cuda, auto/);
  const help = shapca('train', '--help');
  assert.match(help.stdout, /--device <device>/);
  assert.match(help.stdout, /npm run build:cuda/);
});

test.run();
