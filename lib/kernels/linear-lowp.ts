// A linear layer's weight packed once for bf16 / int8 inference (native/kernels/linear_lowp.h):
// out (m, n) = inp (m, k) · Wᵀ + bias. Used by `shapca bench`; the encoders pack their own.
import { addon, type NativePackedLinear } from '../native/addon.js';

export class PackedLinear {
  private readonly packed: NativePackedLinear;

  /** Packs weight (n, k) row-major, PyTorch's layout; non-finite weights are a ShapcaError. */
  constructor(weight: Float32Array, readonly n: number, readonly k: number, readonly precision: 'bf16' | 'int8') {
    this.packed = addon().packLinear({ weight, n, k, precision });
  }

  /** out (m, n); a fresh array unless `out` is given. */
  async forward(inp: Float32Array, m: number, bias?: Float32Array, out = new Float32Array(m * this.n)): Promise<Float32Array> {
    await addon().linearLowpForward({ packed: this.packed, inp, m, out, bias: bias ?? null });
    return out;
  }
}
