/**
 * Explanations of extractions: exact Shapley attribution of text, context and image to each
 * entity, the fusion gate's strength, and the context's value in its batch game.
 */
export { explainPost, preparedFromFile, preparedRecord } from './explain.js';
export type { Explanation, EntityExplanation, ExplainSourceOptions } from './explain.js';
export { PLAYERS, coalitionInput, playPostGame, presentPlayers } from './coalitions.js';
export type { Player, PostGame, EntityAttribution } from './coalitions.js';
export { contextBatchValue, MAX_BATCH_GAME } from './batch-game.js';
export type { BatchGameValue, BatchGameResult } from './batch-game.js';
export { renderExplanation } from './render.js';
