// The part BertEncoder and VitEncoder share: a native model handle, one call at a time, loading
// from and saving to safetensors. Where the parameters and gradients live (host buffers on the CPU,
// the GPU with a host mirror on 'cuda') is the EncoderStorage's business (encoder-storage.ts); this
// class does not branch on the device.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Checkpoint, loadParams, type LoadOptions, type LoadReport } from '../checkpoint/checkpoint.js';
import type { Device } from '../device.js';
import { ShapcaError } from '../errors.js';
import { parsePrecision, selectPrecision, type Precision } from '../precision.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import type { NativeCudaModelHandle, NativeModelHandle, NativeParamEntry } from '../native/addon.js';
import type { DeviceParams } from '../train/types.js';
import { CpuEncoderStorage, CudaEncoderStorage, type EncoderQueue, type EncoderStorage } from './encoder-storage.js';

/** The model handle of one device: C is its forward/backward, the same on both. */
export type EncoderHandle<C> = { cpu: C & NativeModelHandle } | { cuda: C & NativeCudaModelHandle };

export abstract class NativeEncoder<C extends object> {
  /**
   * Every parameter, back to back (see `slots` for names, shapes and offsets). On 'cuda', a host
   * mirror of the GPU's copy: write to it, then `syncParamsToDevice()`; after training steps,
   * `syncParamsFromDevice()` before reading it.
   */
  readonly params: Float32Array;
  /** HF names (without the model prefix), shapes and offsets into `params` / `grads`. */
  readonly slots: readonly NativeParamEntry[];
  /** Tensors of the checkpoint that belong to other heads and were skipped when loading. */
  ignoredTensors: string[] = [];

  private readonly storage: EncoderStorage<C>;
  private queue: Promise<unknown> = Promise.resolve();
  /** CPU: the precision the native layers' packed weights were made for ('fp32': none). */
  private packedPrecision: Precision = 'fp32';
  /** CPU: `params` changed since the weights were packed. */
  private packedStale = false;
  /** A failure of a call nobody awaited (zeroGrad on 'cuda'): the next call throws it. */
  private failure: { error: unknown } | null = null;

  protected constructor(handle: EncoderHandle<C>) {
    const h = 'cpu' in handle ? handle.cpu : handle.cuda;
    const table = h.table();
    this.slots = table.entries;
    this.params = new Float32Array(table.total);
    const queue: EncoderQueue = {
      serial: (fn) => this.serial(() => fn()),
      later: (fn) => {
        this.serial(() => fn()).catch((error: unknown) => {
          this.failure ??= { error };
        });
      },
    };
    this.storage = 'cpu' in handle ? new CpuEncoderStorage(handle.cpu, this.params, queue) : new CudaEncoderStorage(handle.cuda, this.params, queue);
  }

  /** Where the encoder runs and its parameters live. */
  get device(): Device {
    return this.storage.device;
  }

  /** Gradients in the layout of `params`; null until `enableGrad()` (or a training forward); always null on 'cuda'. */
  get grads(): Float32Array | null {
    return this.storage.grads;
  }

  /** Number of parameters. */
  get numParams(): number {
    return this.params.length;
  }

  private slot(name: string): NativeParamEntry {
    const s = this.slots.find((e) => e.name === name);
    if (!s) throw new RangeError(`no parameter ${name}`);
    return s;
  }

  /**
   * A view of one parameter by HF name (no prefix); on 'cuda', of the host mirror. After writing
   * through it, call `paramsChanged()` so that a bf16 / int8 forward packs the new values.
   */
  param(name: string): Float32Array {
    const s = this.slot(name);
    this.storage.assertHostCurrent(name);
    return this.params.subarray(s.offset, s.offset + s.numel);
  }

  /** The gradient of one parameter (after enableGrad(); on 'cuda' see downloadGrads()). */
  grad(name: string): Float32Array {
    const s = this.slot(name);
    return this.storage.hostGrads().subarray(s.offset, s.offset + s.numel);
  }

  /** Allocates the gradient buffer (zeroed) if there is none yet. CPU only (on 'cuda' they live on the GPU). */
  enableGrad(): Float32Array {
    return this.storage.enableGrad();
  }

  /** Zeroes the gradients (on 'cuda', queued before the next call). */
  zeroGrad(): void {
    this.storage.zeroGrad();
  }

  /** A copy of the gradients (zeros when none were computed yet). */
  downloadGrads(): Promise<Float32Array> {
    return this.storage.downloadGrads();
  }

  /** 'cuda': copies the device's parameters into `params` when they changed there. No-op on the CPU. */
  syncParamsFromDevice(): Promise<void> {
    return this.storage.syncToHost();
  }

  /** 'cuda': copies `params` to the device (after writing to it). No-op on the CPU. */
  syncParamsToDevice(): Promise<void> {
    return this.storage.syncToDevice();
  }

  /** Replaces every parameter with `values` (in the layout of `params`; on 'cuda', on the device too). */
  async setParams(values: Float32Array): Promise<void> {
    if (values.length !== this.params.length) {
      throw new RangeError(`setParams: expected ${this.params.length} values but received ${values.length}`);
    }
    this.packedStale = true;
    await this.storage.setParams(values);
  }

  /** Says that `params` was written directly: the next bf16 / int8 forward packs them again. */
  paramsChanged(): void {
    this.packedStale = true;
  }

  /**
   * 'cuda': what the optimizer calls for this encoder's parameter group (gradients and moments stay
   * on the GPU); null on the CPU, where the group is `params` and `enableGrad()`.
   */
  deviceParams(): DeviceParams | null {
    return this.storage.deviceParams();
  }

  /** Frees the native model and its activations (and its GPU memory); later calls throw. */
  dispose(): void {
    this.storage.dispose();
  }

  get disposed(): boolean {
    return this.storage.handle === null;
  }

  private live(): C {
    const h = this.storage.handle;
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
   * Inside serial(), before a forward: the precision it runs at. An inference forward on the CPU
   * packs the weights for bf16 / int8 when they are not packed for it yet (or changed since); a
   * training forward runs in fp32, and asking it for another precision is an error. The GPU models
   * have no bf16 / int8 kernels: they run fp32 (with the one fallback warning).
   */
  protected async preparePrecision(requested: Precision | undefined, train: boolean): Promise<Precision> {
    const asked = parsePrecision(requested);
    if (train && asked !== 'fp32') {
      throw new ShapcaError(`precision '${asked}' is for inference only: training runs in fp32 (forward with train: true takes no precision)`, 'SHAPCA_INVALID_ARGUMENT');
    }
    const want = train ? 'fp32' : selectPrecision(asked, this.device);
    if (this.device === 'cpu' && (want !== this.packedPrecision || (want !== 'fp32' && this.packedStale))) {
      await (this.live() as C & NativeModelHandle).setPrecision({ precision: want });
      this.packedPrecision = want;
      this.packedStale = false;
    }
    return want;
  }

  /** Inside serial(): makes sure there are gradients for a training forward (and the optimizer). */
  protected prepareTraining(): Promise<void> {
    return this.storage.prepareTraining();
  }

  protected async initRandom(seed: number, std: number): Promise<void> {
    this.packedStale = true;
    await this.serial(() => this.storage.initRandom(seed, std));
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
