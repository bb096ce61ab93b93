// Batches for joint entity–relation extraction: the NER batch (BIO tags from the gold entities)
// plus each sentence's gold entities and related pairs, and the candidate pairs the relation
// classifier scores — gold pairs with sampled negatives in training, every ordered pair of
// predicted entities at inference. A pair reads four states: the first sub-token of the first
// and of the last word of the head span, then of the tail span.
import { spansToBio } from '../../data/bio.js';
import { randomUniform } from '../../runtime.js';
import type { WordPieceTokenizer } from '../../tokenizer/wordpiece.js';
import { type BatchOptions, encodeNerBatch, type NerBatch } from '../ner/batch.js';

export interface JointEntity {
  start: number;
  end: number;
  type: string;
}

export interface JointTriple {
  head: JointEntity;
  tail: JointEntity;
  relation: string;
}

/** One post for MJERE; entities and triples are absent at inference. */
export interface JointExample {
  id: string;
  tokens: string[];
  /** Gold entities; those of the triples are added to them. */
  entities?: JointEntity[];
  triples?: JointTriple[];
  context?: string;
  pixels?: Float32Array | null;
}

/** An ordered pair of entities (indices into a sentence's entity list) and its label id. */
export interface EntityPair {
  head: number;
  tail: number;
  label: number;
}

export interface JointBatch extends NerBatch {
  joint: JointExample[];
  /** Per sentence: its gold entities (unique span + type), null at inference. */
  goldEntities: JointEntity[][] | null;
  /** Per sentence: its related pairs (first relation of a pair), null at inference. */
  goldPairs: EntityPair[][] | null;
}

export interface JointBatchOptions extends BatchOptions {
  labelIndex?: ReadonlyMap<string, number>;
}

const key = (e: JointEntity) => `${e.start}:${e.end}:${e.type}`;

/** The unique (span, type) entities of an example: its entities, then those of its triples. */
export function entitiesOf(ex: Pick<JointExample, 'entities' | 'triples'>): JointEntity[] {
  const seen = new Map<string, JointEntity>();
  for (const e of ex.entities ?? []) seen.set(key(e), { start: e.start, end: e.end, type: e.type });
  for (const t of ex.triples ?? []) for (const e of [t.head, t.tail]) if (!seen.has(key(e))) seen.set(key(e), { start: e.start, end: e.end, type: e.type });
  return [...seen.values()];
}

export function encodeJointBatch(tokenizer: WordPieceTokenizer, examples: JointExample[], o: JointBatchOptions): JointBatch {
  const gold = examples.every((ex) => ex.triples !== undefined || ex.entities !== undefined);
  const entities = gold ? examples.map(entitiesOf) : null;
  const ner = encodeNerBatch(
    tokenizer,
    examples.map((ex, b) => ({
      id: ex.id, tokens: ex.tokens, ...(ex.context ? { context: ex.context } : {}), pixels: ex.pixels ?? null,
      ...(entities ? { tags: spansToBio(ex.tokens.length, entities[b]!) } : {}),
    })),
    o,
  );
  let goldPairs: EntityPair[][] | null = null;
  if (entities) {
    if (!o.labelIndex) throw new TypeError('encodeJointBatch: examples carry triples but no label index was given');
    goldPairs = examples.map((ex, b) => {
      const index = new Map(entities[b]!.map((e, i) => [key(e), i]));
      const pairs = new Map<string, EntityPair>();
      for (const t of ex.triples ?? []) {
        const label = o.labelIndex!.get(t.relation);
        if (label === undefined) throw new RangeError(`example ${ex.id}: unknown relation ${JSON.stringify(t.relation)}`);
        const head = index.get(key(t.head))!, tail = index.get(key(t.tail))!;
        if (!pairs.has(`${head}>${tail}`)) pairs.set(`${head}>${tail}`, { head, tail, label });
      }
      return [...pairs.values()];
    });
  }
  return { ...ner, joint: examples, goldEntities: entities, goldPairs };
}

/** Rows for the pair classifier: four flat state indices per pair, and each pair's target. */
export interface PairRows {
  rows: number;
  /** (rows · 4) */
  index: Int32Array;
  /** (rows) label ids (training) */
  targets: Int32Array;
  /** (rows) which sentence, and which entities of it. */
  owner: Int32Array;
  pairs: EntityPair[];
}

/** Whether a span's words all survived truncation. */
function kept(b: NerBatch, i: number, e: JointEntity): boolean {
  return e.end <= b.numWords[i]!;
}

function pairRows(b: NerBatch, entities: readonly JointEntity[][], chosen: EntityPair[][]): PairRows {
  const pairs = chosen.flat();
  const rows = pairs.length;
  const index = new Int32Array(rows * 4);
  const targets = new Int32Array(rows);
  const owner = new Int32Array(rows);
  let r = 0;
  chosen.forEach((list, i) => {
    const word = (w: number) => b.wordIndex[i * b.maxWords + w]!;
    for (const p of list) {
      const h = entities[i]![p.head]!, t = entities[i]![p.tail]!;
      index.set([word(h.start), word(h.end - 1), word(t.start), word(t.end - 1)], r * 4);
      targets[r] = p.label;
      owner[r] = i;
      r++;
    }
  });
  return { rows, index, targets, owner, pairs };
}

/**
 * Training pairs: every gold related pair, and up to ceil(negativeRatio · max(1, related)) of the
 * other ordered pairs of gold entities per sentence, labelled `none`, drawn with `seed`.
 */
export function trainingPairs(b: JointBatch, none: number, negativeRatio: number, seed: number): PairRows {
  if (!b.goldEntities || !b.goldPairs) throw new TypeError('trainingPairs needs a batch with gold triples');
  const chosen = b.goldEntities.map((ents, i) => {
    const related = b.goldPairs![i]!.filter((p) => kept(b, i, ents[p.head]!) && kept(b, i, ents[p.tail]!));
    const taken = new Set(b.goldPairs![i]!.map((p) => `${p.head}>${p.tail}`));
    const negatives: EntityPair[] = [];
    ents.forEach((h, hi) => ents.forEach((t, ti) => {
      if (hi !== ti && !taken.has(`${hi}>${ti}`) && kept(b, i, h) && kept(b, i, t)) negatives.push({ head: hi, tail: ti, label: none });
    }));
    const k = Math.min(negatives.length, Math.ceil(negativeRatio * Math.max(1, related.length)));
    if (k < negatives.length) {
      // partial Fisher–Yates: the first k places get a uniform sample without replacement
      const u = randomUniform(k, seed, i);
      for (let j = 0; j < k; j++) {
        const pick = j + Math.min(negatives.length - j - 1, Math.floor(u[j]! * (negatives.length - j)));
        [negatives[j], negatives[pick]] = [negatives[pick]!, negatives[j]!];
      }
    }
    return [...related, ...negatives.slice(0, k)];
  });
  return pairRows(b, b.goldEntities, chosen);
}

/** Inference pairs: every ordered pair of each sentence's entities (label ids are 0). */
export function allPairs(b: NerBatch, entities: readonly JointEntity[][]): PairRows {
  const chosen = entities.map((ents, i) => {
    const out: EntityPair[] = [];
    ents.forEach((h, hi) => ents.forEach((t, ti) => {
      if (hi !== ti && kept(b, i, h) && kept(b, i, t)) out.push({ head: hi, tail: ti, label: 0 });
    }));
    return out;
  });
  return pairRows(b, entities, chosen);
}

/** An ordered pair of spans of one sentence (types do not matter to the pair classifier). */
export interface SpanPair {
  head: { start: number; end: number };
  tail: { start: number; end: number };
}

/**
 * Rows for given pairs of spans (say, entities another input predicted): four flat state indices
 * per pair whose spans both survived truncation; `owner` and `slot` say which sentence and which of
 * its pairs each row is. Pairs with a span cut by truncation get no row.
 */
export function givenPairRows(b: NerBatch, pairs: readonly (readonly SpanPair[])[]): { rows: number; index: Int32Array; owner: Int32Array; slot: Int32Array } {
  const index: number[] = [];
  const owner: number[] = [];
  const slot: number[] = [];
  pairs.forEach((list, i) => {
    const word = (w: number) => b.wordIndex[i * b.maxWords + w]!;
    const fits = (s: { start: number; end: number }) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start < s.end && s.end <= b.numWords[i]!;
    list.forEach((p, j) => {
      if (!fits(p.head) || !fits(p.tail)) return;
      index.push(word(p.head.start), word(p.head.end - 1), word(p.tail.start), word(p.tail.end - 1));
      owner.push(i);
      slot.push(j);
    });
  });
  return { rows: owner.length, index: Int32Array.from(index), owner: Int32Array.from(owner), slot: Int32Array.from(slot) };
}
