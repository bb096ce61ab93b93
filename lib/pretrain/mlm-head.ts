// The masked-language-model head of HF BertForMaskedLM (cls.predictions): at each target position
//   u = x·Wdᵀ + bd,  y = LayerNorm(gelu(u)),  logits = y·Eᵀ + b
// where E is the encoder's word-embedding table (tied: its gradient accumulates into the
// encoder's), then the cross-entropy against the original ids, averaged over the targets.
import { crossEntropyBackward, crossEntropyForward } from '../kernels/cross-entropy.js';
import { embeddingBackward, embeddingForward, geluBackward, geluForward } from '../kernels/elementwise.js';
import { matmulBackward, matmulForward } from '../kernels/gemm.js';
import { layernormBackward, layernormForward } from '../kernels/rows.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';

/** HF names of the head's own tensors (the decoder weight is the tied word-embedding table). */
export const MLM_HEAD = {
  denseWeight: 'cls.predictions.transform.dense.weight',
  denseBias: 'cls.predictions.transform.dense.bias',
  lnWeight: 'cls.predictions.transform.LayerNorm.weight',
  lnBias: 'cls.predictions.transform.LayerNorm.bias',
  bias: 'cls.predictions.bias',
} as const;

export function mlmHeadSpecs(hidden: number, vocab: number): ParamSpec[] {
  return [
    { name: MLM_HEAD.denseWeight, shape: [hidden, hidden] },
    { name: MLM_HEAD.denseBias, shape: [hidden], init: 'zeros' },
    { name: MLM_HEAD.lnWeight, shape: [hidden], init: 'ones' },
    { name: MLM_HEAD.lnBias, shape: [hidden], init: 'zeros' },
    { name: MLM_HEAD.bias, shape: [vocab], init: 'zeros' },
  ];
}

export interface MlmTargets {
  /** (rows): flat index into the (tokens, hidden) states. */
  positions: Int32Array;
  /** (rows): the ids to predict. */
  targets: Int32Array;
  /** Rows of the states table (batch · seqLen). */
  tokens: number;
}

export interface MlmHeadResult {
  /** Mean cross-entropy over the targets (0 when there are none). */
  loss: number;
  /** Targets whose most probable id is the original one. */
  correct: number;
  rows: number;
}

export class MlmHead {
  constructor(
    private readonly store: ParamStore,
    readonly hidden: number,
    readonly vocab: number,
    readonly eps: number,
  ) {}

  /**
   * Loss (and accuracy) at the targets; with `grads`, back-propagates: accumulates the head's
   * gradients, the tied table's into `grads.dEmbeddings` and the states' into `grads.dStates`.
   */
  async run(states: Float32Array, embeddings: Float32Array, at: MlmTargets, grads?: { dStates: Float32Array; dEmbeddings: Float32Array }): Promise<MlmHeadResult> {
    const rows = at.positions.length;
    if (rows === 0) return { loss: 0, correct: 0, rows };
    const { hidden: h, vocab: V, store: s } = this;
    const x = await embeddingForward(at.positions, states, at.tokens, h);
    const u = await matmulForward({ inp: x, weight: s.get(MLM_HEAD.denseWeight), bias: s.get(MLM_HEAD.denseBias), bt: rows, c: h, oc: h });
    const g = await geluForward(u);
    const ln = await layernormForward({ inp: g, weight: s.get(MLM_HEAD.lnWeight), bias: s.get(MLM_HEAD.lnBias), n: rows, c: h, eps: this.eps });
    const logits = await matmulForward({ inp: ln.out, weight: embeddings, bias: s.get(MLM_HEAD.bias), bt: rows, c: h, oc: V });
    const { loss, probs } = await crossEntropyForward(logits, at.targets, rows, V);
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * V, (r + 1) * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (row[v]! > row[best]!) best = v;
      if (best === at.targets[r]) correct++;
    }
    const mean = loss.reduce((a, b) => a + b, 0) / rows;
    if (!grads) return { loss: mean, correct, rows };
    const dlogits = await crossEntropyBackward({ dloss: new Float32Array(rows).fill(1 / rows), probs, targets: at.targets, rows, cols: V });
    const dy = await matmulBackward({
      dout: dlogits, inp: ln.out, weight: embeddings, bt: rows, c: h, oc: V, dweight: grads.dEmbeddings, dbias: s.grad(MLM_HEAD.bias),
    });
    const dg = await layernormBackward({
      dout: dy.dinp, inp: g, weight: s.get(MLM_HEAD.lnWeight), mean: ln.mean, rstd: ln.rstd, n: rows, c: h,
      dweight: s.grad(MLM_HEAD.lnWeight), dbias: s.grad(MLM_HEAD.lnBias),
    });
    const du = await geluBackward(u, dg.dinp);
    const dx = await matmulBackward({
      dout: du, inp: x, weight: s.get(MLM_HEAD.denseWeight), bt: rows, c: h, oc: h, dweight: s.grad(MLM_HEAD.denseWeight), dbias: s.grad(MLM_HEAD.denseBias),
    });
    await embeddingBackward(at.positions, dx.dinp, at.tokens, h, grads.dStates);
    return { loss: mean, correct, rows };
  }
}
