// What travels through Redis: one BullMQ job per chunk of records (or of images, for contexts),
// and what a worker returns for it. Records travel as the input items the single-process run
// reads (the line's JSON text, its fallback id and position), so a worker produces the very lines
// that run writes.
import type { ContextFormat } from '../data/context-importers.js';
import type { SourceItem } from '../extract/records.js';
import type { ContextJob } from '../lmm/generate.js';
import type { ModelIdentity } from './model-identity.js';

/** Keys of every run start with it (BullMQ's prefix): `shapca:<queue>:…`. */
export const KEY_PREFIX = 'shapca';
/** The sorted set of live runs (queue name → last heartbeat, ms), which workers watch. */
export const RUNS_KEY = `${KEY_PREFIX}:runs`;
/** Per run: worker name → why it refused the run's chunks (a hash). */
export const refusalsKey = (queue: string) => `${KEY_PREFIX}:${queue}:refusals`;
/** Per run: the settings workers serve it with (JSON of RunSettings). */
export const settingsKey = (queue: string) => `${KEY_PREFIX}:${queue}:settings`;

export interface RunSettings {
  /** A chunk's lock time, ms: a dead worker's chunk is taken again after about this long. */
  lockMs?: number;
}

/** A run older than this without a heartbeat is not served (its coordinator is gone). */
export const RUN_STALE_MS = 30_000;

/** Options a worker runs an extraction chunk with: those that decide the output lines. */
export interface ChunkRunOptions {
  batchSize: number;
  window: number;
  /** Relative image paths resolve here (as given: relative to the worker's working directory). */
  imagesDir: string;
  /** Decoding concurrency inside the worker. */
  concurrency?: number;
  /** Context files the worker reads (same paths on every machine). */
  contexts?: { files: string[]; format: ContextFormat };
}

export interface ExtractChunkData {
  kind: 'extract';
  model: ModelIdentity;
  /** Absolute position of the chunk's first record (0-based). */
  start: number;
  items: SourceItem[];
  options: ChunkRunOptions;
}

/** The LMM settings a context chunk is described with; the API key stays in the worker's environment. */
export interface ContextClientSpec {
  provider: 'openai' | 'ollama';
  baseURL: string;
  model: string;
  /** Name of the environment variable holding the key on the worker (never the key itself). */
  apiKeyEnv?: string;
  maxTokens: number;
  temperature: number;
  timeoutMs: number;
}

export interface ContextChunkData {
  kind: 'context';
  client: ContextClientSpec;
  promptTemplate: string;
  jobs: ContextJob[];
  /** The cache folder (as given: relative to the worker's working directory). */
  cacheDir: string;
  maxImageSide: number;
  concurrency: number;
  retry: { retries: number; baseDelayMs: number };
}

export type ChunkData = ExtractChunkData | ContextChunkData;

/** What a worker returns for an extraction chunk. */
export interface ExtractChunkResult {
  /** The output lines of the chunk's records, in order, each ending in "\n". */
  lines: string;
  count: number;
  errors: number;
  imageErrors: number;
  contextErrors: number;
  /** Time the worker spent running it (model loading included), ms. */
  ms: number;
  /** The worker that ran it, for the summary. */
  worker: string;
}

/** One image's outcome in a context chunk. */
export type ContextOutcome =
  | { id: string; outcome: 'done' | 'cached'; context: string; prompt: string }
  | { id: string; outcome: 'failed'; image: string; kind: string; status?: number; error: string; attempts: number };

export interface ContextChunkResult {
  results: ContextOutcome[];
  worker: string;
}
