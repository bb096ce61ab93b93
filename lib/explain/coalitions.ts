// The three-player game of one post: players text, context and image; a coalition's value for an
// entity is the probability the model gives that entity (its span with its type) when only the
// coalition's players are present — text absent: its word-pieces replaced by [MASK] ([UNK] when
// the vocabulary has none), words keeping their positions; context absent: no context segment;
// image absent: no image. Shapley values are exact over the 2^3 coalitions (shapley.exactGame),
// so they sum to v(all) − v(none) (efficiency); a player the post or the model lacks changes no
// input, so it is a null player: it gets exactly 0 and the game is played by the others.
import type { ExtractedEntity, ExtractionModel, ModelInput, ModelOutput } from '../extract/types.js';
import { exactGame } from '../shapley/index.js';

export const PLAYERS = ['text', 'context', 'image'] as const;
export type Player = (typeof PLAYERS)[number];

/** Bit of each player in a coalition mask. */
export const BIT: Record<Player, number> = { text: 1, context: 2, image: 4 };

/** Which players the post actually has, for this model. */
export function presentPlayers(model: ExtractionModel, post: ModelInput): Record<Player, boolean> {
  return { text: true, context: model.usesContext && post.context !== undefined, image: model.image !== null && post.pixels !== null };
}

/** The input coalition `mask` sees. */
export function coalitionInput(post: ModelInput, mask: number): ModelInput {
  return {
    id: post.id, tokens: post.tokens, pixels: mask & BIT.image ? post.pixels : null,
    ...(mask & BIT.context && post.context !== undefined ? { context: post.context } : {}),
    ...(mask & BIT.text ? {} : { maskText: true }),
  };
}

export interface EntityAttribution {
  entity: ExtractedEntity;
  /** v(S) for every coalition mask 0..7 (bit 0 text, bit 1 context, bit 2 image). */
  values: number[];
  shapley: Record<Player, number>;
}

export interface PostGame {
  /** The model's output on the whole post (its entities are the ones explained). */
  output: ModelOutput;
  present: Record<Player, boolean>;
  attributions: EntityAttribution[];
}

/** Runs the post under every coalition (distinct inputs once, in one batch) and attributes each entity. */
export async function playPostGame(model: ExtractionModel, post: ModelInput): Promise<PostGame> {
  const present = presentPlayers(model, post);
  // Coalitions that differ only in players the post lacks see the same input: run it once.
  const effective = (mask: number) => PLAYERS.reduce((m, p) => (mask & BIT[p] && present[p] ? m | BIT[p] : m), 0);
  const distinct = [...new Set(Array.from({ length: 8 }, (_, m) => effective(m)))].sort((a, b) => b - a);
  const outputs = await model.run(distinct.map((m) => coalitionInput(post, m)));
  const byMask = new Map(distinct.map((m, i) => [m, outputs[i]!]));
  const output = byMask.get(effective(7))!;
  const attributions: EntityAttribution[] = [];
  // The game over the present players only: an absent (null) player's value is then exactly 0, not
  // 0 up to rounding, and the others' values are those of the full game.
  const players = PLAYERS.filter((p) => present[p]);
  const maskOf = (sub: number) => players.reduce((m, p, i) => (sub & (1 << i) ? m | BIT[p] : m), 0);
  for (const entity of output.entities) {
    const values = Array.from({ length: 8 }, (_, m) => byMask.get(effective(m))!.score(entity));
    const phi = await exactGame(Float64Array.from({ length: 1 << players.length }, (_, sub) => values[maskOf(sub)]!), players.length);
    const shapley = { text: 0, context: 0, image: 0 };
    players.forEach((p, i) => (shapley[p] = phi[i]!));
    attributions.push({ entity, values, shapley });
  }
  return { output, present, attributions };
}
