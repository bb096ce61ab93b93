// From NER examples to the arrays one model step needs: the backbone's inputs (inputs.ts), the
// position of each word's first sub-token, and tag ids.
import type { WordFeatureIds } from '../../heads/word-features.js';
import type { WordPieceTokenizer } from '../../tokenizer/wordpiece.js';
import { encodeInputs, type EncodedInputs, type InputOptions, wordIndexOf } from '../../model/inputs.js';

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

export interface NerBatch extends EncodedInputs {
  examples: NerExample[];
  /** Most words kept in any sample. */
  maxWords: number;
  /** (batch): words kept after truncation (a prefix of each sentence). */
  numWords: Int32Array;
  /** (batch · maxWords): flat index b·seqLen + t of each word's first sub-token (the [CLS] of b for padding). */
  wordIndex: Int32Array;
  /** (batch · maxWords): tag ids (0 for padding), or null at inference. */
  tagIds: Int32Array | null;
  /** Each word slot's hashed features, when the model has a word-feature layer (NerModel.encode). */
  wordFeatures?: WordFeatureIds;
}

export interface BatchOptions extends InputOptions {
  /** Tag → id; required when the examples carry tags. */
  tagIndex?: ReadonlyMap<string, number>;
}

export function encodeNerBatch(tokenizer: WordPieceTokenizer, examples: NerExample[], o: BatchOptions): NerBatch {
  const { inputs, encodings } = encodeInputs(tokenizer, examples.map((ex) => ({ ...ex, words: ex.tokens })), o);
  const { maxWords, numWords, wordIndex } = wordIndexOf(encodings, inputs.seqLen);
  let tagIds: Int32Array | null = null;
  if (examples.every((ex) => ex.tags)) {
    if (!o.tagIndex) throw new TypeError('encodeNerBatch: examples carry tags but no tag index was given');
    tagIds = new Int32Array(inputs.batch * maxWords);
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
  return { ...inputs, examples, maxWords, numWords, wordIndex, tagIds };
}
