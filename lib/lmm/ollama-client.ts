// Ollama's native chat API (POST /api/chat, stream off): images go as a list of base64 strings
// next to the prompt; sampling settings go in `options` (num_predict is the token limit).
import type { DescribeRequest, VisionClient, VisionClientOptions } from './client.js';
import { bodyExcerpt, LmmError } from './errors.js';
import { guardedFetch } from './guarded-fetch.js';
import { requestSignal } from './request-signal.js';
import { parseRetryAfter } from './retry.js';

type Resolved = Required<Omit<VisionClientOptions, 'apiKey'>> & { apiKey?: string };

export class OllamaClient implements VisionClient {
  readonly provider = 'ollama' as const;
  readonly model: string;
  private readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: Resolved) {
    this.model = options.model;
    this.url = `${options.baseURL.replace(/\/+$/, '')}/api/chat`;
    // Same-origin redirects only, bodies under the cap (see guarded-fetch.ts).
    this.fetch = guardedFetch({ origin: options.baseURL, maxResponseBytes: options.maxResponseBytes });
  }

  async describe({ prompt, image, signal: outer }: DescribeRequest): Promise<string> {
    const { signal, timedOut } = requestSignal(this.options.timeoutMs, outer);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const body = JSON.stringify({
      model: this.model,
      messages: [{ role: 'user', content: prompt, images: [image.base64] }],
      stream: false,
      options: { temperature: this.options.temperature, num_predict: this.options.maxTokens },
    });
    let status: number;
    let text: string;
    let responseHeaders: Headers;
    try {
      const response = await this.fetch(this.url, { method: 'POST', headers, body, signal });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (err) {
      if (outer?.aborted) throw new LmmError('aborted', 'aborted', { cause: err });
      if (err instanceof LmmError && !timedOut()) throw err;
      if (timedOut()) throw new LmmError('timeout', `no response within ${this.options.timeoutMs} ms`, { cause: err });
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new LmmError('network', `connection failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    if (status < 200 || status > 299) {
      const reason = errorMessageOf(text);
      throw new LmmError('http', `HTTP ${status}: ${reason}`, { status, retryAfterMs: parseRetryAfter(responseHeaders) });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LmmError('malformed', `expected a JSON chat response but received ${JSON.stringify(bodyExcerpt(text, 80))}`);
    }
    const content = (parsed as { message?: { content?: unknown } } | null)?.message?.content;
    if (typeof content !== 'string') throw new LmmError('malformed', `expected message.content to be a string but received ${JSON.stringify(parsed)?.slice(0, 120)}`);
    if (content.trim() === '') throw new LmmError('malformed', 'expected a description but the model answered with empty text');
    return content.trim();
  }
}

/** Ollama errors are `{"error": "..."}`; anything else is quoted briefly. */
function errorMessageOf(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof e === 'string') return bodyExcerpt(e);
  } catch {
    // not JSON
  }
  return bodyExcerpt(text) || '(empty body)';
}
