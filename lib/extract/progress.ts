// The extraction progress bar on stderr (stdout may carry the results): records, records/s over
// this run, ETA, and how many had an error. Drawn only on a terminal.
import cliProgress from 'cli-progress';

export interface ExtractProgress {
  /** After each result: records done in all (resumed ones included) and errors so far. */
  update(done: number, errors: number): void;
  stop(): void;
}

const SILENT: ExtractProgress = { update() {}, stop() {} };

export function createExtractProgress(total: number, start: number, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): ExtractProgress {
  if (!enabled || !stream.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'extract |{bar}| {value}/{total} | {rate} records/s | ETA {eta_formatted} | errors {errors}',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let stopped = false;
  bar.start(total, start, { rate: '-', errors: 0 });
  return {
    update(done, errors) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? ((done - start) / seconds).toFixed(1) : '-', errors });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
