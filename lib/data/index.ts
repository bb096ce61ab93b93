/**
 * Datasets and contexts: readers and writers for Twitter-2015/2017 (MNER), MNRE (MRE) and JMERE
 * (MJERE), image id → path resolution, image contexts (our JSONL format and importers for the
 * published sets), and the synthetic multimodal dataset generator.
 */
export { DataFormatError } from './errors.js';
export type { Dataset, ReadOptions } from './errors.js';
export { readTwitterNer, parseTwitterNer, formatTwitterNer } from './twitter-ner.js';
export type { NerSentence, TwitterNerOptions } from './twitter-ner.js';
export { readMnre, parseMnre, formatMnre, readRelationLabels } from './mnre.js';
export type { MnreEntity, MnreInstance, MnreOptions } from './mnre.js';
export { readJmere, parseJmere, formatJmere, jmereEntities } from './jmere.js';
export type { JmereEntity, JmereTriple, JmereSentence, JmereOptions } from './jmere.js';
export {
  TWITTER2015_ENTITY_TYPES, TWITTER2017_ENTITY_TYPES, TWITTER_ENTITY_TYPES, MNRE_RELATIONS, JMERE_ENTITY_TYPES, JMERE_RELATIONS,
  splitMnreRelation,
} from './labels.js';
export { bioSpans, bioTags, chunksOf, spansToBio, parseBioTag, parseTag } from './bio.js';
export type { BioTag, Chunk, ChunkScheme, EntitySpan, SpanScheme } from './bio.js';
export { findSplitFile, SPLIT_FILE_NAMES } from './splits.js';
export type { Split, DatasetKind } from './splits.js';
export { ImageResolver, imageKey } from './images.js';
export type { ImageResolverOptions } from './images.js';
export { ContextSet, readContexts, parseContexts, writeContexts, formatContextLine } from './contexts.js';
export type { ContextRecord, ContextCoverage } from './contexts.js';
export {
  importContexts, importPgimConll, parsePgimAligned, parsePgimConll, parseBlip2Captions, parseRivegDescriptions,
  parseCamimCaptions, parseKecpm,
} from './context-importers.js';
export type { ContextFormat, ImportOptions } from './context-importers.js';
export { readContextFiles } from './context-files.js';
export { parsePythonLiteral, formatPythonLiteral, PythonLiteralError } from './python-literal.js';
export type { PyValue } from './python-literal.js';
export { writeFileAtomic } from '../util/atomic-write.js';
export { generateSyntheticDataset, syntheticSamples, SYNTHETIC_LAYOUT } from './synthetic/generate.js';
export type { SyntheticOptions, SyntheticSample, SyntheticSplit, SyntheticManifest } from './synthetic/generate.js';
export { SYNTHETIC_ENTITY_TYPES, AMBIGUOUS_NAMES, relationOf } from './synthetic/vocabulary.js';
