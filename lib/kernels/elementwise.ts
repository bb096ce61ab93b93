import { addon } from '../native/addon.js';
import { zeros } from './alloc.js';

/** `'exact'`: x·Φ(x) (BERT, ViT). `'quick'`: x·σ(1.702x) (CLIP). */
export type GeluKind = 'exact' | 'quick';

export async function geluForward(inp: Float32Array, kind: GeluKind = 'exact', out?: Float32Array): Promise<Float32Array> {
  const result = out ?? zeros(inp.length);
  await addon().geluForward({ out: result, inp, n: inp.length, kind });
  return result;
}

/** Accumulates dinp += dout·gelu'(inp). */
export async function geluBackward(
  inp: Float32Array,
  dout: Float32Array,
  kind: GeluKind = 'exact',
  dinp?: Float32Array,
): Promise<Float32Array> {
  const result = dinp ?? zeros(inp.length);
  await addon().geluBackward({ dinp: result, inp, dout, n: inp.length, kind });
  return result;
}

/** out[i,:] = table[ids[i],:]; table is (vocab, c). An id outside [0, vocab) is a ShapcaError. */
export async function embeddingForward(ids: Int32Array, table: Float32Array, vocab: number, c: number): Promise<Float32Array> {
  const out = zeros(ids.length * c);
  await addon().embeddingForward({ out, ids, table, nIds: ids.length, vocab, c });
  return out;
}

/** Accumulates dtable[ids[i],:] += dout[i,:]. */
export async function embeddingBackward(
  ids: Int32Array,
  dout: Float32Array,
  vocab: number,
  c: number,
  dtable?: Float32Array,
): Promise<Float32Array> {
  const result = dtable ?? zeros(vocab * c);
  await addon().embeddingBackward({ dtable: result, dout, ids, nIds: ids.length, vocab, c });
  return result;
}
