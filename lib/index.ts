/**
 * shapca — multimodal information extraction with Shapley value-based contrastive alignment.
 * See README.md for what exists today and docs/ARCHITECTURE.md for how lib/ is laid out.
 */
export * as kernels from './kernels/index.js';
export * as runtime from './runtime.js';
export * as shapley from './shapley/index.js';
export * as align from './align/index.js';
export * as data from './data/index.js';
export * as lmm from './lmm/index.js';
export { BertEncoder, VitEncoder } from './encoders/index.js';
export type { BertConfig, VitConfig, BertOutput, VitOutput, BertForwardOptions } from './encoders/index.js';
export * as encoders from './encoders/index.js';
export * as checkpoint from './checkpoint/index.js';
export * as tokenizer from './tokenizer/index.js';
export * as train from './train/index.js';
export * as model from './model/index.js';
export { NerModel, ShapCAModel } from './model/index.js';
export type { NerExample, NerPrediction, ShapCAConfig, ShapCAOptions } from './model/index.js';
export { JointModel, RelationModel } from './model/index.js';
export type { JointExample, JointPrediction, ReExample, RePrediction, ShapCATask, TaskModel } from './model/index.js';
export * as tasks from './tasks/index.js';
export * as metrics from './metrics/index.js';
export * as image from './image/index.js';
export { ShapcaError } from './errors.js';
export type { ShapcaErrorCode } from './errors.js';
export type { KernelPath } from './runtime.js';
export type { CudaStatus, Device, DeviceChoice, DeviceRequest } from './device.js';
export type { Precision } from './precision.js';
export * as extract from './extract/index.js';
export { Extractor, loadExtractor } from './extract/index.js';
export type { ExtractRecord, ExtractResult, ExtractedEntity, ExtractOptions, ExtractionModel } from './extract/index.js';
export * as explain from './explain/index.js';
export * as pretrain from './pretrain/index.js';
export * as baselines from './baselines/index.js';
export * as hub from './hub/index.js';
export { HubError, resolveModel } from './hub/index.js';
export type { HubErrorCode, HubOptions, ResolvedModel, ResolveModelOptions } from './hub/index.js';
export * as distributed from './distributed/index.js';
export { extractDistributed, runWorker } from './distributed/index.js';
