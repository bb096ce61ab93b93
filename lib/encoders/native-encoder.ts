// The part BertEncoder and VitEncoder share: a native model handle, one call at a time, loading
// from and saving to safetensors. On the CPU the handle is bound to `params` (and, once training
// starts, to `grads`). On 'cuda' the parameters, gradients and AdamW moments live on the GPU, and
// `params` is a host mirror: filled after random initialisation, uploaded after loading, and
// downloaded again (after optimizer updates) before anything reads it through this class —
// save(), param() after syncParamsFromDevice(), resizeTokenEmbeddings().
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Checkpoint, loadParams, type LoadOptions, type LoadReport } from '../checkpoint/checkpoint.js';
import type { Device } from '../device.js';
import { ShapcaError } from '../errors.js';
import { parsePrecision, selectPrecision, type Precision } from '../precision.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import type { NativeCudaModelHandle, NativeModelHandle, NativeParamEntry } from '../native/addon.js';
import type { DeviceAdamWSettings, DeviceParams } from '../train/types.js';

/** The model handle of one device: C is its forward/backward, the same on both. */
export type EncoderHandle<C> = { cpu: C & NativeModelHandle } | { cuda: C & NativeCudaModelHandle };

export abstract class NativeEncoder<C extends object> {
  /**
   * Every parameter, back to back (see `slots` for names, shapes and offsets). On 'cuda', a host
   * mirror of the GPU's copy: write to it, then `syncParamsToDevice()`; after training steps,
   * `syncParamsFromDevice()` before reading it.
   */
  readonly params: Float32Array;
  /** Gradients in the layout of `params`; null until `enableGrad()` (or a training forward); always null on 'cuda'. */
  grads: Float32Array | null = null;
  /** HF names (without the model prefix), shapes and offsets into `params` / `grads`. */
  readonly slots: readonly NativeParamEntry[];
  /** Tensors of the checkpoint that belong to other heads and were skipped when loading. */
  ignoredTensors: string[] = [];
  /** Where the encoder runs and its parameters live. */
  readonly device: Device;

  private cpu: (C & NativeModelHandle) | null = null;
  private gpu: (C & NativeCudaModelHandle) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** A failure of a call nobody awaited (zeroGrad on 'cuda'): the next call throws it. */
  private failure: { error: unknown } | null = null;
  /** 'cuda': the device's parameters changed since `params` was last downloaded. */
  private hostStale = false;
  /** 'cuda': gradients are allocated on the device. */
  private deviceGrads = false;
  /** CPU: the precision the native layers' packed weights were made for ('fp32': none). */
  private packedPrecision: Precision = 'fp32';
  /** CPU: `params` changed since the weights were packed. */
  private packedStale = false;

  protected constructor(handle: EncoderHandle<C>) {
    const h = 'cpu' in handle ? handle.cpu : handle.cuda;
    const table = h.table();
    this.slots = table.entries;
    this.params = new Float32Array(table.total);
    if ('cpu' in handle) {
      this.cpu = handle.cpu;
      this.device = 'cpu';
      handle.cpu.setBuffers({ params: this.params });
    } else {
      this.gpu = handle.cuda;
      this.device = 'cuda';
    }
  }

  /** Number of parameters. */
  get numParams(): number {
    return this.params.length;
  }

  /**
   * A view of one parameter by HF name (no prefix); on 'cuda', of the host mirror. After writing
   * through it, call `paramsChanged()` so that a bf16 / int8 forward packs the new values.
   */
  param(name: string): Float32Array {
    const s = this.slots.find((e) => e.name === name);
    if (!s) throw new RangeError(`no parameter ${name}`);
    if (this.hostStale) {
      throw new TypeError(`the parameters changed on the GPU since they were last copied to the host; await syncParamsFromDevice() before reading ${name}`);
    }
    return this.params.subarray(s.offset, s.offset + s.numel);
  }

  /** The gradient of one parameter (after enableGrad(); on 'cuda' see downloadGrads()). */
  grad(name: string): Float32Array {
    const s = this.slots.find((e) => e.name === name);
    if (s && this.gpu) throw new TypeError('the gradients live on the GPU: use downloadGrads()');
    if (!s || !this.grads) throw new RangeError(s ? 'gradients are not enabled' : `no parameter ${name}`);
    return this.grads.subarray(s.offset, s.offset + s.numel);
  }

  /** Says that `params` was written directly: the next bf16 / int8 forward packs them again. */
  paramsChanged(): void {
    this.packedStale = true;
  }

  /** Allocates the gradient buffer (zeroed) if there is none yet. CPU only (on 'cuda' they live on the GPU). */
  enableGrad(): Float32Array {
    if (this.gpu) throw new TypeError("enableGrad: the gradients of an encoder on 'cuda' live on the GPU (see deviceParams())");
    if (!this.grads) {
      this.grads = new Float32Array(this.params.length);
      this.cpuHandle().setBuffers({ params: this.params, grads: this.grads });
    }
    return this.grads;
  }

  /** Zeroes the gradients (on 'cuda', queued before the next call). */
  zeroGrad(): void {
    if (!this.gpu) {
      this.grads?.fill(0);
      return;
    }
    this.serial(async () => {
      if (this.deviceGrads) await this.gpu!.zeroGrads();
    }).catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  /** A copy of the gradients (zeros when none were computed yet). */
  async downloadGrads(): Promise<Float32Array> {
    return this.serial(async () => {
      const out = new Float32Array(this.params.length);
      if (this.gpu) {
        if (this.deviceGrads) await this.gpu.downloadGrads({ grads: out });
      } else if (this.grads) {
        out.set(this.grads);
      }
      return out;
    });
  }

  /** 'cuda': copies the device's parameters into `params` when they changed there. No-op on the CPU. */
  async syncParamsFromDevice(): Promise<void> {
    if (!this.gpu) return;
    await this.serial(async () => {
      if (!this.hostStale) return;
      await this.gpu!.downloadParams({ params: this.params });
      this.hostStale = false;
    });
  }

  /** 'cuda': copies `params` to the device (after writing to it). No-op on the CPU. */
  async syncParamsToDevice(): Promise<void> {
    if (!this.gpu) return;
    await this.serial(async () => {
      if (this.hostStale) throw new TypeError('syncParamsToDevice: the host copy is older than the device\'s; syncParamsFromDevice() first');
      await this.gpu!.uploadParams({ params: this.params });
    });
  }

  /** Replaces every parameter with `values` (in the layout of `params`; on 'cuda', on the device too). */
  async setParams(values: Float32Array): Promise<void> {
    if (values.length !== this.params.length) {
      throw new RangeError(`setParams: expected ${this.params.length} values but received ${values.length}`);
    }
    await this.serial(async () => {
      this.params.set(values);
      this.packedStale = true;
      if (!this.gpu) return;
      await this.gpu.uploadParams({ params: this.params });
      this.hostStale = false;
    });
  }

  /**
   * 'cuda': what the optimizer calls for this encoder's parameter group (gradients and moments stay
   * on the GPU); null on the CPU, where the group is `params` and `enableGrad()`.
   */
  deviceParams(): DeviceParams | null {
    const gpu = this.gpu;
    if (!gpu) return null;
    return {
      gradNormSq: (begin, end) => this.serial(async () => {
        await this.prepareTraining();
        return gpu.gradNormSq({ begin, end });
      }),
      adamwStep: (begin: number, end: number, o: DeviceAdamWSettings) => this.serial(async () => {
        await this.prepareTraining();
        this.hostStale = true;
        await gpu.adamwStep({ begin, end, ...o });
      }),
      downloadMoments: (m, v) => this.serial(() => gpu.downloadMoments({ m, v })),
      uploadMoments: (m, v) => this.serial(() => gpu.uploadMoments({ m, v })),
    };
  }

  /** Frees the native model and its activations (and its GPU memory); later calls throw. */
  dispose(): void {
    this.cpu?.dispose();
    this.gpu?.dispose();
    this.cpu = null;
    this.gpu = null;
  }

  get disposed(): boolean {
    return this.cpu === null && this.gpu === null;
  }

  private cpuHandle(): C & NativeModelHandle {
    if (!this.cpu) throw new TypeError('the encoder was disposed');
    return this.cpu;
  }

  private live(): C {
    const h = this.cpu ?? this.gpu;
    if (!h) throw new TypeError('the encoder was disposed');
    return h;
  }

  /**
   * Runs calls one after another (the native model holds one batch of activations and takes one
   * call at a time).
   */
  protected serial<T>(fn: (h: C) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      const failed = this.failure;
      if (failed) {
        this.failure = null;
        throw failed.error;
      }
      return fn(this.live());
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Inside serial(), before a forward: the precision it runs at. An inference forward packs the
   * weights for bf16 / int8 when they are not packed for it yet (or changed since); a training
   * forward runs in fp32, and asking it for another precision is an error.
   */
  protected async preparePrecision(requested: Precision | undefined, train: boolean): Promise<Precision> {
    const asked = parsePrecision(requested);
    if (train && asked !== 'fp32') {
      throw new ShapcaError(`precision '${asked}' is for inference only: training runs in fp32 (forward with train: true takes no precision)`, 'SHAPCA_INVALID_ARGUMENT');
    }
    // The GPU models have no bf16 / int8 kernels: they run in fp32 (with the one fallback warning).
    const want = train ? 'fp32' : selectPrecision(asked, this.device);
    if (this.cpu && (want !== this.packedPrecision || (want !== 'fp32' && this.packedStale))) {
      await this.cpu.setPrecision({ precision: want });
      this.packedPrecision = want;
      this.packedStale = false;
    }
    return want;
  }

  /** Inside serial(): makes sure there are gradients for a training forward (and the optimizer). */
  protected async prepareTraining(): Promise<void> {
    if (!this.gpu) {
      this.enableGrad();
    } else if (!this.deviceGrads) {
      await this.gpu.enableGrads();
      this.deviceGrads = true;
    }
  }

  protected async initRandom(seed: number, std: number): Promise<void> {
    await this.serial(async () => {
      this.packedStale = true;
      if (this.cpu) return this.cpu.initRandom({ seed, std });
      // The device initialises as the CPU does; the mirror starts as a copy.
      await this.gpu!.initRandom({ seed, std });
      await this.gpu!.downloadParams({ params: this.params });
      this.hostStale = false;
    });
  }

  protected async loadFrom(ckpt: Checkpoint, o: LoadOptions): Promise<LoadReport> {
    await this.syncParamsFromDevice();  // tensors the checkpoint lacks keep their values
    const report = await loadParams(ckpt, this.slots, this.params, o);
    this.packedStale = true;
    this.ignoredTensors = report.ignored;
    await this.syncParamsToDevice();
    return report;
  }

  /**
   * Writes dir/config.json and dir/model.safetensors (float32, HF names with `prefix`), each
   * through a temporary file renamed into place.
   */
  protected async saveTo(dir: string, config: object, prefix: string): Promise<void> {
    await this.syncParamsFromDevice();
    await mkdir(dir, { recursive: true });
    await writeSafetensors(
      join(dir, 'model.safetensors'),
      this.slots.map((s) => ({ name: prefix + s.name, shape: s.shape, data: this.params.subarray(s.offset, s.offset + s.numel) })),
    );
    await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
}

/** Opens the checkpoint of dir and whether it has a tensor called name (with any of the prefixes). */
export async function openWithProbe(dir: string, name: string, prefixes: string[]): Promise<{ ckpt: Checkpoint; has: boolean }> {
  const ckpt = await Checkpoint.open(dir);
  const names = new Set(ckpt.names());
  return { ckpt, has: ['', ...prefixes].some((p) => names.has(p + name)) };
}
