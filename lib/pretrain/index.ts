/** Masked-language-model pretraining of the text encoder (BertForMaskedLM's head, whole-word masking). */
export { fileCorpus, memoryCorpus, corpusTexts, readLines, MAX_LINE_BYTES } from './corpus.js';
export type { CorpusDocument, CorpusSource } from './corpus.js';
export { datasetCorpus } from './datasets.js';
export type { DatasetCorpusReport } from './datasets.js';
export { maskWholeWords } from './masking.js';
export type { MaskedSequence, MaskingOptions } from './masking.js';
export { MlmBatcher } from './batch.js';
export type { EncodedDocument, MlmBatch } from './batch.js';
export { MlmHead, MLM_HEAD, mlmHeadSpecs } from './mlm-head.js';
export type { MlmHeadResult, MlmTargets } from './mlm-head.js';
export { MlmModel } from './model.js';
export type { MlmFromScratchOptions } from './model.js';
export { pretrain } from './run.js';
export type { PretrainOptions, PretrainStart } from './run.js';
