// Download progress on stderr: a bar with bytes, rate and ETA on a terminal, and one line per
// finished file everywhere (so logs show what was fetched and how fast).
import cliProgress from 'cli-progress';

export interface DownloadProgress {
  /** Bytes of the file present so far (resumed bytes included). */
  update(bytes: number): void;
  /** Ends the bar; `done` prints the summary line. */
  stop(done: boolean): void;
}

const SUMMARY_BYTES = 1 << 20;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/**
 * label: "org/name/file"; total: the file's size; start: bytes already there (a resumed
 * download); log: where the summary line goes; bar: draw a bar (on a terminal only).
 */
export function createDownloadProgress(
  label: string, total: number, start: number, o: { bar: boolean; log: (line: string) => void; stream?: NodeJS.WriteStream },
): DownloadProgress {
  const stream = o.stream ?? process.stderr;
  const began = Date.now();
  let last = start;
  let stopped = false;
  const rate = () => {
    const s = (Date.now() - began) / 1000;
    return s > 0 ? `${formatBytes(Math.round((last - start) / s))}/s` : '-';
  };
  const bar = o.bar && stream.isTTY
    ? new cliProgress.SingleBar({
        stream, barsize: 24, hideCursor: true, fps: 5, etaBuffer: 50,
        format: `${label} |{bar}| {have}/{size} | {rate} | ETA {eta_formatted}`,
      }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(total, start, { have: formatBytes(start), size: formatBytes(total), rate: '-' });
  return {
    update(bytes) {
      last = bytes;
      bar?.update(bytes, { have: formatBytes(bytes), rate: rate() });
    },
    stop(done) {
      if (stopped) return;
      stopped = true;
      bar?.stop();
      // Small files go by unremarked; large or resumed ones leave a line in any log.
      if (!done || (total < SUMMARY_BYTES && start === 0)) return;
      const s = (Date.now() - began) / 1000;
      const resumed = start > 0 ? `, resumed at ${formatBytes(start)}` : '';
      o.log(`downloaded ${label}: ${formatBytes(total)} in ${s.toFixed(1)} s (${rate()}${resumed})`);
    },
  };
}
