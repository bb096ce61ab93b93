import { addon } from '../native/addon.js';
import { zeros } from './alloc.js';

export interface SgemmOptions {
  /** op(A) = Aᵀ: A is stored K×M. Default false. */
  transA?: boolean;
  /** op(B) = Bᵀ: B is stored N×K. Default false. */
  transB?: boolean;
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  /** Output M×N; allocated when absent. With beta ≠ 0 it is also an input. */
  c?: Float32Array;
  /** Leading dimensions (row strides); default to the packed widths. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Default 1. */
  alpha?: number;
  /** Default 0 (overwrite C). 1 accumulates. */
  beta?: number;
  /** Per-column bias of length N, added once. */
  bias?: Float32Array;
}

/** C = alpha·op(A)·op(B) + beta·C + bias. Resolves to C. */
export async function sgemm(o: SgemmOptions): Promise<Float32Array> {
  const c = o.c ?? zeros((o.ldc ?? o.n) * o.m);
  await addon().sgemm({ ...o, c });
  return c;
}

export interface MatmulForwardOptions {
  /** (bt, c) */
  inp: Float32Array;
  /** (oc, c), PyTorch's Linear layout */
  weight: Float32Array;
  /** (oc) */
  bias?: Float32Array;
  bt: number;
  c: number;
  oc: number;
  /** (bt, oc); allocated when absent */
  out?: Float32Array;
}

/** out = inp·weightᵀ + bias. */
export async function matmulForward(o: MatmulForwardOptions): Promise<Float32Array> {
  const out = o.out ?? zeros(o.bt * o.oc);
  await addon().matmulForward({ ...o, out });
  return out;
}

export interface MatmulBackwardOptions {
  dout: Float32Array;
  inp: Float32Array;
  weight: Float32Array;
  bt: number;
  c: number;
  oc: number;
  /** Gradient buffers, accumulated into (+=); allocated (zeroed) when absent. */
  dinp?: Float32Array;
  dweight?: Float32Array;
  dbias?: Float32Array;
}

/** Accumulates dinp += dout·weight, dweight += doutᵀ·inp, dbias += Σ_rows dout. */
export async function matmulBackward(
  o: MatmulBackwardOptions,
): Promise<{ dinp: Float32Array; dweight: Float32Array; dbias: Float32Array }> {
  const dinp = o.dinp ?? zeros(o.bt * o.c);
  const dweight = o.dweight ?? zeros(o.oc * o.c);
  const dbias = o.dbias ?? zeros(o.oc);
  await addon().matmulBackward({ ...o, dinp, dweight, dbias });
  return { dinp, dweight, dbias };
}
