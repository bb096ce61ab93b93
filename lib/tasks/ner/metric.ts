// Entity-level evaluation of BIO tag sequences: micro and per-type P/R/F1, with conlleval's
// chunking (the number the MNER literature reports) and the strict variant beside it.
import { chunksOf, type ChunkScheme } from '../../data/bio.js';
import { PrfCounter, type PRF } from '../../metrics/f1.js';

export interface NerScores {
  scheme: ChunkScheme;
  micro: PRF;
  perType: Record<string, PRF>;
  /** Token accuracy over all tokens, as conlleval prints it. */
  tokenAccuracy: number;
}

/**
 * Scores predicted tag sequences against gold ones (same sentences, same lengths).
 * @throws Error naming the sentence when lengths differ.
 */
export function scoreNer(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[], scheme: ChunkScheme = 'conlleval'): NerScores {
  if (gold.length !== pred.length) {
    throw new Error(`scoreNer: expected ${gold.length} predicted sentences (one per gold sentence) but received ${pred.length}`);
  }
  const counter = new PrfCounter();
  let tokens = 0;
  let tokensCorrect = 0;
  gold.forEach((g, i) => {
    const p = pred[i]!;
    if (g.length !== p.length) {
      throw new Error(`scoreNer: sentence ${i} has ${g.length} gold tags but ${p.length} predicted`);
    }
    const key = (c: { type: string; start: number; end: number }) => `${c.type}\u0000${c.start}\u0000${c.end}`;
    const goldChunks = chunksOf(g, scheme);
    const predChunks = chunksOf(p, scheme);
    const goldKeys = new Set(goldChunks.map(key));
    for (const c of goldChunks) counter.add(c.type, 'gold');
    for (const c of predChunks) {
      counter.add(c.type, 'predicted');
      if (goldKeys.has(key(c))) counter.add(c.type, 'correct');
    }
    tokens += g.length;
    g.forEach((t, j) => {
      if (t === p[j]) tokensCorrect++;
    });
  });
  return { scheme, micro: counter.micro(), perType: counter.perLabel(), tokenAccuracy: tokens ? tokensCorrect / tokens : 0 };
}
