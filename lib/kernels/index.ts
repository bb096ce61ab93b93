/** Native kernels, each a Promise-returning forward/backward pair over Float32Arrays (zero-copy). */
export { sgemm, matmulForward, matmulBackward } from './gemm.js';
export type { SgemmOptions, MatmulForwardOptions, MatmulBackwardOptions } from './gemm.js';
export { softmaxForward, softmaxBackward, layernormForward, layernormBackward } from './rows.js';
export type { SoftmaxForwardOptions, LayerNormForwardOptions, LayerNormState } from './rows.js';
export { geluForward, geluBackward, embeddingForward, embeddingBackward } from './elementwise.js';
export type { GeluKind } from './elementwise.js';
export { adamwStep, gradNorm, clipScale } from './optim.js';
export type { AdamWOptions } from './optim.js';
export { crfForward, crfBackward, crfViterbi } from './crf.js';
export { crfMarginals } from './crf.js';
export type { CrfParameters, CrfBatch, CrfGradients, CrfConstraints } from './crf.js';
export { crossEntropyForward, crossEntropyBackward } from './cross-entropy.js';
export type { CrossEntropyState } from './cross-entropy.js';
export {
  crossAttentionForward, crossAttentionBackward, fusionGateForward, fusionGateBackward, meanPoolForward, meanPoolBackward,
} from './fusion.js';
export type { CrossAttentionShape, FusionGateState } from './fusion.js';
