// Where an encoder's parameters and gradients live, behind one interface NativeEncoder calls
// without asking which it has. CPU: the native model is bound to the host buffers `params` (and,
// once training starts, `grads`), so there is nothing to copy. CUDA: parameters, gradients and
// AdamW moments live on the GPU and `params` is a host mirror — filled after random initialisation,
// uploaded after loading, and downloaded again (after optimizer updates) before anything reads it;
// the optimizer reaches the GPU copies through deviceParams() (train/param-backend.ts).
import type { Device } from '../device.js';
import type { NativeCudaModelHandle, NativeModelHandle } from '../native/addon.js';
import type { DeviceAdamWSettings, DeviceParams } from '../train/types.js';

/** The encoder's call queue: the native model takes one call at a time. */
export interface EncoderQueue {
  /** Runs fn after every call queued before it. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Queues fn without waiting for it; its failure is thrown by the next call. */
  later(fn: () => Promise<void>): void;
}

export interface EncoderStorage<H> {
  readonly device: Device;
  /** The native handle; null once disposed. */
  readonly handle: H | null;
  /** Host gradients: the CPU's after enableGrad(); always null on the GPU. */
  readonly grads: Float32Array | null;
  /** Throws unless `params` is as current as the copy the model computes with (reading `what`). */
  assertHostCurrent(what: string): void;
  /** The host gradient buffer, for reading one parameter's gradient. */
  hostGrads(): Float32Array;
  /** Allocates the host gradient buffer (CPU only). */
  enableGrad(): Float32Array;
  zeroGrad(): void;
  /** A copy of the gradients (zeros when none were computed yet). */
  downloadGrads(): Promise<Float32Array>;
  /** Makes `params` current (after optimizer updates on the GPU). */
  syncToHost(): Promise<void>;
  /** Makes the model compute with `params` (after writing to it). */
  syncToDevice(): Promise<void>;
  /** Replaces every parameter with `values` (already checked for length). */
  setParams(values: Float32Array): Promise<void>;
  /** What the optimizer calls for a group whose numbers stay on the device; null on the CPU. */
  deviceParams(): DeviceParams | null;
  /** Inside a queued call: makes sure there are gradients for a training forward. */
  prepareTraining(): Promise<void>;
  /** Inside a queued call: seeded initialisation (the same values on both). */
  initRandom(seed: number, std: number): Promise<void>;
  dispose(): void;
}

export class CpuEncoderStorage<C> implements EncoderStorage<C & NativeModelHandle> {
  readonly device = 'cpu' as const;
  grads: Float32Array | null = null;
  handle: (C & NativeModelHandle) | null;

  constructor(
    handle: C & NativeModelHandle,
    private readonly params: Float32Array,
    private readonly queue: EncoderQueue,
  ) {
    this.handle = handle;
    handle.setBuffers({ params });
  }

  assertHostCurrent(): void {}

  hostGrads(): Float32Array {
    if (!this.grads) throw new RangeError('gradients are not enabled');
    return this.grads;
  }

  enableGrad(): Float32Array {
    if (!this.grads) {
      if (!this.handle) throw new TypeError('the encoder was disposed');
      this.grads = new Float32Array(this.params.length);
      this.handle.setBuffers({ params: this.params, grads: this.grads });
    }
    return this.grads;
  }

  zeroGrad(): void {
    this.grads?.fill(0);
  }

  downloadGrads(): Promise<Float32Array> {
    return this.queue.serial(async () => {
      const out = new Float32Array(this.params.length);
      if (this.grads) out.set(this.grads);
      return out;
    });
  }

  async syncToHost(): Promise<void> {}

  async syncToDevice(): Promise<void> {}

  setParams(values: Float32Array): Promise<void> {
    return this.queue.serial(async () => {
      this.params.set(values);
    });
  }

  deviceParams(): null {
    return null;
  }

  async prepareTraining(): Promise<void> {
    this.enableGrad();
  }

  initRandom(seed: number, std: number): Promise<void> {
    return this.handle!.initRandom({ seed, std });
  }

  dispose(): void {
    this.handle?.dispose();
    this.handle = null;
  }
}

export class CudaEncoderStorage<C> implements EncoderStorage<C & NativeCudaModelHandle> {
  readonly device = 'cuda' as const;
  readonly grads = null;
  handle: (C & NativeCudaModelHandle) | null;
  /** The device's parameters changed since `params` was last downloaded. */
  private hostStale = false;
  /** Gradients are allocated on the device. */
  private deviceGrads = false;

  constructor(
    handle: C & NativeCudaModelHandle,
    private readonly params: Float32Array,
    private readonly queue: EncoderQueue,
  ) {
    this.handle = handle;
  }

  private gpu(): C & NativeCudaModelHandle {
    if (!this.handle) throw new TypeError('the encoder was disposed');
    return this.handle;
  }

  assertHostCurrent(what: string): void {
    if (this.hostStale) {
      throw new TypeError(`the parameters changed on the GPU since they were last copied to the host; await syncParamsFromDevice() before reading ${what}`);
    }
  }

  hostGrads(): never {
    throw new TypeError('the gradients live on the GPU: use downloadGrads()');
  }

  enableGrad(): never {
    throw new TypeError("enableGrad: the gradients of an encoder on 'cuda' live on the GPU (see deviceParams())");
  }

  zeroGrad(): void {
    this.queue.later(async () => {
      if (this.deviceGrads) await this.gpu().zeroGrads();
    });
  }

  downloadGrads(): Promise<Float32Array> {
    return this.queue.serial(async () => {
      const out = new Float32Array(this.params.length);
      if (this.deviceGrads) await this.gpu().downloadGrads({ grads: out });
      return out;
    });
  }

  syncToHost(): Promise<void> {
    return this.queue.serial(async () => {
      if (!this.hostStale) return;
      await this.gpu().downloadParams({ params: this.params });
      this.hostStale = false;
    });
  }

  syncToDevice(): Promise<void> {
    return this.queue.serial(async () => {
      if (this.hostStale) throw new TypeError('syncParamsToDevice: the host copy is older than the device\'s; syncParamsFromDevice() first');
      await this.gpu().uploadParams({ params: this.params });
    });
  }

  setParams(values: Float32Array): Promise<void> {
    return this.queue.serial(async () => {
      this.params.set(values);
      await this.gpu().uploadParams({ params: this.params });
      this.hostStale = false;
    });
  }

  deviceParams(): DeviceParams {
    const gpu = this.gpu();
    return {
      gradNormSq: (begin, end) => this.queue.serial(async () => {
        await this.prepareTraining();
        return gpu.gradNormSq({ begin, end });
      }),
      adamwStep: (begin: number, end: number, o: DeviceAdamWSettings) => this.queue.serial(async () => {
        await this.prepareTraining();
        this.hostStale = true;
        await gpu.adamwStep({ begin, end, ...o });
      }),
      downloadMoments: (m, v) => this.queue.serial(() => gpu.downloadMoments({ m, v })),
      uploadMoments: (m, v) => this.queue.serial(() => gpu.uploadMoments({ m, v })),
      syncToHost: () => this.syncToHost(),
    };
  }

  async prepareTraining(): Promise<void> {
    if (this.deviceGrads) return;
    await this.gpu().enableGrads();
    this.deviceGrads = true;
  }

  async initRandom(seed: number, std: number): Promise<void> {
    // The device initialises as the CPU does; the mirror starts as a copy.
    await this.gpu().initRandom({ seed, std });
    await this.gpu().downloadParams({ params: this.params });
    this.hostStale = false;
  }

  dispose(): void {
    this.handle?.dispose();
    this.handle = null;
  }
}
