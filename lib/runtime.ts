import { cudaStatus, type CudaStatus } from './device.js';
import { addon, type NativeInfo } from './native/addon.js';

export { resolveDevice } from './device.js';
export { availablePrecisions, type Precision } from './precision.js';
export type { CudaStatus, Device, DeviceChoice, DeviceRequest } from './device.js';

export type KernelPath = 'scalar' | 'avx2' | 'avx512';
export type RuntimeInfo = NativeInfo;

/** The kernel paths this CPU supports, reference first. */
export function availableKernelPaths(): KernelPath[] {
  const i = addon().info();
  const paths: KernelPath[] = ['scalar'];
  if (i.avx2 && i.fma) paths.push('avx2');
  if (i.avx2 && i.fma && i.avx512f) paths.push('avx512');
  return paths;
}

/** What the native core runs on: the active kernel path, CPU features, thread count. */
export function info(): NativeInfo {
  return addon().info();
}

/**
 * The CUDA probe made when the addon loaded: whether the addon was built with CUDA, the devices
 * and device 0's name, why no GPU is usable (`message`), and whether `device: 'cuda'` would run
 * the encoders on the GPU (`usable`). See `resolveDevice` for what a device option resolves to.
 */
export function cuda(): CudaStatus {
  return cudaStatus();
}

/**
 * Sets the native thread-pool size (the calling thread counts as one).
 * @param threads 1..256, or 0 for one per core (the default at start-up).
 * @returns the thread count now in force.
 */
export function setThreads(threads: number): number {
  return addon().setThreads({ threads });
}

/**
 * Chooses the kernel path: `'auto'` (the best the CPU has), `'scalar'` (the reference), `'avx2'`
 * (AVX2/FMA kernels) or `'avx512'` (AVX2 kernels plus the AVX-512 SGEMM micro-kernel). A path the
 * CPU lacks is a ShapcaError with code SHAPCA_UNSUPPORTED. SHAPCA_KERNELS=scalar|avx2|avx512 in
 * the environment picks the path at start-up.
 */
export function setKernelPath(path: 'auto' | KernelPath): KernelPath {
  return addon().setKernelPath({ path });
}

/** Uniform [0, 1) floats from the counter-based Philox4x32-10 stream (seed, stream). */
export function randomUniform(n: number, seed = 0, stream = 0): Float32Array {
  const out = new Float32Array(n);
  addon().randomUniform({ out, n, seed, stream });
  return out;
}
