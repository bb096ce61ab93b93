// `explain`: for one post, what text, context and image each contribute to every entity and every
// relation the model extracts (exact Shapley values of the three-player game, coalitions.ts), the
// fusion gate's mean strength, and the context's Shapley value in its batch game (batch-game.ts).
import { ContextSource, type ContextSourceOptions } from '../extract/contexts.js';
import { preparePost, type PreparedPost } from '../extract/prepare.js';
import { checkRecord, type SourceItem, withFields } from '../extract/records.js';
import { fileItems, type InputFormat } from '../extract/sources.js';
import type { ExtractedEntity, ExtractedRelation, ExtractionModel, ExtractRecord } from '../extract/types.js';
import { type BatchGameValue, contextBatchValue, MAX_BATCH_GAME } from './batch-game.js';
import { PLAYERS, type Player, playPostGame } from './coalitions.js';

/** A target's attribution: the values of the game and each player's Shapley value. */
export interface Attribution {
  /** Shapley value of each player; they sum to full − empty. */
  shapley: Record<Player, number>;
  /** v(text, context, image): the target's score. */
  full: number;
  /** v(∅): the score with the text masked, no context and no image. */
  empty: number;
  /** v(S) by coalition, named like "text+image" ("none" for ∅). */
  coalitions: Record<string, number>;
}

export interface EntityExplanation extends ExtractedEntity, Attribution {}

/** A relation (as extracted) with the attribution of its label's probability for its pair. */
export type RelationExplanation = ExtractedRelation & Attribution;

export interface Explanation {
  /** The model's task: ner, re or joint. */
  task: string;
  id: string;
  tokens: string[];
  context: string | null;
  /** Whether the post's image was used (false: none given, unreadable, or no image encoder). */
  image: boolean;
  imageError?: string;
  contextError?: string;
  /** The players the post has for this model; an absent one is a null player (value 0). */
  players: Record<Player, boolean>;
  /** What "text absent" means: its word-pieces replaced by this token. */
  maskToken: string;
  /** Mean fusion gate over the post's tokens and channels; null without an image or fusion. */
  gate: number | null;
  entities: EntityExplanation[];
  /** Relation and joint models: the relations (joint: heads and tails index `entities`). */
  relations?: RelationExplanation[];
  batchGame: BatchGameValue | { skipped: string };
}

function coalitionName(mask: number): string {
  const names = PLAYERS.filter((_, i) => mask & (1 << i));
  return names.length ? names.join('+') : 'none';
}

function attribution(a: { values: number[]; shapley: Record<Player, number> }): Attribution {
  return { shapley: a.shapley, full: a.values[7]!, empty: a.values[0]!, coalitions: Object.fromEntries(a.values.map((v, m) => [coalitionName(m), v])) };
}

/** Explains a prepared post; `others` (prepared posts of the same input) form its batch game. */
export async function explainPost(model: ExtractionModel, post: PreparedPost, others: PreparedPost[] = []): Promise<Explanation> {
  if (!post.input) throw new RangeError(post.error ?? `post ${post.id} cannot be read`);
  const input = post.input;
  const game = await playPostGame(model, input);
  const batch = await contextBatchValue(model, input, others.flatMap((o) => (o.input ? [o.input] : [])));
  const gate = game.present.image && model.fusion ? game.output.gate : null;
  return {
    task: model.task, id: post.id, tokens: post.tokens, context: game.present.context ? input.context! : null, image: game.present.image,
    ...(post.imageError ? { imageError: post.imageError } : {}), ...(post.contextError ? { contextError: post.contextError } : {}),
    players: game.present, maskToken: model.maskToken, gate,
    entities: game.attributions.map((a) => ({ ...a.entity, ...attribution(a) })),
    ...(game.output.relations ? { relations: game.relationAttributions.map((a) => ({ ...a.relation, ...attribution(a) })) } : {}),
    batchGame: batch.ok ? batch.game : { skipped: batch.reason },
  };
}

export interface ExplainSourceOptions extends ContextSourceOptions {
  /** Relative image paths resolve here. Default the working directory. */
  imagesDir?: string;
  /** Posts in the batch game, the explained one included (2..20). Default 8. */
  batchSize?: number;
}

/** Prepares a post given directly (--text). */
export async function preparedRecord(model: ExtractionModel, record: ExtractRecord, o: ExplainSourceOptions = {}): Promise<PreparedPost> {
  const ctx = { model, contexts: new ContextSource(o), imagesDir: o.imagesDir ?? process.cwd() };
  return preparePost({ value: record, fallbackId: 'post', where: 'the post' }, ctx);
}

/**
 * Finds the post with `id` in a file and the posts nearest to it (for the batch game), reading no
 * further than needed and keeping only those. `override` replaces fields of the found record.
 */
export async function preparedFromFile(
  model: ExtractionModel,
  file: string,
  format: InputFormat,
  id: string,
  o: ExplainSourceOptions & { override?: Partial<ExtractRecord> } = {},
): Promise<{ post: PreparedPost; others: PreparedPost[] }> {
  const k = o.batchSize ?? 8;
  if (!Number.isInteger(k) || k < 2 || k > MAX_BATCH_GAME) throw new RangeError(`expected a batch size in [2, ${MAX_BATCH_GAME}] but received ${k}`);
  const before: SourceItem[] = [];
  const after: SourceItem[] = [];
  let found: SourceItem | null = null;
  const pair = model.pair ?? false;
  for await (const item of fileItems(file, format, { images: o.imagesDir !== undefined })) {
    const checked = checkRecord(item, { pair });
    if (found) {
      if (checked.ok) after.push(item);
      if (after.length >= k - 1) break;
    } else if ((checked.ok ? checked.record.id : checked.id) === id) {
      found = item; // even when malformed: preparing it then says why (an override may also fix it)
    } else if (checked.ok) {
      before.push(item);
      if (before.length > k - 1) before.shift();
    }
  }
  if (!found) throw new Error(`${file}: no record with id ${JSON.stringify(id)}`);
  // the nearest neighbours first, alternating after / before
  const near: SourceItem[] = [];
  for (let i = 0; near.length < k - 1 && (i < after.length || i < before.length); i++) {
    if (i < after.length) near.push(after[i]!);
    if (i < before.length && near.length < k - 1) near.push(before[before.length - 1 - i]!);
  }
  const ctx = { model, contexts: new ContextSource(o), imagesDir: o.imagesDir ?? process.cwd() };
  const post = await preparePost(o.override ? withFields(found, o.override) : found, ctx);
  const others = await Promise.all(near.map((item) => preparePost(item, ctx)));
  return { post, others };
}
