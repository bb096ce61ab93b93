export { chunksOf, parseTag } from './chunks.js';
export type { Chunk, ChunkScheme } from './chunks.js';
export { prf, PrfCounter } from './f1.js';
export type { PRF } from './f1.js';
export { scoreNer } from './ner.js';
export type { NerScores } from './ner.js';
