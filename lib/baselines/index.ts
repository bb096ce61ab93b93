/** The linear baselines every results table is read against: a softmax tagger and a bag-of-words relation classifier. */
export { FeatureIndex, pairFeatures, tokenFeatures, wordShape } from './features.js';
export type { Span } from './features.js';
export { SparseSoftmax } from './sparse-softmax.js';
export type { SparseExample, SparseTrainOptions } from './sparse-softmax.js';
export { LinearTagger } from './tagger.js';
export type { TaggedSentence } from './tagger.js';
export { BowRelationClassifier } from './relation.js';
export type { RelationInstance } from './relation.js';
export { runBaseline } from './run.js';
export type { BaselineOptions, BaselineSummary, BaselineTask } from './run.js';
