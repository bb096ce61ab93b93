// BERT WordPiece tokenization over @huggingface/tokenizers (HF tokenizer.json semantics), with
// what extraction needs on top: [CLS] text [SEP] context [SEP] pairs with token types, context
// truncated first, word → sub-token alignment for tagging, added marker tokens, padding.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Tokenizer } from '@huggingface/tokenizers';

import { writeFileAtomic } from '../util/atomic-write.js';
import { readRegularFile } from '../util/bounded-read.js';
import { addedToken, bertTokenizerJson, parseVocabTxt, type TokenizerJson } from './tokenizer-json.js';

/** Largest tokenizer file read (BERT's tokenizer.json is under 1 MiB; large multilingual ones reach tens). */
const MAX_TOKENIZER_BYTES = 256 * 1024 * 1024;

export interface EncodeOptions {
  /** The text: a string, or its words (then `wordStarts` / `wordIds` align words and sub-tokens). */
  text: string | string[];
  /** The second segment (token type 1), e.g. the image's generated context. */
  context?: string;
  /** Longest output, special tokens included. The context is cut first, then the text. Default 512. */
  maxLength?: number;
}

export interface Encoding {
  inputIds: number[];
  tokenTypeIds: number[];
  /** Token range [start, end) of the text and of the context ([n, n) when there is none). */
  textSpan: [number, number];
  contextSpan: [number, number];
  /** Per word of a word-list text: the index of its first sub-token, or -1 when truncated away. */
  wordStarts?: number[];
  /** Per token: the index of the text word it comes from, or -1 (special tokens, context). */
  wordIds?: number[];
  /** How many tokens truncation removed from each segment. */
  truncated: { text: number; context: number };
}

export interface PaddedBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batch: number;
  seqLen: number;
}

export class WordPieceTokenizer {
  private json: TokenizerJson;
  private tok: Tokenizer;
  private idToTok: string[] = [];

  private constructor(json: TokenizerJson) {
    this.json = json;
    this.tok = new Tokenizer(json, {});
    this.index();
  }

  /** From an HF tokenizer.json object (a WordPiece model). */
  static fromJson(json: TokenizerJson): WordPieceTokenizer {
    if (json?.model?.type !== 'WordPiece') {
      throw new TypeError(`expected a WordPiece tokenizer.json but the model type is ${JSON.stringify(json?.model?.type)}`);
    }
    return new WordPieceTokenizer(structuredClone(json));
  }

  /** From a vocabulary in id order (vocab.txt lines). Default lowercase (uncased BERT). */
  static fromVocab(vocab: string[], o: { lowercase?: boolean } = {}): WordPieceTokenizer {
    return new WordPieceTokenizer(bertTokenizerJson(vocab, o));
  }

  /**
   * From a file (tokenizer.json or vocab.txt) or a directory holding one of them (tokenizer.json
   * preferred; with vocab.txt, tokenizer_config.json's do_lower_case is honoured).
   */
  static async load(path: string, o: { lowercase?: boolean } = {}): Promise<WordPieceTokenizer> {
    let file = path;
    let lowercase = o.lowercase;
    if (!path.endsWith('.json') && !path.endsWith('.txt')) {
      file = existsSync(join(path, 'tokenizer.json')) ? join(path, 'tokenizer.json') : join(path, 'vocab.txt');
      const cfgPath = join(path, 'tokenizer_config.json');
      if (lowercase === undefined && existsSync(cfgPath)) {
        let cfg: { do_lower_case?: unknown };
        try {
          cfg = JSON.parse((await readRegularFile(cfgPath, MAX_TOKENIZER_BYTES, 'a tokenizer config')).toString('utf8')) as { do_lower_case?: unknown };
        } catch (err) {
          throw new Error(`${cfgPath}: ${(err as Error).message.replace(/\s+/g, ' ')}`);
        }
        if (typeof cfg.do_lower_case === 'boolean') lowercase = cfg.do_lower_case;
      }
    }
    let text: string;
    try {
      text = (await readRegularFile(file, MAX_TOKENIZER_BYTES, 'a tokenizer file')).toString('utf8');
    } catch (err) {
      throw new Error(`${file}: cannot read the tokenizer (${(err as Error).message})`);
    }
    if (file.endsWith('.json')) {
      try {
        return WordPieceTokenizer.fromJson(JSON.parse(text) as TokenizerJson);
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message.replace(/\s+/g, ' ')}`);
      }
    }
    return WordPieceTokenizer.fromVocab(parseVocabTxt(text), lowercase === undefined ? {} : { lowercase });
  }

  private index(): void {
    const v = this.json.model.vocab;
    const byId: string[] = [];
    for (const [t, id] of Object.entries(v)) byId[id] = t;
    for (const a of this.json.added_tokens ?? []) byId[a.id] = a.content;
    this.idToTok = byId;
  }

  /** Ids 0 .. vocabSize − 1 (added tokens included): the embedding table's row count. */
  get vocabSize(): number {
    return this.idToTok.length;
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToTok[id];
  }

  private special(token: string): number {
    const id = this.tokenToId(token);
    if (id === undefined) throw new RangeError(`the vocabulary has no ${token} token`);
    return id;
  }

  get clsId(): number {
    return this.special('[CLS]');
  }
  get sepId(): number {
    return this.special('[SEP]');
  }
  get unkId(): number {
    return this.special('[UNK]');
  }
  get padId(): number {
    return this.tokenToId('[PAD]') ?? 0;
  }

  /**
   * Adds tokens that are never split, lowercased or merged (e.g. the relation markers [E1] [/E1]
   * [E2] [/E2]); tokens already known keep their id. Returns the ids. The encoder's embedding
   * table must then have `vocabSize` rows.
   */
  addTokens(tokens: string[]): number[] {
    const json = this.json;
    const added = json.added_tokens ?? (json.added_tokens = []);
    let next = this.vocabSize;
    const ids = tokens.map((t) => {
      const have = added.find((a) => a.content === t);
      if (have) return have.id;
      const known = json.model.vocab[t];
      const id = known ?? next++;
      if (known === undefined) json.model.vocab[t] = id;
      added.push(addedToken(t, id, true));
      return id;
    });
    this.tok = new Tokenizer(json, {});
    this.index();
    return ids;
  }

  /** Sub-word tokens of a text, no special tokens. */
  tokenize(text: string): string[] {
    return this.tok.tokenize(text);
  }

  /** Ids of a text, no special tokens. */
  encodeText(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  /** Ids of each word separately; a word that yields nothing becomes [UNK], so every word has a first token. */
  encodeWords(words: string[]): number[][] {
    return words.map((w) => {
      const ids = this.encodeText(w);
      return ids.length > 0 ? ids : [this.unkId];
    });
  }

  /** [CLS] text [SEP] (context [SEP]) with token types 0 / 1, truncated to maxLength (context first). */
  encode(o: EncodeOptions): Encoding {
    const maxLength = o.maxLength ?? 512;
    const words = Array.isArray(o.text) ? this.encodeWords(o.text) : null;
    const textIds = words ? words.flat() : this.encodeText(o.text as string);
    let ctxIds = o.context !== undefined ? this.encodeText(o.context) : [];
    const budget = (k: number) => maxLength - (k > 0 ? 3 : 2);
    const fullText = textIds.length;
    const fullCtx = ctxIds.length;
    if (textIds.length + ctxIds.length > budget(ctxIds.length)) {
      ctxIds = ctxIds.slice(0, Math.max(0, budget(1) - textIds.length));
    }
    const keptText = Math.max(0, Math.min(textIds.length, budget(ctxIds.length)));
    if (maxLength < 2) throw new RangeError(`maxLength must be at least 2 but is ${maxLength}`);
    const inputIds = [this.clsId, ...textIds.slice(0, keptText), this.sepId];
    const textSpan: [number, number] = [1, 1 + keptText];
    const contextSpan: [number, number] = [inputIds.length, inputIds.length + ctxIds.length];
    if (ctxIds.length > 0) inputIds.push(...ctxIds, this.sepId);
    const tokenTypeIds = inputIds.map((_, i) => (i < textSpan[1] + 1 ? 0 : 1));
    const enc: Encoding = { inputIds, tokenTypeIds, textSpan, contextSpan, truncated: { text: fullText - keptText, context: fullCtx - ctxIds.length } };
    if (words) {
      const wordIds = inputIds.map(() => -1);
      const wordStarts: number[] = [];
      let at = 1;
      words.forEach((w, wi) => {
        wordStarts.push(at < textSpan[1] ? at : -1);
        for (let j = 0; j < w.length; j++, at++) if (at < textSpan[1]) wordIds[at] = wi;
      });
      enc.wordStarts = wordStarts;
      enc.wordIds = wordIds;
    }
    return enc;
  }

  /** Pads encodings to the longest (or to seqLen) as the (batch, seqLen) arrays BertEncoder.forward takes. */
  pad(encodings: Encoding[], o: { seqLen?: number } = {}): PaddedBatch {
    const seqLen = o.seqLen ?? Math.max(1, ...encodings.map((e) => e.inputIds.length));
    const batch = encodings.length;
    const inputIds = new Int32Array(batch * seqLen).fill(this.padId);
    const attentionMask = new Int32Array(batch * seqLen);
    const tokenTypeIds = new Int32Array(batch * seqLen);
    encodings.forEach((e, b) => {
      if (e.inputIds.length > seqLen) throw new RangeError(`encoding ${b} has ${e.inputIds.length} tokens, more than seqLen ${seqLen}`);
      inputIds.set(e.inputIds, b * seqLen);
      tokenTypeIds.set(e.tokenTypeIds, b * seqLen);
      attentionMask.fill(1, b * seqLen, b * seqLen + e.inputIds.length);
    });
    return { inputIds, attentionMask, tokenTypeIds, batch, seqLen };
  }

  decode(ids: number[], o: { skipSpecialTokens?: boolean } = {}): string {
    return this.tok.decode(ids, { skip_special_tokens: o.skipSpecialTokens ?? false });
  }

  /** The tokenizer.json object (a copy). */
  toJson(): TokenizerJson {
    return structuredClone(this.json);
  }

  /** Writes dir/tokenizer.json and dir/vocab.txt (ids in order), each atomically. */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(this.json));
    await writeFileAtomic(join(dir, 'vocab.txt'), `${this.idToTok.map((t) => t ?? '[UNUSED]').join('\n')}\n`);
  }
}
