// Every asynchronous export of the addon with a valid argument object (arrays of a few hundred KB,
// so that freeing one unmaps memory), for the buffer-lifetime test and the argument fuzzer. A
// call is named as the addon names it; model handles appear as 'BertModel.forward' and so on.
import type { NativeAddon } from '../../lib/native/addon.js';
import { randomArray } from '../helpers.js';

export type Args = Record<string, unknown>;
export interface NativeCall {
  name: string;
  /** A fresh, valid argument object. */
  args(): Args;
  /** Starts the call (model calls build their model first). */
  start(addon: NativeAddon, args: Args): Promise<unknown>;
}

const f32 = (n: number, seed = n, scale = 1) => randomArray(n, seed, scale);
const pos = (n: number, seed = n) => f32(n, seed).map((x) => Math.abs(x) + 0.5);
const ids = (n: number, below: number) => Int32Array.from({ length: n }, (_, i) => (i * 7919) % below);
const f64 = (n: number) => Float64Array.from(f32(n, 3));
const kernel = (name: keyof NativeAddon, args: () => Args): NativeCall => ({
  name: String(name),
  args,
  start: (addon, a) => (addon[name] as (o: Args) => Promise<unknown>)(a),
});

const crf = (extra: (b: number, l: number, t: number) => Args): (() => Args) => () => {
  const [batch, maxLen, numTags] = [64, 64, 16];
  return {
    batch, maxLen, numTags, emissions: f32(batch * maxLen * numTags), lengths: Int32Array.from({ length: batch }, (_, i) => 1 + (i % maxLen)),
    transitions: f32(numTags * numTags, 5), start: f32(numTags, 6), end: f32(numTags, 7), ...extra(batch, maxLen, numTags),
  };
};

const BERT = { vocabSize: 512, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 128, maxPositions: 64, typeVocabSize: 2 };
const VIT = { imageSize: 32, patchSize: 8, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 128 };

/** A model with its parameters bound, then the call. */
function modelCall(kind: 'BertModel' | 'VitModel', method: 'forward' | 'initRandom', args: () => Args): NativeCall {
  return {
    name: `${kind}.${method}`,
    args,
    start: async (addon, a) => {
      const model = new addon[kind](kind === 'BertModel' ? BERT : VIT as never);
      const total = model.table().total;
      model.setBuffers({ params: f32(total, 1, 0.02), grads: new Float32Array(total) });
      try {
        return await (model[method] as (o: Args) => Promise<unknown>)(a);
      } finally {
        model.dispose();
      }
    },
  };
}

export const NATIVE_CALLS: NativeCall[] = [
  kernel('sgemm', () => ({ m: 256, n: 256, k: 256, a: f32(65536, 1), b: f32(65536, 2), c: new Float32Array(65536), bias: f32(256, 3) })),
  kernel('matmulForward', () => ({ bt: 256, c: 256, oc: 256, out: new Float32Array(65536), inp: f32(65536, 1), weight: f32(65536, 2), bias: f32(256) })),
  kernel('matmulBackward', () => ({ bt: 256, c: 256, oc: 256, dinp: new Float32Array(65536), dweight: new Float32Array(65536), dbias: new Float32Array(256), dout: f32(65536, 1), inp: f32(65536, 2), weight: f32(65536, 3) })),
  kernel('softmaxForward', () => ({ rows: 256, cols: 256, out: new Float32Array(65536), inp: f32(65536) })),
  kernel('softmaxBackward', () => ({ rows: 256, cols: 256, dinp: new Float32Array(65536), dout: f32(65536, 1), out: pos(65536, 2) })),
  kernel('layernormForward', () => ({ n: 256, c: 256, out: new Float32Array(65536), mean: new Float32Array(256), rstd: new Float32Array(256), inp: f32(65536), weight: pos(256), bias: f32(256) })),
  kernel('layernormBackward', () => ({ n: 256, c: 256, dinp: new Float32Array(65536), dweight: new Float32Array(256), dbias: new Float32Array(256), dout: f32(65536, 1), inp: f32(65536, 2), weight: pos(256), mean: f32(256, 4), rstd: pos(256, 5) })),
  kernel('geluForward', () => ({ n: 65536, out: new Float32Array(65536), inp: f32(65536) })),
  kernel('geluBackward', () => ({ n: 65536, dinp: new Float32Array(65536), inp: f32(65536, 1), dout: f32(65536, 2) })),
  kernel('embeddingForward', () => ({ nIds: 256, vocab: 256, c: 256, out: new Float32Array(65536), ids: ids(256, 256), table: f32(65536) })),
  kernel('embeddingBackward', () => ({ nIds: 256, vocab: 256, c: 256, dtable: new Float32Array(65536), dout: f32(65536), ids: ids(256, 256) })),
  kernel('adamwStep', () => ({ n: 65536, params: f32(65536, 1), grads: f32(65536, 2), m: new Float32Array(65536), v: new Float32Array(65536), lr: 1e-3 })),
  kernel('gradNorm', () => ({ n: 65536, grads: f32(65536) })),
  kernel('crossAttentionForward', () => ({ b: 2, tq: 64, tk: 64, c: 256, nh: 4, out: new Float32Array(32768), att: new Float32Array(32768), q: f32(32768, 1), k: f32(32768, 2), v: f32(32768, 3) })),
  kernel('crossAttentionBackward', () => ({ b: 2, tq: 64, tk: 64, c: 256, nh: 4, dq: new Float32Array(32768), dk: new Float32Array(32768), dv: new Float32Array(32768), dout: f32(32768, 1), q: f32(32768, 2), k: f32(32768, 3), v: f32(32768, 4), att: pos(32768, 5) })),
  kernel('fusionGateForward', () => ({ b: 4, t: 64, c: 256, out: new Float32Array(65536), g: new Float32Array(65536), mean: new Float32Array(256), rstd: new Float32Array(256), h: f32(65536, 1), a: f32(65536, 2), gatePre: f32(65536, 3), lnWeight: pos(256), lnBias: f32(256) })),
  kernel('fusionGateBackward', () => ({ b: 4, t: 64, c: 256, dh: new Float32Array(65536), da: new Float32Array(65536), dgatePre: new Float32Array(65536), dlnWeight: new Float32Array(256), dlnBias: new Float32Array(256), dout: f32(65536, 1), h: f32(65536, 2), a: f32(65536, 3), g: pos(65536, 4), mean: f32(256, 5), rstd: pos(256, 6), lnWeight: pos(256, 7) })),
  kernel('meanPoolForward', () => ({ b: 4, t: 64, c: 256, out: new Float32Array(1024), x: f32(65536), weights: pos(256) })),
  kernel('meanPoolBackward', () => ({ b: 4, t: 64, c: 256, dx: new Float32Array(65536), dout: f32(1024), weights: pos(256) })),
  kernel('crfForward', crf((b, l) => ({ tags: ids(b * l, 16), nll: new Float32Array(b) }))),
  kernel('crfBackward', crf((b, l, t) => ({ tags: ids(b * l, 16), dnll: pos(b), demissions: new Float32Array(b * l * t), dtransitions: new Float32Array(t * t), dstart: new Float32Array(t), dend: new Float32Array(t) }))),
  kernel('crfViterbi', crf((b, l) => ({ bestTags: new Int32Array(b * l), bestScore: new Float32Array(b) }))),
  kernel('crfMarginals', crf((b, l, t) => ({ marginals: new Float32Array(b * l * t) }))),
  kernel('crossEntropyForward', () => ({ rows: 256, cols: 256, loss: new Float32Array(256), probs: new Float32Array(65536), logits: f32(65536), targets: ids(256, 256) })),
  kernel('crossEntropyBackward', () => ({ rows: 256, cols: 256, dlogits: new Float32Array(65536), dloss: pos(256), probs: pos(65536), targets: ids(256, 256) })),
  kernel('shapleyExactGame', () => ({ k: 16, values: f64(65536), phi: new Float64Array(16) })),
  kernel('shapleyValues', () => ({ k: 16, n: 64, d: 256, players: f32(4096, 1), targets: f32(16384, 2), phi: new Float32Array(1024), stderr: new Float32Array(1024) })),
  kernel('shapcaLoss', () => ({ k: 64, d: 256, players: f32(16384, 1), targets: f32(16384, 2), phi: new Float32Array(4096), dPlayers: new Float32Array(16384), dTargets: new Float32Array(16384) })),
  kernel('infoNceLoss', () => ({ k: 64, d: 256, players: f32(16384, 1), targets: f32(16384, 2), logits: new Float32Array(4096), dPlayers: new Float32Array(16384), dTargets: new Float32Array(16384) })),
  kernel('alignLoss', () => ({ k: 64, d: 256, text: f32(16384, 1), context: f32(16384, 2), image: f32(16384, 3), dText: new Float32Array(16384), dContext: new Float32Array(16384), dImage: new Float32Array(16384) })),
  modelCall('BertModel', 'forward', () => ({ batch: 8, seqLen: 64, inputIds: ids(512, 512), out: new Float32Array(8 * 64 * 64), pooled: new Float32Array(8 * 64) })),
  modelCall('BertModel', 'initRandom', () => ({ seed: 3 })),
  modelCall('VitModel', 'forward', () => ({ batch: 8, pixels: f32(8 * 3 * 32 * 32), out: new Float32Array(8 * 17 * 64) })),
];
