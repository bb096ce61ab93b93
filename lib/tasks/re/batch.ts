// From relation examples (a sentence and an ordered entity pair) to a batch: the words with
// entity markers (markers.ts) through the backbone's encoding, the flat positions of the two
// opening markers, and label ids.
import type { WordFeatureIds } from '../../heads/word-features.js';
import type { WordPieceTokenizer } from '../../tokenizer/wordpiece.js';
import { encodeInputs, type EncodedInputs, type InputOptions } from '../../model/inputs.js';
import { insertMarkers, type TokenSpan } from './markers.js';

/** One MNRE instance: a post, its head and tail entity, and (for training) the relation. */
export interface ReExample {
  id: string;
  tokens: string[];
  head: TokenSpan;
  tail: TokenSpan;
  /** The relation label (absent at inference). */
  relation?: string;
  context?: string;
  /** Preprocessed image (3 × size × size, CHW), or null when there is none or it failed to load. */
  pixels?: Float32Array | null;
}

export interface ReBatch extends EncodedInputs {
  examples: ReExample[];
  /** (batch · 2): flat index b·seqLen + t of [E1] then [E2] of each sample ([CLS] when truncated away). */
  markerIndex: Int32Array;
  /** (batch): label ids, or null at inference. */
  labels: Int32Array | null;
  /** Samples whose markers truncation removed (they read the [CLS] state instead). */
  truncated: number;
  /** Each pair's hashed features, when the model has a word-feature layer (RelationModel.encode). */
  pairFeatures?: WordFeatureIds;
}

export interface ReBatchOptions extends InputOptions {
  /** Label → id; required when the examples carry relations. */
  labelIndex?: ReadonlyMap<string, number>;
}

export function encodeReBatch(tokenizer: WordPieceTokenizer, examples: ReExample[], o: ReBatchOptions): ReBatch {
  const marked = examples.map((ex) => {
    try {
      return insertMarkers(ex.tokens, ex.head, ex.tail);
    } catch (err) {
      throw new RangeError(`example ${ex.id}: ${(err as Error).message}`);
    }
  });
  const { inputs, encodings } = encodeInputs(
    tokenizer,
    examples.map((ex, b) => ({ id: ex.id, words: marked[b]!.words, ...(ex.context ? { context: ex.context } : {}), pixels: ex.pixels ?? null })),
    o,
  );
  const markerIndex = new Int32Array(inputs.batch * 2);
  let truncated = 0;
  encodings.forEach((e, b) => {
    const h = e.wordStarts![marked[b]!.headMarker]!;
    const t = e.wordStarts![marked[b]!.tailMarker]!;
    if (h < 0 || t < 0) truncated++;
    markerIndex[2 * b] = b * inputs.seqLen + Math.max(0, h);
    markerIndex[2 * b + 1] = b * inputs.seqLen + Math.max(0, t);
  });
  let labels: Int32Array | null = null;
  if (examples.every((ex) => ex.relation !== undefined)) {
    if (!o.labelIndex) throw new TypeError('encodeReBatch: examples carry relations but no label index was given');
    labels = Int32Array.from(examples, (ex) => {
      const id = o.labelIndex!.get(ex.relation!);
      if (id === undefined) throw new RangeError(`example ${ex.id}: unknown relation ${JSON.stringify(ex.relation)}`);
      return id;
    });
  }
  return { ...inputs, examples, markerIndex, labels, truncated };
}
