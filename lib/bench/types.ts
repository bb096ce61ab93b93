import type { Precision } from '../precision.js';

/** One measured case of `shapca bench`. */
export interface BenchRow {
  bench: string;
  /** What ran, e.g. "linear 2048x3072x768". */
  case: string;
  precision: Precision;
  threads: number;
  ms: number;
  /** Throughput in `unit`. */
  value: number;
  unit: string;
  /** Arithmetic rate, where the case has a known operation count. */
  gflops?: number;
  /** gflops over the machine's measured ceiling at this precision and thread count. */
  peakFraction?: number;
}

export interface BenchRunOptions {
  /** Thread counts to run each case at. */
  threads: number[];
  /** Timed repetitions per case (at least; each case is also timed over ≥ 200 ms). */
  reps: number;
  /** Called with each row as soon as it is measured. */
  onRow: (row: BenchRow) => void;
  /** Progress notes (what is about to run). */
  onNote?: (note: string) => void;
}
