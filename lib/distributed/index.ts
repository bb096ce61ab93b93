/**
 * Distributed batch extraction and context generation over a BullMQ queue on Redis: a coordinator
 * (`extractDistributed`, `generateContextsDistributed`) cuts the input into chunks and writes the
 * results in order; workers (`runWorker`, on any number of machines) run the chunks.
 */
export { extractDistributed } from './coordinator.js';
export type { DistributedExtractOptions, DistributedExtractSummary } from './coordinator.js';
export { generateContextsDistributed } from './context-coordinator.js';
export type { DistributedContextOptions } from './context-coordinator.js';
export { runWorker } from './worker.js';
export type { RunWorkerOptions, WorkerSummary } from './worker.js';
export { parseRedisUrl, queueUrlOf, QueueError } from './redis-url.js';
export type { RedisTarget } from './redis-url.js';
export { checkRedis } from './connection.js';
export { modelHash, modelIdentity } from './model-identity.js';
export type { ModelIdentity } from './model-identity.js';
export { ModelMismatchError } from './model-cache.js';
