import { addon, type NativeInfo } from './native/addon.js';

export type KernelPath = 'scalar' | 'avx2';
export type RuntimeInfo = NativeInfo;

/** What the native core runs on: the active kernel path, CPU features, thread count. */
export function info(): NativeInfo {
  return addon().info();
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
 * Chooses the kernel path: `'auto'` (AVX2/FMA when the CPU has it), `'scalar'` (the reference),
 * or `'avx2'` (a ShapcaError with code SHAPCA_UNSUPPORTED on CPUs without it).
 * The environment variable SHAPCA_KERNELS=scalar selects the scalar path at start-up.
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
