/**
 * The Shap-CA models: configuration, batching, the shared backbone, the NER, RE and joint models
 * (each in its task folder, tasks/<task>/), saving and loading.
 */
export { NerModel, ShapCAModel, wordPositions } from '../tasks/ner/model.js';
export type { ShapCAParts, NerPrediction } from '../tasks/ner/model.js';
export { RelationModel } from '../tasks/re/model.js';
export type { RePrediction } from '../tasks/re/model.js';
export { JointModel } from '../tasks/joint/model.js';
export type { JointPredictOptions, JointPrediction, ScoredTriple } from '../tasks/joint/model.js';
export { ShapCABackbone } from './backbone.js';
export type { BackboneForward, HeadStep } from './backbone.js';
export { DEFAULT_OPTIONS, DEFAULT_PAIR_OPTIONS, TINY_IMAGE, TINY_TEXT, relationLabels, resolveOptions } from './config.js';
export type { PairOptions, ShapCAConfig, ShapCAOptions, ShapCATask } from './config.js';
export { encodeNerBatch } from '../tasks/ner/batch.js';
export type { NerBatch, NerExample, BatchOptions } from '../tasks/ner/batch.js';
export { encodeInputs, wordIndexOf } from './inputs.js';
export type { EncodedInputs, InputItem, InputOptions, WordIndex } from './inputs.js';
export { insertMarkers, RELATION_MARKERS } from '../tasks/re/markers.js';
export type { MarkedWords, TokenSpan } from '../tasks/re/markers.js';
export { encodeReBatch } from '../tasks/re/batch.js';
export type { ReBatch, ReBatchOptions, ReExample } from '../tasks/re/batch.js';
export { allPairs, encodeJointBatch, entitiesOf, givenPairRows, trainingPairs } from '../tasks/joint/batch.js';
export type { EntityPair, JointBatch, JointBatchOptions, JointEntity, JointExample, JointTriple, PairRows, SpanPair } from '../tasks/joint/batch.js';
export { createFromPretrained, createFromScratch, instantiate, loadModel } from '../tasks/io.js';
export { saveModel } from './save.js';
export type { DeviceOptions, FromPretrainedOptions, FromScratchOptions, InferenceOptions, ModelSpec, TaskLabels } from './io.js';
export type { TaskModel } from '../tasks/registry.js';
export { FusionLayer, fusionSpecs } from './fusion.js';
export type { FusionConfig, FusionCache } from './fusion.js';
export { ParamStore } from '../nn/params.js';
export type { ParamSpec, ParamSlot, ParamInit } from '../nn/params.js';
