// Inference precision of the encoders' linear layers: 'fp32' (the default), 'bf16' (weights and
// activations rounded to bf16, fp32 sums) or 'int8' (per-channel int8 weights, per-token int8
// activations, int32 sums). Softmax, LayerNorm and GELU stay fp32, and training always runs in
// fp32. A precision whose kernels this CPU (or the active kernel path) lacks runs in fp32, with
// one warning per process and precision.
import type { Device } from './device.js';
import { ShapcaError } from './errors.js';
import { addon } from './native/addon.js';

export type Precision = 'fp32' | 'bf16' | 'int8';

export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'int8'];

/** Checks a precision option (undefined: 'fp32'). */
export function parsePrecision(value: unknown, name = 'precision'): Precision {
  if (value === undefined) return 'fp32';
  if (typeof value === 'string' && (PRECISIONS as readonly string[]).includes(value)) return value as Precision;
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new ShapcaError(`Expected 'fp32', 'bf16' or 'int8' for ${name} but received ${got}`, 'SHAPCA_INVALID_ARGUMENT');
}

/** The precisions with fast kernels on the active kernel path ('fp32' always). */
export function availablePrecisions(): Precision[] {
  return addon().info().precisions;
}

/** The message of a fallback, as the warning prints it. */
export function precisionFallbackMessage(p: Precision, device: Device = 'cpu'): string {
  if (device === 'cuda') return `precision '${p}' was requested but the GPU encoders have no ${p} kernels; running in fp32`;
  const isa = p === 'bf16' ? 'AVX-512 BF16' : 'AVX-512 VNNI';
  return `precision '${p}' was requested but this CPU (or the active kernel path) has no ${isa} kernels; running in fp32`;
}

const warned = new Set<string>();

/**
 * The precision a request runs at on `device`: itself when its kernels exist there, else 'fp32'
 * and one process warning (code SHAPCA_PRECISION_FALLBACK) per precision and device.
 */
export function selectPrecision(requested?: Precision | string, device: Device = 'cpu'): Precision {
  const p = parsePrecision(requested);
  if (p === 'fp32' || (device === 'cpu' && availablePrecisions().includes(p))) return p;
  const key = `${device}:${p}`;
  if (!warned.has(key)) {
    warned.add(key);
    process.emitWarning(precisionFallbackMessage(p, device), { code: 'SHAPCA_PRECISION_FALLBACK' });
  }
  return 'fp32';
}

/** @internal For tests: forgets which fallback warnings were given. */
export function resetPrecisionWarningsForTesting(): void {
  warned.clear();
}
