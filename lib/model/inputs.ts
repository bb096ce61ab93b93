// What every task feeds the backbone: token ids for [CLS] text [SEP] context [SEP], span weights
// for the alignment embeddings, and the images; plus where each word's first sub-token landed,
// which the heads gather their states from.
import type { Encoding, WordPieceTokenizer } from '../tokenizer/wordpiece.js';

/** One sample as the backbone sees it: its words (markers included), context and image. */
export interface InputItem {
  id: string;
  words: string[];
  context?: string;
  /** Preprocessed image (3 × size × size, CHW), or null/absent when there is none. */
  pixels?: Float32Array | null;
}

export interface InputOptions {
  useContext: boolean;
  useImage: boolean;
  maxLength: number;
  /** Pixels per image (3 · size²), needed when useImage. */
  imageFloats: number;
}

/** The backbone's batch: the fields every task batch has. */
export interface EncodedInputs {
  batch: number;
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
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

export function encodeInputs(
  tokenizer: WordPieceTokenizer,
  items: readonly InputItem[],
  o: InputOptions,
): { inputs: EncodedInputs; encodings: Encoding[] } {
  const encodings = items.map((it) =>
    tokenizer.encode({ text: it.words, ...(o.useContext && it.context ? { context: it.context } : {}), maxLength: o.maxLength }),
  );
  const padded = tokenizer.pad(encodings);
  const { batch, seqLen } = padded;
  const textWeights = new Float32Array(batch * seqLen);
  const contextWeights = new Float32Array(batch * seqLen);
  const hasContext = new Uint8Array(batch);
  encodings.forEach((e, b) => {
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
  const hasImage = new Uint8Array(batch);
  let pixels: Float32Array | null = null;
  if (o.useImage) {
    pixels = new Float32Array(batch * o.imageFloats);
    items.forEach((it, b) => {
      if (!it.pixels) return;
      if (it.pixels.length !== o.imageFloats) {
        throw new RangeError(`example ${it.id}: image has ${it.pixels.length} values, expected ${o.imageFloats}`);
      }
      pixels!.set(it.pixels, b * o.imageFloats);
      hasImage[b] = 1;
    });
  }
  const inputs = {
    batch, seqLen, inputIds: padded.inputIds, attentionMask: padded.attentionMask, tokenTypeIds: padded.tokenTypeIds,
    textWeights, contextWeights, hasContext, hasImage, pixels,
  };
  return { inputs, encodings };
}

/** Where the words of each sample are: flat token indices into the (batch · seqLen, hidden) states. */
export interface WordIndex {
  /** Most words kept in any sample. */
  maxWords: number;
  /** (batch): words kept after truncation (a prefix of each sentence). */
  numWords: Int32Array;
  /** (batch · maxWords): flat index b·seqLen + t of each word's first sub-token (the [CLS] of b for padding). */
  wordIndex: Int32Array;
}

export function wordIndexOf(encodings: readonly Encoding[], seqLen: number): WordIndex {
  const batch = encodings.length;
  const numWords = new Int32Array(batch);
  encodings.forEach((e, b) => {
    numWords[b] = (e.wordStarts ?? []).filter((s) => s >= 0).length;
  });
  const maxWords = Math.max(1, ...numWords);
  const wordIndex = new Int32Array(batch * maxWords);
  encodings.forEach((e, b) => {
    for (let w = 0; w < maxWords; w++) wordIndex[b * maxWords + w] = b * seqLen + (w < numWords[b]! ? e.wordStarts![w]! : 0);
  });
  return { maxWords, numWords, wordIndex };
}
