// Sparse features of the linear baselines: string features interned into ids. The index grows
// while the training split is featurised and is frozen afterwards, so a feature seen only in dev
// or test maps to nothing (it has no weight to read).

/** Feature strings → ids; `freeze()` stops it from growing. */
export class FeatureIndex {
  private readonly ids = new Map<string, number>();
  private frozen = false;

  constructor(names: Iterable<string> = []) {
    for (const n of names) this.ids.set(n, this.ids.size);
  }

  get size(): number {
    return this.ids.size;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** The ids of the known features (new ones are added while not frozen), each once. */
  encode(features: readonly string[]): Int32Array {
    const out: number[] = [];
    const seen = new Set<number>();
    for (const f of features) {
      let id = this.ids.get(f);
      if (id === undefined && !this.frozen) {
        id = this.ids.size;
        this.ids.set(f, id);
      }
      if (id !== undefined && !seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
    }
    return Int32Array.from(out);
  }

  names(): string[] {
    return [...this.ids.keys()];
  }
}

export { pairFeatures, tokenFeatures, wordShape } from '../data/word-features.js';
export type { Span } from '../data/word-features.js';
