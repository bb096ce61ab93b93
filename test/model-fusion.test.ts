// The adaptive fusion layer (lib/model/fusion.ts over the native kernels) against an independent
// PyTorch module (tools/reference/make_model_fixtures.py): output, input and parameter gradients.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { agreement } from '../lib/bench/agreement.js';
import { FusionLayer, fusionSpecs } from '../lib/model/fusion.js';
import { ParamStore } from '../lib/nn/params.js';
import { availablePrecisions } from '../lib/precision.js';
import { f32, readFixture, tensor } from './fixtures.js';
import { assertClose } from './helpers.js';

const test = suite('fusion layer');
const fx = readFixture('model.shfx');
const [B, T, C] = tensor(fx, 'fusion.h').shape as [number, number, number];
const [, P, DV] = tensor(fx, 'fusion.image').shape as [number, number, number];

function load(): { store: ParamStore; layer: FusionLayer } {
  const store = new ParamStore(fusionSpecs('', { hidden: C, imageHidden: DV, heads: 2 }), 0);
  for (const slot of store.slots) store.get(slot.name).set(f32(fx, `fusion.param.${slot.name}`));
  return { store, layer: new FusionLayer(store, '', { hidden: C, imageHidden: DV, heads: 2 }) };
}

test('forward and every gradient equal PyTorch', async () => {
  const { store, layer } = load();
  const hasImage = tensor(fx, 'fusion.has_image').data as Uint8Array;
  const cache = await layer.forward(f32(fx, 'fusion.h'), f32(fx, 'fusion.image'), hasImage, B, T, P);
  assertClose(cache.out, f32(fx, 'fusion.out'), 1e-5, 1e-4, 'out');
  const { dh, dimage } = await layer.backward(cache, f32(fx, 'fusion.probe'));
  assertClose(dh, f32(fx, 'fusion.dh'), 1e-5, 1e-4, 'dh');
  assertClose(dimage, f32(fx, 'fusion.dimage'), 1e-5, 1e-4, 'dimage');
  for (const slot of store.slots) assertClose(store.grad(slot.name), f32(fx, `fusion.grad.${slot.name}`), 1e-5, 1e-4, `d${slot.name}`);
});

test('a sample without an image passes through untouched and gets a zero gate', async () => {
  const { layer } = load();
  const h = f32(fx, 'fusion.h');
  const cache = await layer.forward(h, f32(fx, 'fusion.image'), Uint8Array.of(1, 0, 1), B, T, P);
  const n = T * C;
  assert.equal(Array.from(cache.out.subarray(n, 2 * n)), Array.from(h.subarray(n, 2 * n)));
  assert.ok(cache.gate.subarray(n, 2 * n).every((g) => g === 0));
  assert.ok(cache.gate.subarray(0, n).every((g) => g > 0 && g < 1));
});

for (const p of ['bf16', 'int8'] as const) {
  test(`at ${p}: within bounds of fp32 (the six linear maps packed), repacked after the weights change`, async () => {
    if (!availablePrecisions().includes(p)) {
      console.log(`  (skipped: this CPU has no ${p} kernels; precision.test.ts covers the fallback)`);
      return;
    }
    const { store, layer } = load();
    const hasImage = tensor(fx, 'fusion.has_image').data as Uint8Array;
    const h = f32(fx, 'fusion.h'), image = f32(fx, 'fusion.image');
    const bound = { bf16: 0.9999, int8: 0.999 }[p];
    const check = async (label: string) => {
      const ref = (await layer.forward(h, image, hasImage, B, T, P)).out;
      const low = (await layer.forward(h, image, hasImage, B, T, P, p)).out;
      const a = agreement(low, ref, C);
      assert.ok(a.minCos >= bound && a.maxRelErr > 0, `${p} ${label}: min cosine ${a.minCos}, max rel. error ${a.maxRelErr}`);
      return low;
    };
    const first = await check('as loaded');
    const w = store.get('o.weight');
    for (let i = 0; i < w.length; i += 3) w[i] = -w[i]!;
    const second = await check('after the weights change');
    assert.ok(second.some((v, i) => v !== first[i]), 'the changed weights were packed again');
  });
}

test('parameters are laid out once, with no weight decay on biases and LayerNorm', () => {
  const { store } = load();
  const noDecay = store.noDecayRanges().map(([o]) => store.slots.find((s) => s.offset === o)!.name);
  assert.ok(noDecay.every((n) => n.endsWith('.bias') || n.startsWith('ln.')));
  assert.ok(noDecay.includes('ln.weight') && noDecay.includes('gate.bias'));
  assert.is(store.params.length, store.slots.reduce((n, s) => n + s.numel, 0));
  assert.throws(() => new ParamStore([{ name: 'x', shape: [1] }, { name: 'x', shape: [2] }], 0), /duplicate parameter name x/);
});

test.run();
