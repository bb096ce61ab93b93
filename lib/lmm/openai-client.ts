// OpenAI-compatible chat completions through the official SDK, with its own retries switched
// off (withRetries handles them the same way for both protocols) and nothing read from the
// environment behind our back: base URL, key, organisation and project are all explicit.
import OpenAI from 'openai';

import type { DescribeRequest, VisionClient, VisionClientOptions } from './client.js';
import { bodyExcerpt, LmmError } from './errors.js';
import { guardedFetch } from './guarded-fetch.js';
import { requestSignal } from './request-signal.js';
import { parseRetryAfter } from './retry.js';

type Resolved = Required<Omit<VisionClientOptions, 'apiKey'>> & { apiKey?: string };

export class OpenAICompatibleClient implements VisionClient {
  readonly provider = 'openai' as const;
  readonly model: string;
  private readonly sdk: OpenAI;

  constructor(private readonly options: Resolved) {
    this.model = options.model;
    this.sdk = new OpenAI({
      baseURL: options.baseURL,
      // Local servers take no key, but the SDK insists on one; this placeholder is not a secret.
      apiKey: options.apiKey || 'no-key',
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: 0,
      timeout: options.timeoutMs,
      logLevel: 'off',
      // Same-origin redirects only, bodies under the cap (see guarded-fetch.ts).
      fetch: guardedFetch({ origin: options.baseURL, maxResponseBytes: options.maxResponseBytes }),
    });
  }

  async describe({ prompt, image, signal: outer }: DescribeRequest): Promise<string> {
    const { signal, timedOut } = requestSignal(this.options.timeoutMs, outer);
    let completion: unknown;
    try {
      completion = await this.sdk.chat.completions.create(
        {
          model: this.model,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: prompt },
                { type: 'image_url', image_url: { url: `data:${image.mime};base64,${image.base64}` } },
              ],
            },
          ],
          max_tokens: this.options.maxTokens,
          temperature: this.options.temperature,
        },
        { signal, timeout: this.options.timeoutMs, maxRetries: 0 },
      );
    } catch (err) {
      throw toLmmError(err, timedOut(), outer, this.options.timeoutMs);
    }
    return contentOf(completion);
  }
}

function toLmmError(err: unknown, timedOut: boolean, outer: AbortSignal | undefined, timeoutMs: number): LmmError {
  if (outer?.aborted) return new LmmError('aborted', 'aborted', { cause: err });
  // Refusals of guardedFetch reach us wrapped in the SDK's connection error.
  const inner = (err as { cause?: unknown } | null)?.cause;
  if (err instanceof LmmError) return err;
  if (inner instanceof LmmError && !timedOut) return inner;
  if (timedOut || err instanceof OpenAI.APIConnectionTimeoutError) return new LmmError('timeout', `no response within ${timeoutMs} ms`, { cause: err });
  if (err instanceof OpenAI.APIConnectionError) return new LmmError('network', `connection failed: ${(err.cause as Error | undefined)?.message ?? err.message}`, { cause: err });
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    const retryAfterMs = err.headers ? parseRetryAfter(err.headers) : undefined;
    // The SDK's message starts with the status again: "429 Rate limit reached".
    return new LmmError('http', `HTTP ${err.status}: ${bodyExcerpt(err.message.replace(/^\d{3}\s*/, ''))}`, { status: err.status, retryAfterMs, cause: err });
  }
  // The SDK throws a SyntaxError (or similar) when a 2xx body is not the JSON it promised.
  return new LmmError('malformed', `unreadable response: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** The answer text, or a 'malformed' LmmError saying what the response lacked. */
function contentOf(completion: unknown): string {
  const choices = (completion as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    const got = typeof completion === 'string' ? `text ${JSON.stringify(bodyExcerpt(completion, 80))}` : JSON.stringify(completion)?.slice(0, 120);
    throw new LmmError('malformed', `expected a chat completion with choices but received ${got}`);
  }
  const content = (choices[0] as { message?: { content?: unknown } }).message?.content;
  if (typeof content !== 'string') throw new LmmError('malformed', `expected choices[0].message.content to be a string but received ${JSON.stringify(content) ?? 'nothing'}`);
  if (content.trim() === '') throw new LmmError('malformed', 'expected a description but the model answered with empty text');
  return content.trim();
}
