// A linear layer over a ParamStore slot pair "<name>.weight" (out, in) and "<name>.bias" (out).
import { matmulBackward, matmulForward } from '../kernels/gemm.js';
import { PackedLinear } from '../kernels/linear-lowp.js';
import type { ParamSpec, ParamStore } from './params.js';

export function linearSpecs(name: string, inDim: number, outDim: number, std = 0.02): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [outDim, inDim], init: { std } },
    { name: `${name}.bias`, shape: [outDim], init: 'zeros' },
  ];
}

export class Linear {
  constructor(
    private readonly store: ParamStore,
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
  ) {
    const w = store.slot(`${name}.weight`);
    if (w.shape[0] !== outDim || w.shape[1] !== inDim) {
      throw new RangeError(`${name}.weight has shape [${w.shape}] but the layer expects [${outDim}, ${inDim}]`);
    }
  }

  /** y (rows, out) = x (rows, in) · Wᵀ + b; at bf16 / int8 with weights packed in `packed`. */
  forward(x: Float32Array, rows: number, lowp?: { precision: 'bf16' | 'int8'; packed: PackedWeights }): Promise<Float32Array> {
    if (lowp) {
      const w = lowp.packed.get(this.name, this.store.get(`${this.name}.weight`), this.outDim, this.inDim, lowp.precision);
      return w.forward(x, rows, this.store.get(`${this.name}.bias`));
    }
    return matmulForward({
      inp: x, weight: this.store.get(`${this.name}.weight`), bias: this.store.get(`${this.name}.bias`),
      bt: rows, c: this.inDim, oc: this.outDim,
    });
  }

  /** Accumulates the weight and bias gradients; returns dx (accumulated into `dx` when given). */
  async backward(dy: Float32Array, x: Float32Array, rows: number, dx?: Float32Array): Promise<Float32Array> {
    const g = await matmulBackward({
      dout: dy, inp: x, weight: this.store.get(`${this.name}.weight`), bt: rows, c: this.inDim, oc: this.outDim,
      dinp: dx ?? new Float32Array(rows * this.inDim),
      dweight: this.store.grad(`${this.name}.weight`), dbias: this.store.grad(`${this.name}.bias`),
    });
    return g.dinp;
  }
}

/**
 * bf16 / int8 copies of weight matrices for inference (the fusion layer's), packed on first use
 * and packed again whenever the fp32 values change (training writes the store in place, so each
 * use compares the weights with the snapshot it packed).
 */
export class PackedWeights {
  private readonly cache = new Map<string, { snapshot: Uint32Array; packed: PackedLinear }>();

  /** weight (n, k), row-major and contiguous. */
  get(key: string, weight: Float32Array, n: number, k: number, precision: 'bf16' | 'int8'): PackedLinear {
    const id = `${key}:${precision}`;
    const bits = new Uint32Array(weight.buffer, weight.byteOffset, weight.length);
    const hit = this.cache.get(id);
    if (hit && sameBits(hit.snapshot, bits)) return hit.packed;
    const packed = new PackedLinear(weight, n, k, precision);
    this.cache.set(id, { snapshot: bits.slice(), packed });
    return packed;
  }
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
