// The fetch both LMM clients use: requests go only to the origin the user configured, and what
// comes back is bounded. fetch's own redirect handling would POST the image and the prompt (and
// the API key) to wherever a Location header points; here redirects are followed by hand, only
// within the configured origin (scheme, host and port), and any other target is refused. The
// body is read whole (under the request's signal, so a slow drip ends at the timeout) up to a
// byte cap, and handed on as a fresh Response: the OpenAI SDK then parses it without ever
// holding more than the cap.
import { LmmError } from './errors.js';

/** Default cap on one response body: a chat answer of a few thousand tokens is tens of KB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export interface GuardedFetchOptions {
  /** The only origin requests may go to (from the base URL). */
  origin: string;
  /** Largest response body accepted, in bytes. */
  maxResponseBytes: number;
}

/** Reads a body to its end, failing as soon as it passes maxBytes. */
async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, url: string): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new LmmError('oversize', `response from ${url} is larger than the ${maxBytes}-byte limit (--max-response-bytes)`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function urlOf(input: string | URL | Request): URL {
  return new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
}

/** A fetch for one server: same-origin redirects only, bodies under a cap (LmmErrors otherwise). */
export function guardedFetch(o: GuardedFetchOptions): typeof fetch {
  const allowed = new URL(o.origin).origin;
  return async (input, init) => {
    let url = urlOf(input as string | URL | Request);
    let request: RequestInit = { ...init, redirect: 'manual' };
    for (let hops = 0; ; hops++) {
      if (url.origin !== allowed) {
        throw new LmmError('redirect', `refused to send a request to ${url.origin}: requests go only to ${allowed}`);
      }
      const response = await fetch(url, request);
      const location = response.headers.get('location');
      if (REDIRECTS.has(response.status) && location !== null) {
        await response.body?.cancel().catch(() => undefined);
        const next = new URL(location, url);
        if (next.origin !== allowed) {
          throw new LmmError('redirect', `refused a redirect (HTTP ${response.status}) from ${url.origin} to another origin, ${next.origin}: requests go only to ${allowed}`, { status: response.status });
        }
        if (hops >= MAX_REDIRECTS) throw new LmmError('redirect', `more than ${MAX_REDIRECTS} redirects from ${allowed}`, { status: response.status });
        // As fetch does: 303 (and 301/302 after a POST) continue as a GET without a body.
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && request.method === 'POST')) {
          const { body: _dropped, ...rest } = request;
          request = { ...rest, method: 'GET' };
        }
        url = next;
        continue;
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > o.maxResponseBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new LmmError('oversize', `response from ${url.origin} declares ${declared} bytes, more than the ${o.maxResponseBytes}-byte limit (--max-response-bytes)`);
      }
      const bytes = await readCapped(response.body, o.maxResponseBytes, url.origin);
      const headers = new Headers(response.headers);
      // The body is already decoded and whole: these no longer describe it.
      headers.delete('content-encoding');
      headers.delete('content-length');
      headers.delete('transfer-encoding');
      return new Response(NULL_BODY.has(response.status) ? null : bytes, { status: response.status, statusText: response.statusText, headers });
    }
  };
}
