// A progress bar for context generation on stderr (stdout stays clean for the summary): count,
// rate of model answers per second, ETA, and the done / cached / failed split.
import cliProgress from 'cli-progress';

import type { GenerateProgress } from './generate.js';

export interface ProgressBar {
  update(progress: GenerateProgress): void;
  /** Shows a back-off wait on the line until it is over. */
  waiting(wait: { id: string; attempt: number; delayMs: number; error: { message: string } }): void;
  stop(): void;
}

/** The note shown while a request waits to be retried: how long, why, which image. */
export function waitNote(wait: { id: string; attempt: number; delayMs: number; error: { message: string } }): string {
  const reason = wait.error.message.length > 40 ? `${wait.error.message.slice(0, 40)}…` : wait.error.message;
  return ` | waiting ${(wait.delayMs / 1000).toFixed(wait.delayMs < 10_000 ? 1 : 0)} s before retry ${wait.attempt} of ${wait.id} (${reason})`;
}

/** A bar over `total` jobs; draws nothing when the stream is not a terminal. */
export function createProgressBar(total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'contexts |{bar}| {value}/{total} | {rate}/s | ETA {eta_formatted} | done {done} cached {cached} failed {failed}{note}',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: '0.00', done: 0, cached: 0, failed: 0, note: '' });
  let noteUntil = 0;
  return {
    update(p) {
      // The rate counts model answers only: cached items cost nothing and would flatter it.
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? (p.done / seconds).toFixed(2) : '0.00';
      const note = Date.now() < noteUntil ? undefined : '';
      bar.update(p.done + p.cached + p.failed, { rate, done: p.done, cached: p.cached, failed: p.failed, ...(note === undefined ? {} : { note }) });
    },
    waiting(w) {
      noteUntil = Math.max(noteUntil, Date.now() + w.delayMs);
      bar.update({ note: waitNote(w) });
    },
    stop() {
      bar.stop();
    },
  };
}
