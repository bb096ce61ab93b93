// The raw addon: its exports typed in one place, and the loader. Only the modules that wrap
// native calls in typed, checked functions call addon(): kernels/ (one file per kernel family),
// shapley/ and align/ (the Shapley estimators and alignment losses), encoders/ (the BERT and ViT
// model handles), runtime.ts (threads, kernel path) and device.ts (the CUDA probe). Everything
// else in lib/ goes through those.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ShapcaError } from '../errors.js';

export interface NativeInfo {
  kernelPath: 'scalar' | 'avx2' | 'avx512';
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  /** AVX-512 BF16 (with BW and VL): the bf16 inference kernels can run. */
  avx512bf16: boolean;
  /** AVX-512 VNNI (with BW and VL): the int8 inference kernels can run. */
  avx512vnni: boolean;
  /** Inference precisions with fast kernels on the active kernel path ('fp32' always). */
  precisions: Array<'fp32' | 'bf16' | 'int8'>;
  threads: number;
  cuda: CudaInfo;
}

/** A weight (n, k) packed for bf16 / int8 by packLinear; freed when collected. */
export type NativePackedLinear = { readonly __packedLinear: unique symbol };

/** Whether the addon was built with CUDA (cmake-js + nvcc) and what the probe found at load. */
export interface CudaInfo {
  built: boolean;
  devices: number;
  /** Name and compute capability of device 0, when there is one. */
  device?: string;
  runtimeVersion?: number;
  /** Why no device is usable (no driver, no GPU, not built). */
  message: string;
}

type F32 = Float32Array;

interface CrfRawArgs {
  batch: number;
  maxLen: number;
  numTags: number;
  emissions: Float32Array;
  lengths: Int32Array;
  transitions: Float32Array;
  start: Float32Array;
  end: Float32Array;
}

/** Estimator settings shared by the Shapley calls (defaults in lib/shapley). */
export interface NativeShapleySettings {
  utility?: 'softmax-expectation' | 'cosine-sum' | 'mean';
  tauU?: number;
  permutations?: number;
  antithetic?: boolean;
  seed?: number;
}

/** Shapes of the raw exports; each kernel takes one options object and returns a Promise. */
export interface NativeAddon {
  info(): NativeInfo;
  setThreads(o: { threads: number }): number;
  setKernelPath(o: { path: 'auto' | 'scalar' | 'avx2' | 'avx512' }): 'scalar' | 'avx2' | 'avx512';
  setErrorClass(cls: typeof ShapcaError): void;
  /** Work below which calls run inline (default 2^26, also the maximum); 0 sends every call to the pool (tests). Returns the previous value. */
  setAsyncWork(o: { work: number }): number;
  randomUniform(o: { out: F32; n: number; seed?: number; stream?: number }): void;

  // Low-precision linear layers and the arithmetic ceiling (native/binding/lowp_binding.cpp).
  packLinear(o: { weight: F32; n: number; k: number; precision: 'bf16' | 'int8' }): NativePackedLinear;
  linearLowpForward(o: { packed: NativePackedLinear; inp: F32; m: number; out: F32; bias?: F32 | null }): Promise<void>;
  measurePeak(o: { precision: 'fp32' | 'bf16' | 'int8'; seconds?: number }): Promise<number>;

  // Shapley values and alignment losses (native/binding/shapley.cpp); gradients accumulate (+=),
  // or are written (=) into fresh buffers with accumulate: false.
  shapleyExactGame(o: { values: Float64Array; k: number; phi: Float64Array }): Promise<void>;
  shapleyPermutations(o: { out: Int32Array; k: number; permutations?: number; antithetic?: boolean; seed?: number }): void;
  shapleyValues(o: NativeShapleySettings & {
    players: F32; targets: F32; k: number; n: number; d: number; method?: 'exact' | 'permutation';
    maxExactPlayers?: number; normalize?: boolean; phi: F32; stderr?: F32 | null;
  }): Promise<void>;
  shapcaLoss(o: NativeShapleySettings & {
    players: F32; targets: F32; k: number; d: number; temperature?: number; phi?: F32 | null;
    dPlayers?: F32 | null; dTargets?: F32 | null; accumulate?: boolean;
  }): Promise<number>;
  infoNceLoss(o: {
    players: F32; targets: F32; k: number; d: number; temperature?: number; logits?: F32 | null;
    dPlayers?: F32 | null; dTargets?: F32 | null; accumulate?: boolean;
  }): Promise<number>;
  alignLoss(o: NativeShapleySettings & {
    text: F32; context: F32; image?: F32 | null; imageMask?: Uint8Array | null; k: number; d: number;
    objective?: 'shapley' | 'infonce'; temperature?: number; lambdaCt?: number; lambdaCi?: number;
    dText?: F32 | null; dContext?: F32 | null; dImage?: F32 | null;
  }): Promise<{ loss: number; c2t: number; t2c: number; c2i: number; i2c: number }>;

  sgemm(o: {
    transA?: boolean; transB?: boolean; m: number; n: number; k: number; alpha?: number; beta?: number;
    a: F32; lda?: number; b: F32; ldb?: number; c: F32; ldc?: number; bias?: F32 | null;
  }): Promise<void>;
  matmulForward(o: { out: F32; inp: F32; weight: F32; bias?: F32 | null; bt: number; c: number; oc: number }): Promise<void>;
  matmulBackward(o: {
    dinp?: F32 | null; dweight?: F32 | null; dbias?: F32 | null; dout: F32; inp: F32; weight: F32;
    bt: number; c: number; oc: number;
  }): Promise<void>;
  softmaxForward(o: { out: F32; inp: F32; mask?: Uint8Array | null; rows: number; cols: number; scale?: number }): Promise<void>;
  softmaxBackward(o: { dinp: F32; dout: F32; out: F32; rows: number; cols: number; scale?: number }): Promise<void>;
  layernormForward(o: {
    out: F32; mean: F32; rstd: F32; inp: F32; weight: F32; bias: F32; n: number; c: number; eps?: number;
  }): Promise<void>;
  layernormBackward(o: {
    dinp: F32; dweight?: F32 | null; dbias?: F32 | null; dout: F32; inp: F32; weight: F32; mean: F32; rstd: F32;
    n: number; c: number;
  }): Promise<void>;
  geluForward(o: { out: F32; inp: F32; n: number; kind?: 'exact' | 'quick' }): Promise<void>;
  geluBackward(o: { dinp: F32; inp: F32; dout: F32; n: number; kind?: 'exact' | 'quick' }): Promise<void>;
  embeddingForward(o: { out: F32; ids: Int32Array; table: F32; nIds: number; vocab: number; c: number }): Promise<void>;
  embeddingBackward(o: { dtable: F32; dout: F32; ids: Int32Array; nIds: number; vocab: number; c: number }): Promise<void>;
  adamwStep(o: {
    params: F32; grads: F32; m: F32; v: F32; n: number; lr?: number; beta1?: number; beta2?: number; eps?: number;
    weightDecay?: number; step?: number; gradScale?: number;
  }): Promise<void>;
  gradNorm(o: { grads: F32; n: number }): Promise<number>;

  crossAttentionForward(o: {
    out: F32; att: F32; q: F32; k: F32; v: F32; kvMask?: Uint8Array | null; b: number; tq: number; tk: number; c: number; nh: number;
  }): Promise<void>;
  crossAttentionBackward(o: {
    dq: F32; dk: F32; dv: F32; dout: F32; q: F32; k: F32; v: F32; att: F32; b: number; tq: number; tk: number; c: number; nh: number;
  }): Promise<void>;
  fusionGateForward(o: {
    out: F32; g: F32; mean: F32; rstd: F32; h: F32; a: F32; gatePre: F32; lnWeight: F32; lnBias: F32;
    hasImage?: Uint8Array | null; b: number; t: number; c: number; eps?: number;
  }): Promise<void>;
  fusionGateBackward(o: {
    dh: F32; da: F32; dgatePre: F32; dlnWeight?: F32 | null; dlnBias?: F32 | null; dout: F32; h: F32; a: F32; g: F32;
    mean: F32; rstd: F32; lnWeight: F32; hasImage?: Uint8Array | null; b: number; t: number; c: number;
  }): Promise<void>;
  meanPoolForward(o: { out: F32; x: F32; weights: F32; b: number; t: number; c: number }): Promise<void>;
  meanPoolBackward(o: { dx: F32; dout: F32; weights: F32; b: number; t: number; c: number }): Promise<void>;

  crfForward(o: CrfRawArgs & { tags: Int32Array; nll: F32 }): Promise<void>;
  crfBackward(o: CrfRawArgs & {
    tags: Int32Array; dnll: F32; demissions?: F32 | null; dtransitions?: F32 | null; dstart?: F32 | null; dend?: F32 | null;
  }): Promise<void>;
  crfViterbi(o: CrfRawArgs & {
    bestTags: Int32Array; bestScore?: F32 | null; allowed?: Uint8Array | null; allowedStart?: Uint8Array | null;
    allowedEnd?: Uint8Array | null;
  }): Promise<void>;
  crfMarginals(o: CrfRawArgs & {
    marginals: F32; allowed?: Uint8Array | null; allowedStart?: Uint8Array | null; allowedEnd?: Uint8Array | null;
  }): Promise<void>;

  // Softmax cross-entropy (native/binding/cross_entropy.cpp); dlogits accumulates (+=).
  crossEntropyForward(o: { loss: F32; probs: F32; logits: F32; targets: Int32Array; rows: number; cols: number }): Promise<void>;
  crossEntropyBackward(o: { dlogits: F32; dloss: F32; probs: F32; targets: Int32Array; rows: number; cols: number }): Promise<void>;

  BertModel: new (config: NativeBertConfig) => NativeBertModel;
  VitModel: new (config: NativeVitConfig) => NativeVitModel;
  /** The encoders on the GPU (native/binding/cuda_models.cpp): only in a CUDA build. */
  CudaBertModel?: new (config: NativeBertConfig) => NativeCudaBertModel;
  CudaVitModel?: new (config: NativeVitConfig) => NativeCudaVitModel;
}

/** One tensor of a native model's flat parameter buffer (HF name without the model prefix). */
export interface NativeParamEntry {
  name: string;
  shape: number[];
  offset: number;
  numel: number;
  init: 'normal' | 'zeros' | 'ones';
}

/** Methods every native model handle has (native/binding/model_handle.h). */
export interface NativeModelHandle {
  table(): { total: number; entries: NativeParamEntry[] };
  /** Binds the flat buffers (length ≥ table().total); grads may be omitted for inference. */
  setBuffers(o: { params: F32; grads?: F32 | null }): void;
  initRandom(o: { seed?: number; std?: number }): Promise<void>;
  /** Packs the layers' linear weights from the bound params for bf16 / int8 inference (fp32: drops them). */
  setPrecision(o: { precision: 'fp32' | 'bf16' | 'int8' }): Promise<void>;
  dispose(): void;
}

/** AdamW settings of one device update (as the CPU adamwStep's). */
export interface NativeAdamWSettings {
  lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; step?: number; gradScale?: number;
}

/**
 * Methods every CUDA model handle has (native/binding/cuda_models.cpp): parameters, gradients and
 * AdamW moments live on the GPU and cross to the host only through these copies; n = table().total.
 * Every call is a Promise, one at a time per model.
 */
export interface NativeCudaModelHandle {
  table(): { total: number; entries: NativeParamEntry[] };
  /** Initialises as the CPU model does (same values), on the device. */
  initRandom(o: { seed?: number; std?: number }): Promise<void>;
  uploadParams(o: { params: F32 }): Promise<void>;
  downloadParams(o: { params: F32 }): Promise<void>;
  /** Allocates zeroed gradients (once); needed before a training forward and the calls below. */
  enableGrads(): Promise<void>;
  zeroGrads(): Promise<void>;
  downloadGrads(o: { grads: F32 }): Promise<void>;
  /** Σ g² over the parameters [begin, end), accumulated in double. */
  gradNormSq(o: { begin: number; end: number }): Promise<number>;
  /** One AdamW update of the parameters [begin, end) with their moments (allocated zeroed on first use). */
  adamwStep(o: NativeAdamWSettings & { begin: number; end: number }): Promise<void>;
  downloadMoments(o: { m: F32; v: F32 }): Promise<void>;
  uploadMoments(o: { m: F32; v: F32 }): Promise<void>;
  dispose(): void;
}

export interface NativeBertConfig {
  vocabSize: number; hiddenSize: number; numLayers: number; numHeads: number; intermediateSize: number;
  maxPositions: number; typeVocabSize: number; layerNormEps?: number; hiddenAct?: 'gelu' | 'quick_gelu';
  pooler?: boolean;
}

/** BERT's forward and backward, the same on the CPU and the GPU handle (host arrays in and out). */
export interface NativeBertCalls {
  forward(o: {
    inputIds: Int32Array; attentionMask?: Int32Array | null; tokenTypeIds?: Int32Array | null; batch: number;
    seqLen: number; out: F32; pooled?: F32 | null; forBackward?: boolean;
  }): Promise<void>;
  backward(o: { dLastHiddenState?: F32 | null; dPooled?: F32 | null; dInputsEmbeds?: F32 | null }): Promise<void>;
}

export interface NativeBertModel extends NativeModelHandle, NativeBertCalls {}
export interface NativeCudaBertModel extends NativeCudaModelHandle, NativeBertCalls {}

export interface NativeVitConfig {
  kind?: 'vit' | 'clip'; imageSize: number; patchSize: number; numChannels?: number; hiddenSize: number;
  numLayers: number; numHeads: number; intermediateSize: number; layerNormEps?: number;
  hiddenAct?: 'gelu' | 'quick_gelu'; pooler?: boolean;
}

/** ViT's forward and backward, the same on the CPU and the GPU handle. */
export interface NativeVitCalls {
  forward(o: { pixels: F32; batch: number; out: F32; pooled?: F32 | null; forBackward?: boolean }): Promise<void>;
  backward(o: { dLastHiddenState?: F32 | null; dPooled?: F32 | null; dPixels?: F32 | null }): Promise<void>;
}

export interface NativeVitModel extends NativeModelHandle, NativeVitCalls {}
export interface NativeCudaVitModel extends NativeCudaModelHandle, NativeVitCalls {}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/**
 * Where the addon may be: SHAPCA_ADDON, then cmake-js's build (made only on request, by
 * `npm run build:cmake` / `build:cuda`, so it wins when present), then node-gyp's (`npm install`).
 */
export function addonCandidates(): string[] {
  const fromEnv = process.env.SHAPCA_ADDON;
  return [
    ...(fromEnv ? [fromEnv] : []),
    join(root, 'build-cmake', 'Release', 'shapca.node'),
    join(root, 'build', 'Release', 'shapca.node'),
  ];
}

let cached: NativeAddon | undefined;

/** Loads the addon once; a missing build is a ShapcaError that says how to build it. */
export function addon(): NativeAddon {
  if (cached) return cached;
  const path = addonCandidates().find((p) => existsSync(p));
  if (!path) {
    throw new ShapcaError(
      `The shapca native addon is not built (looked in ${addonCandidates().join(', ')}). Run \`npm install\` or \`npm run build\`.`,
      'SHAPCA_ADDON_NOT_FOUND',
    );
  }
  const loaded = createRequire(import.meta.url)(path) as NativeAddon;
  loaded.setErrorClass(ShapcaError);
  cached = loaded;
  return loaded;
}
