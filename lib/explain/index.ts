/**
 * Explanations of extractions: exact Shapley attribution of text, context and image to each
 * entity and relation, the fusion gate's strength, and the context's value in its batch game.
 */
export { explainPost, preparedFromFile, preparedRecord } from './explain.js';
export type { Attribution, Explanation, EntityExplanation, ExplainSourceOptions, RelationExplanation } from './explain.js';
export { PLAYERS, coalitionInput, playPostGame, presentPlayers, relationTarget } from './coalitions.js';
export type { Player, PostGame, EntityAttribution, RelationAttribution } from './coalitions.js';
export { contextBatchValue, MAX_BATCH_GAME } from './batch-game.js';
export type { BatchGameValue, BatchGameResult } from './batch-game.js';
export { renderExplanation } from './render.js';
