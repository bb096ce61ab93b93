// The two parameter-group backends the optimizer drives: the CPU one over host buffers and the CUDA
// one over a group's device calls. Here the "device" is host memory behind the DeviceParams calls,
// so both must give the same numbers; the GPU path of real encoders is checked in test/device.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { adamwStep, gradNorm } from '../../lib/kernels/optim.js';
import { checkParamGroup, DeviceParamBackend, HostParamBackend, paramBackend } from '../../lib/train/param-backend.js';
import type { DeviceParams } from '../../lib/train/types.js';
import { assertClose, randomArray } from '../helpers.js';

const test = suite('parameter-group backends');
const N = 1000;

/** DeviceParams over its own copies of the buffers, as a GPU would hold them. */
function fakeDevice(params: Float32Array, grads: Float32Array): DeviceParams & { params: Float32Array; m: Float32Array; v: Float32Array; syncs: number } {
  const d = {
    params: params.slice(), m: new Float32Array(params.length), v: new Float32Array(params.length), syncs: 0,
    async gradNormSq(begin: number, end: number) {
      return (await gradNorm(grads.subarray(begin, end))) ** 2;
    },
    async adamwStep(begin: number, end: number, o: { step: number } & Record<string, number>) {
      const { step, ...rest } = o;
      await adamwStep(d.params.subarray(begin, end), grads.subarray(begin, end), d.m.subarray(begin, end), d.v.subarray(begin, end), step, rest);
    },
    async downloadMoments(m: Float32Array, v: Float32Array) {
      m.set(d.m);
      v.set(d.v);
    },
    async uploadMoments(m: Float32Array, v: Float32Array) {
      d.m.set(m);
      d.v.set(v);
    },
    async syncToHost() {
      d.syncs++;
    },
  };
  return d;
}

test('the CPU and the CUDA backend give the same norm, updates and moments', async () => {
  const params = randomArray(N, 1);
  const grads = randomArray(N, 2, 0.1);
  const device = fakeDevice(params, grads);
  const cpu = new HostParamBackend({ params, grads });
  const cuda = new DeviceParamBackend(device, N);
  assert.is(cpu.size, N);
  assert.is(cuda.size, N);
  assertClose([await cuda.gradNorm()], [await cpu.gradNorm()], 0, 1e-6, 'gradient norm');
  for (const step of [1, 2]) {
    for (const b of [cpu, cuda]) {
      await b.adamwStep(0, 600, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, gradScale: 0.5, step });
      await b.adamwStep(600, N, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, gradScale: 0.5, step });
    }
  }
  assertClose(device.params, params, 0, 0, 'parameters');
  const [a, b] = [await cpu.readMoments(), await cuda.readMoments()];
  assertClose(b.m, a.m, 0, 0, 'm');
  assertClose(b.v, a.v, 0, 0, 'v');
  assert.ok(a.m.some((x) => x !== 0), 'the moments moved');
  // moments in: what is written is what is read back, on both
  for (const backend of [cpu, cuda]) {
    await backend.writeMoments(async (m, v) => {
      m.fill(0.25);
      v.fill(0.5);
    });
    const back = await backend.readMoments();
    assert.ok(back.m.every((x) => x === 0.25) && back.v.every((x) => x === 0.5));
  }
  await cuda.syncToHost();
  await cpu.syncToHost();
  assert.is(device.syncs, 1, 'host sync reaches the device');
});

test('a group gets the backend of its kind; a malformed group is refused with its name', () => {
  const params = new Float32Array(4);
  assert.instance(paramBackend({ name: 'head', params, grads: new Float32Array(4), pretrained: false }), HostParamBackend);
  assert.instance(paramBackend({ name: 'text', params, device: fakeDevice(params, params), pretrained: true }), DeviceParamBackend);
  assert.throws(() => checkParamGroup({ name: 'head', params, grads: new Float32Array(3), pretrained: false }), /Expected grads of 4 values for group 'head' but received 3/);
  const noCalls = { name: 'text', params, device: {} as DeviceParams, pretrained: true };
  assert.throws(() => checkParamGroup(noCalls), /device calls \(gradNormSq, adamwStep, downloadMoments, uploadMoments\) for device group 'text'/);
});

test.run();
