// The three-player game of one post: players text, context and image; a coalition's value for an
// entity is the probability the model gives that entity (its span with its type), for a relation
// the probability the relation classifier gives its label for its pair (ModelOutput.relationScore),
// when only the coalition's players are present — text absent: its word-pieces replaced by [MASK] ([UNK] when
// the vocabulary has none), words keeping their positions; context absent: no context segment;
// image absent: no image. Shapley values are exact over the 2^3 coalitions (shapley.exactGame),
// so they sum to v(all) − v(none) (efficiency); a player the post or the model lacks changes no
// input, so it is a null player: it gets exactly 0 and the game is played by the others.
//
// The whole post runs first; the other coalitions then run in one batch, asked to score the pairs
// of the whole post's relations (a joint model scores them even where it would not extract them).
import type { ExtractedEntity, ExtractedRelation, ExtractedSpan, ExtractionModel, ModelInput, ModelOutput, RelationTarget, Span } from '../extract/types.js';
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
    ...(post.pair ? { pair: post.pair } : {}), ...(post.scorePairs ? { scorePairs: post.scorePairs } : {}),
  };
}

export interface EntityAttribution {
  entity: ExtractedEntity;
  /** v(S) for every coalition mask 0..7 (bit 0 text, bit 1 context, bit 2 image). */
  values: number[];
  shapley: Record<Player, number>;
}

export interface RelationAttribution {
  relation: ExtractedRelation;
  /** v(S) for every coalition mask 0..7, as for entities. */
  values: number[];
  shapley: Record<Player, number>;
}

export interface PostGame {
  /** The model's output on the whole post (its entities and relations are the ones explained). */
  output: ModelOutput;
  present: Record<Player, boolean>;
  attributions: EntityAttribution[];
  relationAttributions: RelationAttribution[];
}

/** The relation as a target: its label over its head and tail spans. */
export function relationTarget(r: ExtractedRelation, entities: readonly ExtractedEntity[]): RelationTarget {
  const span = (x: number | ExtractedSpan): Span => {
    const s = typeof x === 'number' ? entities[x] : x;
    if (!s) throw new RangeError(`relation refers to entity ${String(x)} but the post has ${entities.length}`);
    return { start: s.start, end: s.end };
  };
  return { head: span(r.head), tail: span(r.tail), label: r.label };
}

/** Runs the post under every coalition (distinct inputs once) and attributes each entity and relation. */
export async function playPostGame(model: ExtractionModel, post: ModelInput): Promise<PostGame> {
  const present = presentPlayers(model, post);
  // Coalitions that differ only in players the post lacks see the same input: run it once.
  const effective = (mask: number) => PLAYERS.reduce((m, p) => (mask & BIT[p] && present[p] ? m | BIT[p] : m), 0);
  const full = effective(7);
  const output = (await model.run([coalitionInput(post, full)]))[0]!;
  const relations = output.relations ?? [];
  if (relations.length > 0 && !output.relationScore) throw new TypeError(`the ${model.task} model reports relations but cannot score them (no relationScore)`);
  const targets = relations.map((r) => relationTarget(r, output.entities));
  const asked: ModelInput = targets.length ? { ...post, scorePairs: targets.map((t) => ({ head: t.head, tail: t.tail })) } : post;
  const rest = [...new Set(Array.from({ length: 8 }, (_, m) => effective(m)))].filter((m) => m !== full).sort((a, b) => b - a);
  const outputs = rest.length ? await model.run(rest.map((m) => coalitionInput(asked, m))) : [];
  const byMask = new Map<number, ModelOutput>([[full, output], ...rest.map((m, i): [number, ModelOutput] => [m, outputs[i]!])]);
  // The game over the present players only: an absent (null) player's value is then exactly 0, not
  // 0 up to rounding, and the others' values are those of the full game.
  const players = PLAYERS.filter((p) => present[p]);
  const maskOf = (sub: number) => players.reduce((m, p, i) => (sub & (1 << i) ? m | BIT[p] : m), 0);
  const attribute = async (value: (o: ModelOutput) => number) => {
    const values = Array.from({ length: 8 }, (_, m) => value(byMask.get(effective(m))!));
    const phi = await exactGame(Float64Array.from({ length: 1 << players.length }, (_, sub) => values[maskOf(sub)]!), players.length);
    const shapley = { text: 0, context: 0, image: 0 };
    players.forEach((p, i) => (shapley[p] = phi[i]!));
    return { values, shapley };
  };
  const attributions: EntityAttribution[] = [];
  for (const entity of output.entities) attributions.push({ entity, ...(await attribute((o) => o.score(entity))) });
  const relationAttributions: RelationAttribution[] = [];
  for (const [i, relation] of relations.entries()) {
    relationAttributions.push({ relation, ...(await attribute((o) => o.relationScore!(targets[i]!))) });
  }
  return { output: output, present, attributions, relationAttributions };
}
