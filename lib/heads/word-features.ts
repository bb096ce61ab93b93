// The NER head's optional sparse word-feature layer (`train --word-features`): each word's
// hand-made features (data/word-features.ts: the word, its shape, affixes, a ±2 window — those
// of the linear tagger baseline) hashed into a fixed table of per-tag scores that are added to
// the CRF's emissions. A from-scratch encoder learns from a few thousand posts; this layer gives
// it the spelling evidence a linear tagger lives on, trained jointly with the rest.
//   emissions[w] += Σ_{f ∈ features(w)} W[hash(f) mod buckets]        W (buckets, numTags)
import { tokenFeatures } from '../data/word-features.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';

/** Rows of the hashed table (collisions share a row). */
export const WORD_FEATURE_BUCKETS = 1 << 18;

export function wordFeatureSpecs(prefix: string, numTags: number): ParamSpec[] {
  return [{ name: `${prefix}word_features.weight`, shape: [WORD_FEATURE_BUCKETS, numTags], init: 'zeros', decay: false }];
}

/** Feature rows per word slot of a batch: slot s = b·maxWords + w owns ids[offsets[s] .. offsets[s+1]). */
export interface WordFeatureIds {
  offsets: Int32Array;
  ids: Int32Array;
}

/** 32-bit FNV-1a of the string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The feature rows of the first numWords[b] words of each sentence (padding slots own none). */
export function wordFeatureIds(sentences: readonly (readonly string[])[], numWords: Int32Array, maxWords: number): WordFeatureIds {
  const offsets = new Int32Array(sentences.length * maxWords + 1);
  const ids: number[] = [];
  sentences.forEach((tokens, b) => {
    for (let w = 0; w < maxWords; w++) {
      if (w < numWords[b]!) {
        const rows = new Set(tokenFeatures(tokens, w).map((f) => fnv1a(f) % WORD_FEATURE_BUCKETS));
        ids.push(...rows);
      }
      offsets[b * maxWords + w + 1] = ids.length;
    }
  });
  return { offsets, ids: Int32Array.from(ids) };
}

export class WordFeatureLayer {
  constructor(
    private readonly store: ParamStore,
    private readonly prefix: string,
    readonly numTags: number,
  ) {
    const slot = store.slot(`${prefix}word_features.weight`);
    if (slot.shape[0] !== WORD_FEATURE_BUCKETS || slot.shape[1] !== numTags) {
      throw new RangeError(`${prefix}word_features.weight has shape [${slot.shape}] but the layer expects [${WORD_FEATURE_BUCKETS}, ${numTags}]`);
    }
  }

  /** emissions (slots, numTags) += the rows of each slot's features. */
  addTo(emissions: Float32Array, f: WordFeatureIds): void {
    const w = this.store.get(`${this.prefix}word_features.weight`), L = this.numTags;
    for (let s = 0; s + 1 < f.offsets.length; s++) {
      for (let i = f.offsets[s]!; i < f.offsets[s + 1]!; i++) {
        const row = f.ids[i]! * L;
        for (let j = 0; j < L; j++) emissions[s * L + j]! += w[row + j]!;
      }
    }
  }

  /** Accumulates the table's gradient from the emissions' gradient (slots, numTags). */
  backward(demissions: Float32Array, f: WordFeatureIds): void {
    const g = this.store.grad(`${this.prefix}word_features.weight`), L = this.numTags;
    for (let s = 0; s + 1 < f.offsets.length; s++) {
      for (let i = f.offsets[s]!; i < f.offsets[s + 1]!; i++) {
        const row = f.ids[i]! * L;
        for (let j = 0; j < L; j++) g[row + j]! += demissions[s * L + j]!;
      }
    }
  }
}
