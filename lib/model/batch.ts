// From NER examples to the arrays one model step needs: token ids for [CLS] text [SEP] context
// [SEP], the position of each word's first sub-token, span weights for the alignment embeddings,
// tag ids, and the images.
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';

/** One post for MNER. */
export interface NerExample {
  id: string;
  tokens: string[];
  /** BIO tags, one per token (absent at inference). */
  tags?: string[];
  /** The image's generated context. */
  context?: string;
  /** Preprocessed image (3 × size × size, CHW), or null when there is none or it failed to load. */
  pixels?: Float32Array | null;
}

export interface NerBatch {
  examples: NerExample[];
  batch: number;
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  /** Most words kept in any sample. */
  maxWords: number;
  /** (batch): words kept after truncation (a prefix of each sentence). */
  numWords: Int32Array;
  /** (batch · maxWords): flat index b·seqLen + t of each word's first sub-token (the [CLS] of b for padding). */
  wordIndex: Int32Array;
  /** (batch · maxWords): tag ids (0 for padding), or null at inference. */
  tagIds: Int32Array | null;
  /** (batch · seqLen): 1 on the text span, 1 on the context span. */
  textWeights: Float32Array;
  contextWeights: Float32Array;
  /** (batch): 1 where the sample has a context. */
  hasContext: Uint8Array;
  /** (batch): 1 where the sample has an image. */
  hasImage: Uint8Array;
  /** (batch · 3 · size²) pixels, zeros for samples without an image; null when images are off. */
  pixels: Float32Array | null;
}

export interface BatchOptions {
  useContext: boolean;
  useImage: boolean;
  maxLength: number;
  /** Pixels per image (3 · size²), needed when useImage. */
  imageFloats: number;
  /** Tag → id; required when the examples carry tags. */
  tagIndex?: ReadonlyMap<string, number>;
}

export function encodeNerBatch(tokenizer: WordPieceTokenizer, examples: NerExample[], o: BatchOptions): NerBatch {
  const encodings = examples.map((ex) =>
    tokenizer.encode({ text: ex.tokens, ...(o.useContext && ex.context ? { context: ex.context } : {}), maxLength: o.maxLength }),
  );
  const padded = tokenizer.pad(encodings);
  const { batch, seqLen } = padded;
  const numWords = new Int32Array(batch);
  encodings.forEach((e, b) => {
    numWords[b] = (e.wordStarts ?? []).filter((s) => s >= 0).length;
  });
  const maxWords = Math.max(1, ...numWords);
  const wordIndex = new Int32Array(batch * maxWords);
  const textWeights = new Float32Array(batch * seqLen);
  const contextWeights = new Float32Array(batch * seqLen);
  const hasContext = new Uint8Array(batch);
  encodings.forEach((e, b) => {
    for (let w = 0; w < maxWords; w++) wordIndex[b * maxWords + w] = b * seqLen + (w < numWords[b]! ? e.wordStarts![w]! : 0);
    textWeights.fill(1, b * seqLen + e.textSpan[0], b * seqLen + e.textSpan[1]);
    if (e.contextSpan[1] > e.contextSpan[0]) {
      contextWeights.fill(1, b * seqLen + e.contextSpan[0], b * seqLen + e.contextSpan[1]);
      hasContext[b] = 1;
    } else {
      // No context: its embedding falls back to the [SEP] after the text, a real token, so the
      // alignment terms stay defined.
      contextWeights[b * seqLen + e.textSpan[1]] = 1;
    }
  });
  let tagIds: Int32Array | null = null;
  if (examples.every((ex) => ex.tags)) {
    if (!o.tagIndex) throw new TypeError('encodeNerBatch: examples carry tags but no tag index was given');
    tagIds = new Int32Array(batch * maxWords);
    examples.forEach((ex, b) => {
      if (ex.tags!.length !== ex.tokens.length) {
        throw new RangeError(`example ${ex.id}: ${ex.tokens.length} tokens but ${ex.tags!.length} tags`);
      }
      for (let w = 0; w < numWords[b]!; w++) {
        const id = o.tagIndex!.get(ex.tags![w]!);
        if (id === undefined) throw new RangeError(`example ${ex.id}: unknown tag ${ex.tags![w]} at word ${w}`);
        tagIds![b * maxWords + w] = id;
      }
    });
  }
  const hasImage = new Uint8Array(batch);
  let pixels: Float32Array | null = null;
  if (o.useImage) {
    pixels = new Float32Array(batch * o.imageFloats);
    examples.forEach((ex, b) => {
      if (!ex.pixels) return;
      if (ex.pixels.length !== o.imageFloats) {
        throw new RangeError(`example ${ex.id}: image has ${ex.pixels.length} values, expected ${o.imageFloats}`);
      }
      pixels!.set(ex.pixels, b * o.imageFloats);
      hasImage[b] = 1;
    });
  }
  return {
    examples, batch, seqLen, inputIds: padded.inputIds, attentionMask: padded.attentionMask, tokenTypeIds: padded.tokenTypeIds,
    maxWords, numWords, wordIndex, tagIds, textWeights, contextWeights, hasContext, hasImage, pixels,
  };
}
