// A linear layer over a ParamStore slot pair "<name>.weight" (out, in) and "<name>.bias" (out).
import { matmulBackward, matmulForward } from '../kernels/gemm.js';
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

  /** y (rows, out) = x (rows, in) · Wᵀ + b */
  forward(x: Float32Array, rows: number): Promise<Float32Array> {
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
