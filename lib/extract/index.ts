/**
 * Batch extraction (docs/ARCHITECTURE.md, "An extraction batch, end to end"): streaming,
 * length-batched, order-keeping inference with per-record errors, contexts from records, files or
 * an LMM, and resumable JSONL output; the model plugs in through ExtractionModel.
 */
export { Extractor, extractionModelOf, loadExtractor } from './extractor.js';
export { nerExtractionModel, spanScore } from '../tasks/ner/adapter.js';
export { reExtractionModel } from '../tasks/re/adapter.js';
export { jointExtractionModel } from '../tasks/joint/adapter.js';
export { checkPair } from './pairs.js';
export { runPipeline } from './pipeline.js';
export type { ExtractOptions } from './pipeline.js';
export { extractFile } from './file.js';
export type { ExtractFileOptions, ExtractFileSummary } from './file.js';
export { ContextSource } from './contexts.js';
export type { ContextSourceOptions, GenerateContextOptions } from './contexts.js';
export { conllItems, jsonlItems, mnreItems, recordItems, fileItems, countItems, detectFormat } from './sources.js';
export type { InputFormat } from './sources.js';
export { checkRecord, withFields } from './records.js';
export type { SourceItem, CheckedRecord, CheckOptions } from './records.js';
export { inspectOutput } from './output.js';
export type { OutputState } from './output.js';
export type {
  ExtractRecord, ExtractResult, ExtractedEntity, ExtractedRelation, ExtractedSpan, ExtractionModel, ModelInput, ModelOutput, EntityTarget,
  RelationTarget, AlignmentEmbeddings, Span, SpanRef,
} from './types.js';
