// A progress bar for context generation on stderr (stdout stays clean for the summary): count,
// rate of model answers per second, ETA, and the done / cached / failed split.
import cliProgress from 'cli-progress';

import type { GenerateProgress } from './generate.js';

export interface ProgressBar {
  update(progress: GenerateProgress): void;
  stop(): void;
}

/** A bar over `total` jobs; draws nothing when the stream is not a terminal. */
export function createProgressBar(total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'contexts |{bar}| {value}/{total} | {rate}/s | ETA {eta_formatted} | done {done} cached {cached} failed {failed}',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: '0.00', done: 0, cached: 0, failed: 0 });
  return {
    update(p) {
      // The rate counts model answers only: cached items cost nothing and would flatter it.
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? (p.done / seconds).toFixed(2) : '0.00';
      bar.update(p.done + p.cached + p.failed, { rate, done: p.done, cached: p.cached, failed: p.failed });
    },
    stop() {
      bar.stop();
    },
  };
}
