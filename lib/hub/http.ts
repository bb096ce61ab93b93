// Requests to the Hub with its redirect rules and bounds:
// - a metadata request (HEAD) follows only relative redirects (a renamed repository answers
//   with a path on the same endpoint) and reads the LFS storage redirect without following it;
// - a download follows redirects only to the endpoint itself, to subdomains of its host, to the
//   Hub's documented storage hosts (*.hf.co, *.huggingface.co) for the public Hub, or to origins
//   the caller allows; never to another scheme, at most MAX_REDIRECTS times;
// - the token goes to the endpoint's origin only, never to storage or anywhere else;
// - each request waits at most timeoutMs for its answer.
import { HubError } from './errors.js';
import type { Secret } from './settings.js';

export const MAX_REDIRECTS = 5;
const MAX_ERROR_TEXT = 200;
const PUBLIC_HUB_HOSTS = ['huggingface.co', 'hf.co'];

export interface HttpContext {
  /** The Hub's base URL (HF_ENDPOINT). */
  endpoint: string;
  token: Secret | null;
  /** Extra storage origins (scheme://host:port) a download may be redirected to. */
  storageOrigins?: readonly string[];
}

export interface HubResponse {
  response: Response;
  /** The URL that answered (after the redirects followed). */
  url: URL;
  /** Aborts the request (and its body); the caller calls it when done with a streamed body. */
  abort: () => void;
  /** Re-arms the timeout for the next wait (a chunk of the body); 0 disarms it. */
  arm: (ms: number) => void;
  timedOut: () => boolean;
}

export function isRelativeLocation(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//');
}

/** Whether a download may be redirected to `target`. */
export function storageAllowed(ctx: HttpContext, target: URL): boolean {
  const endpoint = new URL(ctx.endpoint);
  if (target.protocol !== endpoint.protocol || target.username || target.password) return false;
  if (target.origin === endpoint.origin) return true;
  if (ctx.storageOrigins?.includes(target.origin)) return true;
  if (target.port !== '') return false;
  const host = target.hostname;
  const hubHosts = PUBLIC_HUB_HOSTS.includes(endpoint.hostname) ? PUBLIC_HUB_HOSTS : [];
  const isIp = /^[\d.]+$|:/.test(endpoint.hostname);
  const parents = [...hubHosts, ...(isIp ? [] : [endpoint.hostname])];
  return parents.some((p) => host.endsWith(`.${p}`));
}

export function refusedRedirect(ctx: HttpContext, from: URL, to: URL): HubError {
  return new HubError(
    `refused a redirect from ${from.origin} to ${to.protocol}//${to.host}: not the endpoint (HF_ENDPOINT=${ctx.endpoint}) nor a Hub storage host over the same scheme`,
    'SHAPCA_HUB_REDIRECT',
  );
}

/** Removes the token from text that came from a server (a message could echo it). */
export function redact(text: string, token: Secret | null): string {
  const t = token?.reveal();
  const flat = text.replace(/\s+/g, ' ').trim();
  const safe = t ? flat.split(t).join('[token]') : flat;
  return safe.length > MAX_ERROR_TEXT ? `${safe.slice(0, MAX_ERROR_TEXT)}…` : safe;
}

function networkError(err: unknown, url: URL, timedOut: boolean, timeoutMs: number): HubError {
  if (timedOut) return new HubError(`no answer from ${url.origin} within ${timeoutMs / 1000} s`, 'SHAPCA_HUB_NETWORK', { cause: err });
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new HubError(`cannot reach ${url.origin} (${why})`, 'SHAPCA_HUB_NETWORK', { cause: err });
}

/**
 * One request with the redirect rules above. follow 'relative': HEAD semantics (a 3xx to
 * another place is returned as is); 'storage': download semantics.
 */
export async function hubRequest(
  ctx: HttpContext,
  start: string,
  o: { method: 'HEAD' | 'GET'; headers?: Record<string, string>; timeoutMs: number; follow: 'relative' | 'storage'; signal?: AbortSignal },
): Promise<HubResponse> {
  const endpointOrigin = new URL(ctx.endpoint).origin;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const arm = (ms: number) => {
    clearTimeout(timer);
    if (ms > 0) {
      timer = setTimeout(() => {
        expired = true;
        controller.abort();
      }, ms);
      timer.unref?.();
    }
  };
  const onOuterAbort = () => controller.abort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const abort = () => {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onOuterAbort);
    controller.abort();
  };
  let url = new URL(start);
  arm(o.timeoutMs);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'shapca', ...o.headers };
    if (ctx.token && url.origin === endpointOrigin) headers.authorization = `Bearer ${ctx.token.reveal()}`;
    let response: Response;
    try {
      response = await fetch(url, { method: o.method, headers, redirect: 'manual', signal: controller.signal });
    } catch (err) {
      abort();
      if (o.signal?.aborted) throw new HubError('aborted', 'SHAPCA_HUB_NETWORK', { cause: err });
      throw networkError(err, url, expired, o.timeoutMs);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null) {
      return { response, url, abort, arm, timedOut: () => expired };
    }
    if (o.follow === 'relative' && !isRelativeLocation(location)) return { response, url, abort, arm, timedOut: () => expired };
    await response.body?.cancel().catch(() => undefined);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      abort();
      throw new HubError(`${url.origin} redirected to an invalid location`, 'SHAPCA_HUB_REDIRECT');
    }
    const allowed = o.follow === 'relative' ? next.origin === endpointOrigin : storageAllowed(ctx, next);
    if (!allowed) {
      abort();
      throw refusedRedirect(ctx, url, next);
    }
    if (hop + 1 > MAX_REDIRECTS) {
      abort();
      throw new HubError(`more than ${MAX_REDIRECTS} redirects from ${start.split('?')[0]}`, 'SHAPCA_HUB_REDIRECT');
    }
    url = next;
  }
}
