// Benchmark plumbing shared by bench/*.ts (docs/ARCHITECTURE.md, "Benchmarks"): median timing
// after warm-up, result lines as JSON ({"bench","shape","ours_ms","peer","peer_ms","ratio","unit",
// "value"}) or a table.
export { kTimedMs, kWarmupMs, median, timeMedian } from '../lib/bench/timing.js';

export interface BenchOptions {
  json: boolean;
  /** Repetitions timed per case (after warm-up). */
  reps: number;
}

export interface BenchResult {
  bench: string;
  shape: string;
  ours_ms: number;
  peer: string;
  peer_ms: number | null;
  /** peer_ms / ours_ms: above 1 means we are faster. */
  ratio: number | null;
  unit: string;
  /** Our throughput in `unit`. */
  value: number;
  /** The peer's throughput in `unit`, same run. */
  peer_value?: number | null;
  threads?: number;
  /** Alternating rounds (precision --rounds): ours_ms and peer_ms are the medians of the rounds, */
  rounds?: number;
  /** and this is the ratio of each side's best round. */
  best_ratio?: number;
}

/**
 * Waits for a peer process's threads to go idle before timing ours: OpenBLAS's workers (under
 * PyTorch) busy-wait for a while after each call, and on a 2-core machine that took a core from
 * our first ~100 ms, enough to move the median of a 2-thread case.
 */
export function settle(ms = 250): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const rows: BenchResult[] = [];

/** Prints a result now in --json mode, or collects it for the table printed by flushTable(). */
export function report(r: BenchResult, opts: BenchOptions): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    rows.push(r);
    const best = r.best_ratio ? `; best rounds ×${r.best_ratio.toFixed(2)}` : '';
    process.stderr.write(`  ${r.shape}: ${r.value.toFixed(1)} ${r.unit}${r.ratio ? ` (×${r.ratio.toFixed(2)} vs ${r.peer}${best})` : ''}\n`);
  }
}

export function flushTable(opts: BenchOptions): void {
  if (opts.json || rows.length === 0) return;
  const best = rows.some((r) => r.best_ratio !== undefined);  // a column only for alternating rounds
  const out = [
    `| bench | shape | ours ms | peer | peer ms | ratio (peer/ours) |${best ? ' best rounds |' : ''} ours | peer |`,
    `|---|---|---:|---|---:|---:|${best ? '---:|' : ''}---:|---:|`,
  ];
  for (const r of rows) {
    const fmt = (x: number | null | undefined, d = 2) => (x == null ? '–' : x.toFixed(d));
    out.push(
      `| ${r.bench} | ${r.shape} | ${fmt(r.ours_ms)} | ${r.peer} | ${fmt(r.peer_ms)} | ${fmt(r.ratio)} |${best ? ` ${fmt(r.best_ratio)} |` : ''} ${fmt(r.value, 1)} ${r.unit} | ${fmt(r.peer_value, 1)} ${r.unit} |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  rows.length = 0;
}

/** Throws when two results differ beyond tolerance: a benchmark never times a wrong answer. */
export function validate(label: string, ours: ArrayLike<number>, peer: ArrayLike<number>, rtol: number, atol: number): void {
  for (let i = 0; i < peer.length; i++) {
    const a = ours[i]!, b = peer[i]!;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
      throw new Error(`${label}: result mismatch at sample ${i}: ours ${a}, peer ${b}`);
    }
  }
}
