// The context's Shapley value in its batch game (docs/ARCHITECTURE.md, "Shapley batch games"): the post among k posts, players =
// the k contexts' alignment embeddings, targets = the k texts'; game j scores coalitions of
// contexts against text j with the model's utility. What Shap-CA trains to be high is the post's
// own context's value in its own text's game, relative to the other contexts. Exact (2^k
// coalitions), so k is at most 20.
import type { ExtractionModel, ModelInput } from '../extract/types.js';
import { values } from '../shapley/index.js';

export const MAX_BATCH_GAME = 20;

export interface BatchGameValue {
  /** Posts in the game; the explained post is `index`. */
  ids: string[];
  index: number;
  utility: string;
  /** φ of the post's context in its own text's game. */
  value: number;
  /** 1 = the most valuable of the k contexts in that game. */
  rank: number;
  /** φ of every context in the post's game (player order = ids). */
  game: number[];
  /** φ of the post's context in the other posts' games (its value where it is not the answer). */
  elsewhere: number[];
}

export type BatchGameResult = { ok: true; game: BatchGameValue } | { ok: false; reason: string };

/** The game over `[post, ...others]`; others without a context are left out. */
export async function contextBatchValue(model: ExtractionModel, post: ModelInput, others: ModelInput[]): Promise<BatchGameResult> {
  if (!model.usesContext) return { ok: false, reason: 'the model was trained without contexts' };
  if (post.context === undefined) return { ok: false, reason: 'the post has no context' };
  const batch = [post, ...others.filter((o) => o.context !== undefined && o.id !== post.id)].slice(0, MAX_BATCH_GAME);
  if (batch.length < 2) return { ok: false, reason: 'no other post with a context to form a batch (give --input with more posts)' };
  const emb = await model.alignment(batch.map((x) => ({ ...x, pixels: null })));
  if (!emb) return { ok: false, reason: 'the model has no alignment head' };
  const k = batch.length;
  const { phi } = await values({
    players: emb.context, targets: emb.text, k, n: k, d: emb.dim, method: 'exact', utility: emb.utility, tauU: emb.tauU,
  });
  const game = Array.from(phi.subarray(0, k)); // game 0: the post's text; player 0: its context
  const value = game[0]!;
  return {
    ok: true,
    game: {
      ids: batch.map((x) => x.id), index: 0, utility: emb.utility, value, rank: 1 + game.filter((g) => g > value).length, game,
      elsewhere: Array.from({ length: k - 1 }, (_, j) => phi[(j + 1) * k]!),
    },
  };
}
