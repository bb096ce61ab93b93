// From corpus documents to masked batches: [CLS] text [SEP] (context [SEP]) with token types 0 / 1
// as the task models read them (the context is cut first), every whitespace word of both segments
// a unit of whole-word masking, and the chosen positions with their original ids as targets.
import type { Rng } from '../data/synthetic/rng.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { CorpusDocument } from './corpus.js';
import { maskWholeWords, type MaskingOptions } from './masking.js';

export interface MlmBatch {
  batch: number;
  seqLen: number;
  /** (batch, seqLen) ids after masking. */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  /** (masked): flat index b·seqLen + t of every prediction target. */
  positions: Int32Array;
  /** (masked): the original id at each position. */
  targets: Int32Array;
  /** Words in the batch (for statistics). */
  words: number;
}

export interface EncodedDocument {
  ids: number[];
  types: number[];
  /** Per token: its word (text words first, then context words), −1 for [CLS] / [SEP]. */
  wordIds: number[];
}

const CACHE_LIMIT = 200_000;

export class MlmBatcher {
  private readonly cache = new Map<string, number[]>();
  private readonly maskId: number;
  private readonly randomIds: Int32Array;

  constructor(
    readonly tokenizer: WordPieceTokenizer,
    readonly maxLength: number,
    readonly masking: MaskingOptions = {},
  ) {
    if (!Number.isInteger(maxLength) || maxLength < 4) throw new RangeError(`expected maxLength >= 4 but received ${maxLength}`);
    const mask = tokenizer.tokenToId('[MASK]');
    if (mask === undefined) throw new RangeError('the vocabulary has no [MASK] token');
    this.maskId = mask;
    // Random replacements are ordinary tokens: no special or added token ([PAD], [CLS], markers...).
    const special = new Set((tokenizer.toJson().added_tokens ?? []).map((a) => a.id));
    for (const t of ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']) {
      const id = tokenizer.tokenToId(t);
      if (id !== undefined) special.add(id);
    }
    this.randomIds = Int32Array.from({ length: tokenizer.vocabSize }, (_, i) => i).filter((i) => !special.has(i));
  }

  private pieces(word: string): number[] {
    let ids = this.cache.get(word);
    if (!ids) {
      ids = this.tokenizer.encodeText(word);
      if (ids.length === 0) ids = [this.tokenizer.unkId];
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }

  private segment(text: string, firstWord: number): { ids: number[]; wordIds: number[] } {
    const ids: number[] = [];
    const wordIds: number[] = [];
    text.split(/\s+/).filter(Boolean).forEach((w, i) => {
      for (const id of this.pieces(w)) {
        ids.push(id);
        wordIds.push(firstWord + i);
      }
    });
    return { ids, wordIds };
  }

  /** One document's tokens, truncated to maxLength (the context first, then the text). */
  encode(doc: CorpusDocument): EncodedDocument {
    const text = this.segment(doc.text, 0);
    const firstContextWord = (text.wordIds.at(-1) ?? -1) + 1;
    const ctx = doc.context ? this.segment(doc.context, firstContextWord) : { ids: [], wordIds: [] };
    const budget = this.maxLength - (ctx.ids.length > 0 ? 3 : 2);
    const keepCtx = Math.max(0, Math.min(ctx.ids.length, budget - text.ids.length));
    const keepText = Math.min(text.ids.length, this.maxLength - (keepCtx > 0 ? 3 : 2));
    const { clsId, sepId } = this.tokenizer;
    const ids = [clsId, ...text.ids.slice(0, keepText), sepId];
    const wordIds = [-1, ...text.wordIds.slice(0, keepText), -1];
    const types = ids.map(() => 0);
    if (keepCtx > 0) {
      ids.push(...ctx.ids.slice(0, keepCtx), sepId);
      wordIds.push(...ctx.wordIds.slice(0, keepCtx), -1);
      types.push(...Array.from({ length: keepCtx + 1 }, () => 1));
    }
    return { ids, types, wordIds };
  }

  /** Encodes and masks documents into one padded batch; the masking draws from `rng`. */
  batch(docs: readonly CorpusDocument[], rng: Rng): MlmBatch {
    const encoded = docs.map((d) => this.encode(d));
    const batch = encoded.length;
    const seqLen = Math.max(1, ...encoded.map((e) => e.ids.length));
    const inputIds = new Int32Array(batch * seqLen).fill(this.tokenizer.padId);
    const attentionMask = new Int32Array(batch * seqLen);
    const tokenTypeIds = new Int32Array(batch * seqLen);
    const positions: number[] = [];
    const targets: number[] = [];
    let words = 0;
    encoded.forEach((e, b) => {
      const m = maskWholeWords(e.ids, e.wordIds, rng, { mask: this.maskId, randomIds: this.randomIds }, this.masking);
      inputIds.set(m.inputIds, b * seqLen);
      tokenTypeIds.set(e.types, b * seqLen);
      attentionMask.fill(1, b * seqLen, b * seqLen + e.ids.length);
      for (const p of m.positions) positions.push(b * seqLen + p);
      targets.push(...m.targets);
      words += new Set(e.wordIds.filter((w) => w >= 0)).size;
    });
    return { batch, seqLen, inputIds, attentionMask, tokenTypeIds, positions: Int32Array.from(positions), targets: Int32Array.from(targets), words };
  }
}
