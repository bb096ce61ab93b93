// A small seeded generator (splitmix32) for the synthetic dataset. Each sample draws from its own
// stream derived from (seed, split, index), so sample i of a split is the same whatever the
// split sizes, and adding samples never changes the ones before.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A stream for one sample: (seed, label, index) hashed into a fresh state. */
  static forSample(seed: number, label: string, index: number): Rng {
    let h = (seed ^ 0x9e3779b9) >>> 0;
    for (const ch of `${label}#${index}`) h = Math.imul(h ^ (ch.codePointAt(0) as number), 0x01000193) >>> 0;
    return new Rng(mix(h));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix(this.state) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('expected a non-empty list to pick from');
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
