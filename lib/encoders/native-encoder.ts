// The part BertEncoder and VitEncoder share: a native model handle bound to a flat parameter
// buffer (and, once training starts, a flat gradient buffer of the same layout), one call at a
// time, loading from and saving to safetensors.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Checkpoint, loadParams, type LoadOptions, type LoadReport } from '../checkpoint/checkpoint.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import type { NativeModelHandle, NativeParamEntry } from '../native/addon.js';

export abstract class NativeEncoder<H extends NativeModelHandle> {
  /** Every parameter, back to back (see `slots` for names, shapes and offsets). */
  readonly params: Float32Array;
  /** Gradients in the layout of `params`; null until `enableGrad()` (or a training forward). */
  grads: Float32Array | null = null;
  /** HF names (without the model prefix), shapes and offsets into `params` / `grads`. */
  readonly slots: readonly NativeParamEntry[];
  /** Tensors of the checkpoint that belong to other heads and were skipped when loading. */
  ignoredTensors: string[] = [];

  private handle: H | null;
  private queue: Promise<unknown> = Promise.resolve();

  protected constructor(handle: H) {
    this.handle = handle;
    const table = handle.table();
    this.slots = table.entries;
    this.params = new Float32Array(table.total);
    handle.setBuffers({ params: this.params });
  }

  /** Number of parameters. */
  get numParams(): number {
    return this.params.length;
  }

  /** A view of one parameter by HF name (no prefix). */
  param(name: string): Float32Array {
    const s = this.slots.find((e) => e.name === name);
    if (!s) throw new RangeError(`no parameter ${name}`);
    return this.params.subarray(s.offset, s.offset + s.numel);
  }

  /** The gradient of one parameter (after enableGrad()). */
  grad(name: string): Float32Array {
    const s = this.slots.find((e) => e.name === name);
    if (!s || !this.grads) throw new RangeError(s ? 'gradients are not enabled' : `no parameter ${name}`);
    return this.grads.subarray(s.offset, s.offset + s.numel);
  }

  /** Allocates the gradient buffer (zeroed) if there is none yet. */
  enableGrad(): Float32Array {
    if (!this.grads) {
      this.grads = new Float32Array(this.params.length);
      this.live().setBuffers({ params: this.params, grads: this.grads });
    }
    return this.grads;
  }

  zeroGrad(): void {
    this.grads?.fill(0);
  }

  /** Frees the native model and its activations; later calls throw. */
  dispose(): void {
    this.handle?.dispose();
    this.handle = null;
  }

  get disposed(): boolean {
    return this.handle === null;
  }

  protected live(): H {
    if (!this.handle) throw new TypeError('the encoder was disposed');
    return this.handle;
  }

  /** Runs calls one after another (the native model holds one batch of activations). */
  protected serial<T>(fn: (h: H) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn(this.live()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  protected async initRandom(seed: number, std: number): Promise<void> {
    await this.serial((h) => h.initRandom({ seed, std }));
  }

  protected async loadFrom(ckpt: Checkpoint, o: LoadOptions): Promise<LoadReport> {
    const report = await loadParams(ckpt, this.slots, this.params, o);
    this.ignoredTensors = report.ignored;
    return report;
  }

  /**
   * Writes dir/config.json and dir/model.safetensors (float32, HF names with `prefix`), each
   * through a temporary file renamed into place.
   */
  protected async saveTo(dir: string, config: object, prefix: string): Promise<void> {
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
