// Per-request timeouts combined with the run's own abort signal, remembering which one fired so a
// timeout (retried) is not mistaken for the user stopping the run (not retried).

/** A signal that fires on the caller's abort or after `timeoutMs`, and tells which it was. */
export function requestSignal(timeoutMs: number, outer?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: outer ? AbortSignal.any([outer, timeout]) : timeout, timedOut: () => timeout.aborted && !outer?.aborted };
}
