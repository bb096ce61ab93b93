// The encoder benchmarks' inputs, by formula, so that every process (ours, the onnxruntime peer,
// the PyTorch peer in tools/reference/bench_encoders.py) builds the same ones.

/** n floats in [-0.5, 0.5) from a multiplicative hash of the index. */
export function hashed(n: number, salt = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i + salt, 2654435761) >>> 0) / 4294967296 - 0.5;
  return x;
}

/** Token ids, a padding mask (sequence b is shorter by (b mod 8)·seq/16) and segment ids. */
export function bertInputs(batch: number, seq: number, vocab: number) {
  const inputIds = new Int32Array(batch * seq);
  const attentionMask = new Int32Array(batch * seq);
  const tokenTypeIds = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const len = seq - (b % 8) * Math.floor(seq / 16);
    for (let t = 0; t < seq; t++) {
      inputIds[b * seq + t] = (b * 131 + t * 31 + 7) % vocab;
      attentionMask[b * seq + t] = t < len ? 1 : 0;
      tokenTypeIds[b * seq + t] = t >= seq / 2 ? 1 : 0;
    }
  }
  return { inputIds, attentionMask, tokenTypeIds, batch, seqLen: seq };
}
