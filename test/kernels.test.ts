// Native kernels vs PyTorch fixtures (tools/reference/make_fixtures.py), on every kernel path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { kernels, runtime } from '../lib/index.js';
import { f32, readFixture, tensor } from './fixtures.js';
import { assertClose } from './helpers.js';

const fx = readFixture('kernels.shfx');
const paths = runtime.availableKernelPaths();
if (paths.length === 1) console.log('  (AVX2/FMA not available on this CPU: checking the scalar path only)');

for (const path of paths) {
  const test = suite(`kernels vs PyTorch [${path}]`);
  test.before(() => {
    runtime.setKernelPath(path);
  });
  test.after(() => {
    runtime.setKernelPath('auto');
  });

  for (const variant of ['nn', 'nt', 'tn', 'tt']) {
    test(`sgemm ${variant} with alpha, beta, bias`, async () => {
      const [m, n, k] = [37, 29, 41];
      const c = await kernels.sgemm({
        transA: variant[0] === 't', transB: variant[1] === 't', m, n, k, alpha: 0.5, beta: 1,
        a: f32(fx, `gemm_${variant}.a`), b: f32(fx, `gemm_${variant}.b`), c: f32(fx, `gemm_${variant}.c0`),
        bias: f32(fx, `gemm_${variant}.bias`),
      });
      assertClose(c, f32(fx, `gemm_${variant}.c`), 1e-5, 1e-5, `sgemm ${variant}`);
    });
  }

  test('linear forward and backward (nn.Linear autograd)', async () => {
    const [bt, c, oc] = [13, 24, 10];
    const inp = f32(fx, 'linear.inp'), weight = f32(fx, 'linear.weight'), bias = f32(fx, 'linear.bias');
    const out = await kernels.matmulForward({ inp, weight, bias, bt, c, oc });
    assertClose(out, f32(fx, 'linear.out'), 1e-5, 1e-5, 'out');
    const g = await kernels.matmulBackward({ dout: f32(fx, 'linear.dout'), inp, weight, bt, c, oc });
    assertClose(g.dinp, f32(fx, 'linear.dinp'), 1e-5, 1e-5, 'dinp');
    assertClose(g.dweight, f32(fx, 'linear.dweight'), 1e-5, 1e-5, 'dweight');
    assertClose(g.dbias, f32(fx, 'linear.dbias'), 1e-5, 1e-5, 'dbias');
  });

  test('masked softmax forward and backward', async () => {
    const [rows, cols] = tensor(fx, 'softmax.x').shape as [number, number];
    const scale = f32(fx, 'softmax.scale')[0]!;
    const mask = tensor(fx, 'softmax.mask').data as Uint8Array;
    const y = await kernels.softmaxForward({ inp: f32(fx, 'softmax.x'), rows, cols, mask, scale });
    assertClose(y, f32(fx, 'softmax.y'), 1e-6, 1e-5, 'softmax y');
    const dx = await kernels.softmaxBackward({ dout: f32(fx, 'softmax.dout'), out: y, rows, cols, scale });
    assertClose(dx, f32(fx, 'softmax.dx'), 1e-6, 1e-5, 'softmax dx');
  });

  test('layernorm forward and backward (eps 1e-12, as BERT)', async () => {
    const [n, c] = tensor(fx, 'layernorm.x').shape as [number, number];
    const inp = f32(fx, 'layernorm.x'), weight = f32(fx, 'layernorm.weight');
    const st = await kernels.layernormForward({ inp, weight, bias: f32(fx, 'layernorm.bias'), n, c, eps: 1e-12 });
    assertClose(st.out, f32(fx, 'layernorm.y'), 1e-5, 1e-5, 'y');
    assertClose(st.mean, f32(fx, 'layernorm.mean'), 1e-6, 1e-5, 'mean');
    assertClose(st.rstd, f32(fx, 'layernorm.rstd'), 1e-6, 1e-5, 'rstd');
    const g = await kernels.layernormBackward({ dout: f32(fx, 'layernorm.dout'), inp, weight, mean: st.mean, rstd: st.rstd, n, c });
    assertClose(g.dinp, f32(fx, 'layernorm.dx'), 1e-5, 1e-4, 'dx');
    assertClose(g.dweight, f32(fx, 'layernorm.dweight'), 1e-5, 1e-5, 'dweight');
    assertClose(g.dbias, f32(fx, 'layernorm.dbias'), 1e-5, 1e-5, 'dbias');
  });

  for (const kind of ['exact', 'quick'] as const) {
    test(`${kind} gelu forward and backward`, async () => {
      const x = f32(fx, `gelu_${kind}.x`);
      assertClose(await kernels.geluForward(x, kind), f32(fx, `gelu_${kind}.y`), 1e-6, 1e-5, 'y');
      const dx = await kernels.geluBackward(x, f32(fx, `gelu_${kind}.dout`), kind);
      assertClose(dx, f32(fx, `gelu_${kind}.dx`), 1e-6, 1e-5, 'dx');
    });
  }

  test('embedding forward and backward with repeated ids', async () => {
    const ids = tensor(fx, 'embedding.ids').data as Int32Array;
    const [vocab, c] = tensor(fx, 'embedding.table').shape as [number, number];
    const y = await kernels.embeddingForward(ids, f32(fx, 'embedding.table'), vocab, c);
    assert.equal(Array.from(y), Array.from(f32(fx, 'embedding.y')));
    const dtable = await kernels.embeddingBackward(ids, f32(fx, 'embedding.dout'), vocab, c);
    assertClose(dtable, f32(fx, 'embedding.dtable'), 1e-6, 1e-6, 'dtable');
  });

  test('adamw matches torch.optim.AdamW over 3 steps', async () => {
    const p = f32(fx, 'adamw.p0');
    const m = new Float32Array(p.length), v = new Float32Array(p.length);
    for (let step = 1; step <= 3; step++) {
      await kernels.adamwStep(p, f32(fx, `adamw.g${step}`), m, v, step, { lr: 1e-2, weightDecay: 0.1 });
      assertClose(p, f32(fx, `adamw.p${step}`), 1e-6, 1e-5, `params after step ${step}`);
    }
  });

  test('global gradient norm', async () => {
    const norm = await kernels.gradNorm(f32(fx, 'gradnorm.g'));
    const expected = (tensor(fx, 'gradnorm.norm').data as Float64Array)[0]!;
    assert.ok(Math.abs(norm - expected) <= 1e-6 * expected, `${norm} vs ${expected}`);
    assert.is(kernels.clipScale(norm, norm / 2) < 0.51, true);
    assert.is(kernels.clipScale(norm, norm * 2), 1);
  });

  test.run();
}
