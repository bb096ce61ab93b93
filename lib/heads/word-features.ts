// The heads' optional sparse word-feature layer (`train --word-features`): hand-made features
// (data/word-features.ts, those of the linear baselines) hashed into a fixed table of per-label
// scores added to the head's scores — the CRF's emissions per word (NER: the word, its shape,
// affixes, a ±2 window) or the relation logits per pair (RE: the sentence's words, the head's,
// the tail's and those between them). A from-scratch encoder learns from a few thousand posts;
// this layer gives it the lexical evidence a linear model lives on, trained jointly with the rest.
//   scores[slot] += Σ_{f ∈ features(slot)} W[hash(f) mod buckets]        W (buckets, labels)
import { pairFeatures, type Span, tokenFeatures } from '../data/word-features.js';
import type { ParamSpec, ParamStore } from '../nn/params.js';

/** Rows of the hashed table (collisions share a row). */
export const WORD_FEATURE_BUCKETS = 1 << 18;

export function wordFeatureSpecs(prefix: string, numTags: number): ParamSpec[] {
  return [{ name: `${prefix}word_features.weight`, shape: [WORD_FEATURE_BUCKETS, numTags], init: 'zeros', decay: false, lr: 'features' }];
}

/** Feature rows per slot of a batch (a word slot b·maxWords + w, or a pair row): slot s owns ids[offsets[s] .. offsets[s+1]). */
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

/** Hashed rows of each slot's feature strings (null: a slot without features). */
function hashSlots(slots: readonly (readonly string[] | null)[]): WordFeatureIds {
  const offsets = new Int32Array(slots.length + 1);
  const ids: number[] = [];
  slots.forEach((features, s) => {
    if (features) ids.push(...new Set(features.map((f) => fnv1a(f) % WORD_FEATURE_BUCKETS)));
    offsets[s + 1] = ids.length;
  });
  return { offsets, ids: Int32Array.from(ids) };
}

/** NER: the rows of the first numWords[b] words of each sentence (padding slots own none). */
export function wordFeatureIds(sentences: readonly (readonly string[])[], numWords: Int32Array, maxWords: number): WordFeatureIds {
  return hashSlots(sentences.flatMap((tokens, b) => Array.from({ length: maxWords }, (_, w) => (w < numWords[b]! ? tokenFeatures(tokens, w) : null))));
}

/** RE: the rows of each (sentence, head, tail) pair. */
export function pairFeatureIds(pairs: readonly { tokens: readonly string[]; head: Span; tail: Span }[]): WordFeatureIds {
  return hashSlots(pairs.map((p) => pairFeatures(p.tokens, p.head, p.tail)));
}

export class WordFeatureLayer {
  /** The layer over `<prefix>word_features.weight` when the store has that table, else null. */
  static of(store: ParamStore, prefix: string, numTags: number): WordFeatureLayer | null {
    return store.slots.some((s) => s.name === `${prefix}word_features.weight`) ? new WordFeatureLayer(store, prefix, numTags) : null;
  }

  /** The batch's feature rows, which a head with this layer cannot do without. */
  static required(f: WordFeatureIds | undefined): WordFeatureIds {
    if (!f) throw new TypeError('this head has a word-feature layer: the batch needs its hashed features (encode them with the model\'s encode())');
    return f;
  }

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

  /** scores (slots, labels) += the rows of each slot's features. */
  addTo(emissions: Float32Array, f: WordFeatureIds): void {
    const w = this.store.get(`${this.prefix}word_features.weight`), L = this.numTags;
    for (let s = 0; s + 1 < f.offsets.length; s++) {
      for (let i = f.offsets[s]!; i < f.offsets[s + 1]!; i++) {
        const row = f.ids[i]! * L;
        for (let j = 0; j < L; j++) emissions[s * L + j]! += w[row + j]!;
      }
    }
  }

  /** Accumulates the table's gradient from the scores' gradient (slots, labels). */
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
