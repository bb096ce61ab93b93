// Where the encoders run: 'cpu' (the default), 'cuda', or 'auto'. The CUDA probe runs once, when
// the addon loads (native/cuda/probe.*); 'cuda' without a usable GPU falls back to the CPU with one
// warning per process that says why, and 'auto' picks the GPU when there is one, silently.
import { ShapcaError } from './errors.js';
import {
  addon, type CudaInfo, type NativeBertConfig, type NativeCudaBertModel, type NativeCudaVitModel, type NativeVitConfig,
} from './native/addon.js';

/** What a caller asks for. */
export type DeviceRequest = 'cpu' | 'cuda' | 'auto';
/** Where an encoder actually runs. */
export type Device = 'cpu' | 'cuda';

export const DEVICE_REQUESTS: readonly DeviceRequest[] = ['cpu', 'cuda', 'auto'];

/** The CUDA probe, and whether the encoders can run on the GPU. */
export interface CudaStatus extends CudaInfo {
  /** A CUDA build with its GPU models, and at least one device. */
  usable: boolean;
}

/** The outcome of a device request. */
export interface DeviceChoice {
  requested: DeviceRequest;
  device: Device;
  /** Why 'cuda' was asked for but the CPU is used (absent otherwise). */
  fallbackReason?: string;
}

/** What the encoders build on 'cuda': the addon's probe and classes, or a test's stand-in. */
export interface CudaBackend {
  info(): CudaInfo;
  CudaBertModel?: new (config: NativeBertConfig) => NativeCudaBertModel;
  CudaVitModel?: new (config: NativeVitConfig) => NativeCudaVitModel;
}

let substitute: CudaBackend | null = null;

/** The CUDA probe and classes in use (the addon's unless a test substituted them). */
export function cudaBackend(): CudaBackend {
  if (substitute) return substitute;
  const native = addon();
  return {
    info: () => native.info().cuda,
    ...(native.CudaBertModel ? { CudaBertModel: native.CudaBertModel } : {}),
    ...(native.CudaVitModel ? { CudaVitModel: native.CudaVitModel } : {}),
  };
}

/**
 * @internal For tests: runs the 'cuda' code paths on a stand-in for the GPU models (null restores
 * the addon's). Also forgets which fallback warnings were given.
 */
export function setCudaBackendForTesting(backend: CudaBackend | null): void {
  substitute = backend;
  warned.clear();
}

/** What the CUDA probe found at load, and whether `device: 'cuda'` would run on the GPU. */
export function cudaStatus(): CudaStatus {
  const b = cudaBackend();
  const info = b.info();
  if (!info.built || info.devices < 1) return { ...info, usable: false };
  if (!b.CudaBertModel || !b.CudaVitModel) {
    return { ...info, usable: false, message: 'this CUDA build has no GPU encoders (CudaBertModel, CudaVitModel)' };
  }
  return { ...info, usable: true };
}

/** Checks a device option: 'cpu', 'cuda' or 'auto' (undefined: 'cpu'). */
export function parseDevice(value: unknown, name = 'device'): DeviceRequest {
  if (value === undefined) return 'cpu';
  if (typeof value === 'string' && (DEVICE_REQUESTS as readonly string[]).includes(value)) return value as DeviceRequest;
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new ShapcaError(`Expected 'cpu', 'cuda' or 'auto' for ${name} but received ${got}`, 'SHAPCA_INVALID_ARGUMENT');
}

/** Where a request runs, without warning: 'cuda' and 'auto' get the GPU when it is usable. */
export function resolveDevice(requested?: DeviceRequest | string): DeviceChoice {
  const r = parseDevice(requested);
  if (r === 'cpu') return { requested: r, device: 'cpu' };
  const cuda = cudaStatus();
  if (cuda.usable) return { requested: r, device: 'cuda' };
  return r === 'cuda' ? { requested: r, device: 'cpu', fallbackReason: cuda.message || 'no usable GPU' } : { requested: r, device: 'cpu' };
}

/** The message of a fallback, as the warning and the CLI print it. */
export function fallbackMessage(reason: string): string {
  return `device 'cuda' was requested but no GPU is usable (${reason}); running on the CPU`;
}

const warned = new Set<string>();

/** resolveDevice, plus one process warning (code SHAPCA_CUDA_FALLBACK) per fallback reason. */
export function selectDevice(requested?: DeviceRequest | string): Device {
  const choice = resolveDevice(requested);
  if (choice.fallbackReason !== undefined && !warned.has(choice.fallbackReason)) {
    warned.add(choice.fallbackReason);
    process.emitWarning(fallbackMessage(choice.fallbackReason), { code: 'SHAPCA_CUDA_FALLBACK' });
  }
  return choice.device;
}
