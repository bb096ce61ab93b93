// A small seeded generator for the fuzzers (mulberry32): the same seed gives the same cases.
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

/** The fuzz seed: FUZZ_SEED, else a fixed one (runs are reproducible; print it in failures). */
export const fuzzSeed = (): number => Number(process.env.FUZZ_SEED ?? 20261204);
/** Seconds each fuzzer runs: FUZZ_SECONDS (longer runs on request), else its default. */
export const fuzzSeconds = (fallback: number): number => Number(process.env.FUZZ_SECONDS ?? fallback);
