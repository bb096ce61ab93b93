// The training progress bar on stderr (stdout stays free for results): steps, epoch, smoothed
// loss, samples/s and ETA. Drawn only on a terminal; elsewhere (CI, pipes, tests) it is silent
// and the JSONL log is the record.
import cliProgress from 'cli-progress';

export interface TrainProgress {
  /** After an update: steps done, the epoch (0-based), the step's loss and samples/s. */
  step(done: number, epoch: number, loss: number, samplesPerSec: number): void;
  /** A short status in place of the loss column (e.g. "evaluating dev"). */
  status(text: string): void;
  stop(): void;
}

const SILENT: TrainProgress = { step() {}, status() {}, stop() {} };

/** A bar over `total` steps starting at `start`, or a silent one when disabled or not a terminal. */
export function createTrainProgress(
  total: number,
  start: number,
  epochs: number,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): TrainProgress {
  if (!enabled || !stream.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'train |{bar}| {value}/{total} | epoch {epoch}/{epochs} | {what} | {rate} samples/s | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  // The bar shows an exponential moving average: a single step's loss is too noisy to read.
  let avgLoss = NaN;
  let avgRate = NaN;
  let stopped = false;
  bar.start(total, start, { epoch: 1, epochs, what: 'loss -', rate: '-' });
  return {
    step(done, epoch, loss, rate) {
      avgLoss = Number.isNaN(avgLoss) ? loss : 0.9 * avgLoss + 0.1 * loss;
      avgRate = Number.isNaN(avgRate) ? rate : 0.9 * avgRate + 0.1 * rate;
      bar.update(done, { epoch: epoch + 1, what: `loss ${avgLoss.toFixed(4)}`, rate: avgRate.toFixed(1) });
    },
    status(text) {
      bar.update({ what: text });
    },
    stop() {
      // Idempotent: the trainer stops the bar before the test and again on any way out.
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
