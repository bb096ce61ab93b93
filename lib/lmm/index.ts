/**
 * Context generation with large multimodal models (docs/ARCHITECTURE.md, "Contexts"): clients for OpenAI-compatible
 * servers and Ollama, image payloads, retries with back-off, the persistent cache, atomic JSONL
 * appends, and the resumable generation run behind `shapca context`.
 */
export { createVisionClient } from './client.js';
export type { VisionClient, VisionClientOptions, DescribeRequest, Provider } from './client.js';
export { OpenAICompatibleClient } from './openai-client.js';
export { OllamaClient } from './ollama-client.js';
export { LmmError } from './errors.js';
export type { LmmErrorCode, LmmErrorKind } from './errors.js';
export { guardedFetch, DEFAULT_MAX_RESPONSE_BYTES } from './guarded-fetch.js';
export { withRetries, parseRetryAfter, backoffDelay, sleep } from './retry.js';
export type { RetryOptions } from './retry.js';
export { DEFAULT_PROMPT, renderPrompt } from './prompt.js';
export { readImageFile, encodeImage } from './image-payload.js';
export type { ImagePayload } from './image-payload.js';
export { ContextCache, defaultCacheDir } from './cache.js';
export type { CacheEntry } from './cache.js';
export { JsonlAppender, repairJsonlTail } from './jsonl-append.js';
export { generateContexts } from './generate.js';
export type { ContextJob, GenerateOptions, GenerateSummary, GenerateProgress, FailureRecord, JobOutcome } from './generate.js';
export { createProgressBar } from './progress.js';
export type { ProgressBar } from './progress.js';
export { jobsFromDataset, jobsFromFolder, detectDatasetFormat } from './jobs.js';
export type { DatasetFormat, DatasetJobsOptions } from './jobs.js';
