// Retries with exponential back-off. A server's Retry-After (or the retry-after-ms header some
// OpenAI-compatible servers send) overrides the computed delay; jitter keeps concurrent workers
// from retrying in lockstep.
import { LmmError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** Delay before the first retry, doubled each time. Default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of any delay, including one a server asks for (Retry-After). Default 60000 ms. */
  maxDelayMs?: number;
  /**
   * Upper bound of all the waits of one request together: a retry whose wait would pass it is not
   * made, and the request fails with its last error. Default 300000 ms (5 minutes).
   */
  maxTotalWaitMs?: number;
  /** Waits; replaceable in tests. Rejects when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) source for jitter. Default Math.random. */
  random?: () => number;
  /** Told about each retry before its wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: LmmError }) => void;
}

/**
 * Milliseconds a response asks us to wait: `retry-after-ms`, else `Retry-After` as seconds or
 * as an HTTP date; undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** "750 ms", "12 s", "5 min": durations for messages. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return ms < 600_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Delay before retry `attempt` (1-based): base·2^(attempt−1), capped, with ±25% jitter. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const raw = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.min(maxDelayMs, raw * (0.75 + 0.5 * random()));
}

/** Resolves after `ms`, or rejects with an 'aborted' LmmError when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LmmError('aborted', 'aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LmmError('aborted', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or runs out of retries.
 * Returns the value and the number of attempts made; a final failure is rethrown with
 * `attempts` recorded on it.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<{ value: T; attempts: number }> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 60_000;
  const maxTotal = options.maxTotalWaitMs ?? 300_000;
  const wait = options.sleep ?? sleep;
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (err) {
      // Clients raise LmmErrors; anything else is unexpected and not worth repeating.
      const error = err instanceof LmmError ? err : new LmmError('malformed', (err as Error)?.message ?? String(err), { cause: err });
      error.attempts = n;
      if (!error.retryable || n > retries || signal?.aborted) throw error;
      const delayMs = error.retryAfterMs !== undefined ? Math.min(max, error.retryAfterMs) : backoffDelay(n, base, max, options.random);
      if (waited + delayMs > maxTotal) {
        error.message += ` (gave up after ${n} attempts: another wait of ${duration(delayMs)} would pass the ${duration(maxTotal)} limit on waits per request)`;
        throw error;
      }
      waited += delayMs;
      options.onRetry?.({ attempt: n, delayMs, error });
      await wait(delayMs, signal);
    }
  }
}
