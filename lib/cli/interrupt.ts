// Long commands stop cleanly on Ctrl-C: finished work is kept and the run can be resumed.

/** Runs `work` with a signal that SIGINT or SIGTERM aborts, listening only until it settles. */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
