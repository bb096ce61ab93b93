// Where a parameter group's numbers live, behind one interface the optimizer drives: the gradient
// norm, an AdamW update of a range, the moments out (to save them) and in (to resume), and bringing
// the host's view of the parameters up to date. Two implementations: the CPU one over host buffers
// (the heads, and the encoders on 'cpu'), and the CUDA one over an encoder's device calls
// (DeviceParams: parameters, gradients and moments stay on the GPU). The optimizer never asks which
// one it has.
import { adamwStep, gradNorm } from '../kernels/optim.js';
import { TrainError } from './errors.js';
import type { DeviceAdamWSettings, DeviceParams, HostParamGroup, ParamGroup } from './types.js';

export interface ParamGroupBackend {
  /** Number of parameters. */
  readonly size: number;
  /** L2 norm of the group's gradient (double accumulation). */
  gradNorm(): Promise<number>;
  /** One AdamW update of the range [begin, end), gradients scaled by o.gradScale first. */
  adamwStep(begin: number, end: number, o: DeviceAdamWSettings): Promise<void>;
  /** Both moments as host arrays of `size` values (the CPU's own arrays; a copy from the GPU). */
  readMoments(): Promise<{ m: Float32Array; v: Float32Array }>;
  /**
   * Restores both moments: `fill` writes them into host arrays of `size` values (the CPU's own;
   * on the GPU, arrays that are uploaded once filled).
   */
  writeMoments(fill: (m: Float32Array, v: Float32Array) => Promise<void>): Promise<void>;
  /** After updates: makes the host copy of the parameters current (nothing to do on the CPU). */
  syncToHost(): Promise<void>;
}

/** The CPU backend: params and grads on the host, the moments beside them. */
export class HostParamBackend implements ParamGroupBackend {
  private readonly m: Float32Array;
  private readonly v: Float32Array;

  constructor(private readonly group: Pick<HostParamGroup, 'params' | 'grads'>) {
    this.m = new Float32Array(group.params.length);
    this.v = new Float32Array(group.params.length);
  }

  get size(): number {
    return this.group.params.length;
  }

  gradNorm(): Promise<number> {
    return gradNorm(this.group.grads);
  }

  adamwStep(begin: number, end: number, o: DeviceAdamWSettings): Promise<void> {
    const { step, ...rest } = o;
    const { params, grads } = this.group;
    return adamwStep(params.subarray(begin, end), grads.subarray(begin, end), this.m.subarray(begin, end), this.v.subarray(begin, end), step, rest);
  }

  async readMoments(): Promise<{ m: Float32Array; v: Float32Array }> {
    return { m: this.m, v: this.v };
  }

  writeMoments(fill: (m: Float32Array, v: Float32Array) => Promise<void>): Promise<void> {
    return fill(this.m, this.v);
  }

  async syncToHost(): Promise<void> {}
}

/** The CUDA backend: every call goes to the group's device; moments cross only to be saved or restored. */
export class DeviceParamBackend implements ParamGroupBackend {
  constructor(
    private readonly device: DeviceParams,
    readonly size: number,
  ) {}

  async gradNorm(): Promise<number> {
    return Math.sqrt(await this.device.gradNormSq(0, this.size));
  }

  adamwStep(begin: number, end: number, o: DeviceAdamWSettings): Promise<void> {
    return this.device.adamwStep(begin, end, o);
  }

  async readMoments(): Promise<{ m: Float32Array; v: Float32Array }> {
    const host = { m: new Float32Array(this.size), v: new Float32Array(this.size) };
    await this.device.downloadMoments(host.m, host.v);
    return host;
  }

  async writeMoments(fill: (m: Float32Array, v: Float32Array) => Promise<void>): Promise<void> {
    const m = new Float32Array(this.size);
    const v = new Float32Array(this.size);
    await fill(m, v);
    await this.device.uploadMoments(m, v);
  }

  syncToHost(): Promise<void> {
    return this.device.syncToHost?.() ?? Promise.resolve();
  }
}

const DEVICE_CALLS = ['gradNormSq', 'adamwStep', 'downloadMoments', 'uploadMoments'] as const;

/** Throws a TrainError when a group's buffers (or device calls) do not fit its kind. */
export function checkParamGroup(g: ParamGroup): void {
  const bad = (msg: string) => new TrainError(msg, 'SHAPCA_TRAIN_PARAMS');
  if (g.device) {
    if (!(g.params instanceof Float32Array) || DEVICE_CALLS.some((c) => typeof g.device![c] !== 'function')) {
      throw bad(`Expected Float32Array params and device calls (${DEVICE_CALLS.join(', ')}) for device group '${g.name}'`);
    }
    return;
  }
  if (!(g.params instanceof Float32Array) || !(g.grads instanceof Float32Array)) {
    throw bad(`Expected Float32Array params and grads for group '${g.name}'`);
  }
  if (g.params.length !== g.grads.length) {
    throw bad(`Expected grads of ${g.params.length} values for group '${g.name}' but received ${g.grads.length}`);
  }
}

/** The backend of a (checked) group: CUDA for a device group, CPU otherwise. */
export function paramBackend(g: ParamGroup): ParamGroupBackend {
  return g.device ? new DeviceParamBackend(g.device, g.params.length) : new HostParamBackend(g);
}
