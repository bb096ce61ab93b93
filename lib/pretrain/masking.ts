// Whole-word masking for masked-language-model pretraining (BERT's recipe with Google's
// whole-word variant): a share of the words (15 %) is chosen, and every sub-token of a chosen word
// becomes a prediction target; each target token is replaced by [MASK] with probability 0.8, by a
// random token with 0.1, and left as it is with 0.1.
import { Rng } from '../data/synthetic/rng.js';

export interface MaskingOptions {
  /** Share of the words chosen. Default 0.15. */
  wordShare?: number;
  /** Of the chosen tokens: replaced by [MASK]. Default 0.8. */
  maskShare?: number;
  /** Of the chosen tokens: replaced by a random token. Default 0.1 (the rest keep their id). */
  randomShare?: number;
}

export interface MaskedSequence {
  /** The ids with the replacements made. */
  inputIds: number[];
  /** Positions chosen (ascending). */
  positions: number[];
  /** The original id at each chosen position. */
  targets: number[];
}

/**
 * Masks one sequence. `wordIds[t]` is the word token t belongs to (−1 for special tokens, which are
 * never chosen); `round(share · words)` words are chosen (at least one when there is a word).
 * Random replacements are drawn from `randomIds` (the ordinary tokens of the vocabulary).
 */
export function maskWholeWords(
  inputIds: readonly number[],
  wordIds: readonly number[],
  rng: Rng,
  ids: { mask: number; randomIds: Int32Array },
  o: MaskingOptions = {},
): MaskedSequence {
  const share = o.wordShare ?? 0.15;
  const maskShare = o.maskShare ?? 0.8;
  const randomShare = o.randomShare ?? 0.1;
  if (!(share > 0 && share <= 1) || !(maskShare >= 0 && randomShare >= 0 && maskShare + randomShare <= 1)) {
    throw new RangeError(`expected 0 < wordShare <= 1 and maskShare + randomShare <= 1 but received ${share}, ${maskShare}, ${randomShare}`);
  }
  if (ids.randomIds.length === 0) throw new RangeError('expected at least one ordinary token to draw random replacements from');
  const tokensOf = new Map<number, number[]>();
  wordIds.forEach((w, t) => {
    if (w < 0) return;
    const list = tokensOf.get(w);
    if (list) list.push(t);
    else tokensOf.set(w, [t]);
  });
  const words = [...tokensOf.keys()];
  const count = words.length === 0 ? 0 : Math.max(1, Math.round(share * words.length));
  // A partial Fisher–Yates shuffle picks `count` distinct words.
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(words.length - i);
    [words[i], words[j]] = [words[j]!, words[i]!];
  }
  const positions = words.slice(0, count).flatMap((w) => tokensOf.get(w)!).sort((a, b) => a - b);
  const out = [...inputIds];
  const targets = positions.map((p) => {
    const r = rng.next();
    if (r < maskShare) out[p] = ids.mask;
    else if (r < maskShare + randomShare) out[p] = ids.randomIds[rng.int(ids.randomIds.length)]!;
    return inputIds[p]!;
  });
  return { inputIds: out, positions, targets };
}
