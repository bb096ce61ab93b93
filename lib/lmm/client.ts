// What the context generator needs from a multimodal model: one image and a prompt in, one
// description out. Two wire protocols implement it: OpenAI-compatible chat completions (vLLM,
// llama.cpp server, LM Studio, OpenAI) and Ollama's native /api/chat.
import { DEFAULT_MAX_RESPONSE_BYTES } from './guarded-fetch.js';
import type { ImagePayload } from './image-payload.js';
import { OllamaClient } from './ollama-client.js';
import { OpenAICompatibleClient } from './openai-client.js';

export type Provider = 'openai' | 'ollama';

export interface DescribeRequest {
  prompt: string;
  image: ImagePayload;
  /** Aborts the request (the run is stopping). */
  signal?: AbortSignal;
}

/** One attempt per call; retries are the caller's (withRetries). Failures are LmmErrors. */
export interface VisionClient {
  readonly provider: Provider;
  readonly model: string;
  describe(request: DescribeRequest): Promise<string>;
}

export interface VisionClientOptions {
  provider: Provider;
  /** Server URL: e.g. http://localhost:8000/v1 (vLLM), http://localhost:11434 (Ollama). */
  baseURL: string;
  model: string;
  /** Sent as a Bearer token when set. Read it from the environment; it is never logged. */
  apiKey?: string;
  /** Longest answer, in tokens. Default 512. */
  maxTokens?: number;
  /** Sampling temperature. Default 0 (the most likely, factual wording). */
  temperature?: number;
  /** Per-request timeout, covering the whole response body. Default 120000 ms. */
  timeoutMs?: number;
  /** Largest response body accepted; a longer one fails the request ('oversize'). Default 4 MiB. */
  maxResponseBytes?: number;
}

export function createVisionClient(options: VisionClientOptions): VisionClient {
  const maxTokens = options.maxTokens ?? 512;
  const temperature = options.temperature ?? 0;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) throw new RangeError(`expected maxResponseBytes to be a positive integer but received ${maxResponseBytes}`);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`expected maxTokens to be a positive integer but received ${maxTokens}`);
  if (!(temperature >= 0 && temperature <= 2)) throw new RangeError(`expected temperature in [0, 2] but received ${temperature}`);
  if (!(timeoutMs > 0)) throw new RangeError(`expected a positive timeout but received ${timeoutMs}`);
  if (options.model.trim() === '') throw new RangeError('expected a model name but received an empty string');
  let url: URL;
  try {
    url = new URL(options.baseURL);
  } catch {
    throw new RangeError(`expected an http(s) base URL but received ${JSON.stringify(options.baseURL)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`expected an http(s) base URL but received ${JSON.stringify(options.baseURL)}`);
  const resolved = { ...options, maxTokens, temperature, timeoutMs, maxResponseBytes };
  return options.provider === 'ollama' ? new OllamaClient(resolved) : new OpenAICompatibleClient(resolved);
}
