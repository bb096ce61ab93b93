/** The Shap-CA model (DESIGN §1): configuration, batching, the NER model, saving and loading. */
export { ShapCAModel } from './ner-model.js';
export type { ShapCAParts, NerPrediction } from './ner-model.js';
export { DEFAULT_OPTIONS, TINY_IMAGE, TINY_TEXT, resolveOptions } from './config.js';
export type { ShapCAConfig, ShapCAOptions } from './config.js';
export { encodeNerBatch } from './batch.js';
export type { NerBatch, NerExample, BatchOptions } from './batch.js';
export { createFromPretrained, createFromScratch, loadModel, saveModel } from './io.js';
export type { FromPretrainedOptions, FromScratchOptions } from './io.js';
export { FusionLayer, fusionSpecs } from './fusion.js';
export type { FusionConfig, FusionCache } from './fusion.js';
export { ParamStore } from './params.js';
export type { ParamSpec, ParamSlot, ParamInit } from './params.js';
