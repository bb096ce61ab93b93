// Why a request to a multimodal model failed, in a form the retry loop and the failure log can
// use: transient failures (rate limits, server errors, network trouble, timeouts) are retried,
// the rest are recorded and the run moves on.

import { ShapcaError } from '../errors.js';

// 'redirect': the server sent us elsewhere (another origin) — refused, never retried.
// 'oversize': the response body passed the byte cap — not retried (it would be again).
export type LmmErrorKind = 'http' | 'timeout' | 'network' | 'malformed' | 'image' | 'aborted' | 'redirect' | 'oversize';

/** The stable code of each kind: SHAPCA_LMM_ and the kind in capitals. */
export type LmmErrorCode = `SHAPCA_LMM_${Uppercase<LmmErrorKind>}`;

export class LmmError extends ShapcaError<LmmErrorCode> {
  /** What went wrong, as the retry loop reads it (`code` says the same for every ShapcaError). */
  readonly kind: LmmErrorKind;
  /** HTTP status, for kind 'http'. */
  readonly status: number | undefined;
  /** How long the server asked us to wait (Retry-After / retry-after-ms), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** Attempts made before giving up (set by withRetries). */
  attempts = 1;

  constructor(kind: LmmErrorKind, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, `SHAPCA_LMM_${kind.toUpperCase() as Uppercase<LmmErrorKind>}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LmmError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** 429, 408, 5xx, network errors and timeouts are worth another try; the rest are not. */
  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'network') return true;
    if (this.kind !== 'http' || this.status === undefined) return false;
    return this.status === 429 || this.status === 408 || (this.status >= 500 && this.status <= 599);
  }
}

/** A short excerpt of a response body for error messages (bodies can be whole HTML pages). */
export function bodyExcerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
