// A stand-in for the GPU models (CudaBertModel, CudaVitModel) for machines without one: the CPU
// model computes, bound to the double's own "device" buffers (parameters, gradients, AdamW
// moments) that the host reaches only through the upload / download calls. The TS code paths of
// device: 'cuda' (host mirror, optimizer delegation, moments in checkpoints) then run for real, and
// whatever they forget to copy shows up as different numbers. Like the binding, it takes one call
// at a time and refuses gradient calls before enableGrads.
import { setCudaBackendForTesting, type CudaBackend } from '../../lib/device.js';
import { ShapcaError } from '../../lib/errors.js';
import { adamwStep, gradNorm } from '../../lib/kernels/optim.js';
import {
  addon, type NativeAdamWSettings, type NativeBertCalls, type NativeBertConfig, type NativeCudaModelHandle, type NativeModelHandle,
  type NativeVitCalls, type NativeVitConfig,
} from '../../lib/native/addon.js';

/** What the doubles were asked to do, in order (method names), for assertions. */
export const deviceCalls: string[] = [];

class DeviceDouble<C extends NativeBertCalls | NativeVitCalls> implements NativeCudaModelHandle {
  protected readonly cpu: C & NativeModelHandle;
  private readonly params: Float32Array;
  private grads: Float32Array | null = null;
  private moments: { m: Float32Array; v: Float32Array } | null = null;
  private busy = false;

  constructor(cpu: C & NativeModelHandle) {
    this.cpu = cpu;
    this.params = new Float32Array(cpu.table().total);
    cpu.setBuffers({ params: this.params });
  }

  table() {
    return this.cpu.table();
  }

  /** Runs one call as the binding does: never two at once. */
  protected async call<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    if (this.busy) throw new ShapcaError(`${name}: the model is busy with another call; await it first`, 'SHAPCA_INVALID_ARGUMENT');
    this.busy = true;
    deviceCalls.push(name);
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }

  private total(name: string, a: Float32Array): number {
    if (a.length < this.params.length) throw new RangeError(`${name}: expected at least ${this.params.length} values but received ${a.length}`);
    return this.params.length;
  }

  private needGrads(name: string): Float32Array {
    if (!this.grads) throw new TypeError(`${name}: call enableGrads first`);
    return this.grads;
  }

  initRandom(o: { seed?: number; std?: number }) {
    return this.call('initRandom', () => this.cpu.initRandom(o));
  }

  uploadParams(o: { params: Float32Array }) {
    return this.call('uploadParams', () => {
      this.params.set(o.params.subarray(0, this.total('uploadParams', o.params)));
    });
  }

  downloadParams(o: { params: Float32Array }) {
    return this.call('downloadParams', () => {
      this.total('downloadParams', o.params);
      o.params.set(this.params);
    });
  }

  enableGrads() {
    return this.call('enableGrads', () => {
      if (this.grads) return;
      this.grads = new Float32Array(this.params.length);
      this.cpu.setBuffers({ params: this.params, grads: this.grads });
    });
  }

  zeroGrads() {
    return this.call('zeroGrads', () => {
      this.needGrads('zeroGrads').fill(0);
    });
  }

  downloadGrads(o: { grads: Float32Array }) {
    return this.call('downloadGrads', () => {
      this.total('downloadGrads', o.grads);
      o.grads.set(this.needGrads('downloadGrads'));
    });
  }

  gradNormSq(o: { begin: number; end: number }) {
    return this.call('gradNormSq', async () => {
      const norm = await gradNorm(this.needGrads('gradNormSq').subarray(o.begin, o.end));
      return norm * norm;
    });
  }

  adamwStep(o: NativeAdamWSettings & { begin: number; end: number }) {
    return this.call('adamwStep', async () => {
      const g = this.needGrads('adamwStep');
      const { begin, end, step, ...rest } = o;
      const { m, v } = this.momentsOf();
      await adamwStep(this.params.subarray(begin, end), g.subarray(begin, end), m.subarray(begin, end), v.subarray(begin, end), step ?? 1, rest);
    });
  }

  downloadMoments(o: { m: Float32Array; v: Float32Array }) {
    return this.call('downloadMoments', () => {
      const { m, v } = this.momentsOf();
      o.m.set(m);
      o.v.set(v);
    });
  }

  uploadMoments(o: { m: Float32Array; v: Float32Array }) {
    return this.call('uploadMoments', () => {
      const { m, v } = this.momentsOf();
      m.set(o.m.subarray(0, m.length));
      v.set(o.v.subarray(0, v.length));
    });
  }

  private momentsOf(): { m: Float32Array; v: Float32Array } {
    this.moments ??= { m: new Float32Array(this.params.length), v: new Float32Array(this.params.length) };
    return this.moments;
  }

  protected checkForward(forBackward: boolean | undefined): void {
    if (forBackward) this.needGrads('forward');
  }

  dispose(): void {
    this.cpu.dispose();
  }
}

class CudaBertDouble extends DeviceDouble<NativeBertCalls> implements NativeBertCalls {
  constructor(config: NativeBertConfig) {
    super(new (addon().BertModel)(config));
  }

  forward(o: Parameters<NativeBertCalls['forward']>[0]) {
    return this.call('forward', () => {
      this.checkForward(o.forBackward);
      return this.cpu.forward(o);
    });
  }

  backward(o: Parameters<NativeBertCalls['backward']>[0]) {
    return this.call('backward', () => this.cpu.backward(o));
  }
}

class CudaVitDouble extends DeviceDouble<NativeVitCalls> implements NativeVitCalls {
  constructor(config: NativeVitConfig) {
    super(new (addon().VitModel)(config));
  }

  forward(o: Parameters<NativeVitCalls['forward']>[0]) {
    return this.call('forward', () => {
      this.checkForward(o.forBackward);
      return this.cpu.forward(o);
    });
  }

  backward(o: Parameters<NativeVitCalls['backward']>[0]) {
    return this.call('backward', () => this.cpu.backward(o));
  }
}

/** A probe that finds one device, and the doubles as its models. */
export const DOUBLE_BACKEND: CudaBackend = {
  info: () => ({ built: true, devices: 1, device: 'test double (CPU compute, separate buffers)', message: '' }),
  CudaBertModel: CudaBertDouble,
  CudaVitModel: CudaVitDouble,
};

/** Runs fn with the doubles standing in for the GPU models; restores the addon's afterwards. */
export async function withDeviceDouble<T>(fn: () => Promise<T>): Promise<T> {
  setCudaBackendForTesting(DOUBLE_BACKEND);
  try {
    return await fn();
  } finally {
    setCudaBackendForTesting(null);
  }
}
