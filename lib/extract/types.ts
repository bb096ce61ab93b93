// What extraction reads, what it writes, and the small interface a model implements to be driven by
// it: a chunk of posts (tokens, context, decoded image) in, one prediction per post out. The NER
// model plugs in through tasks/ner/adapter.ts, the relation model through tasks/re/adapter.ts (each
// record names an entity pair, its relation is classified) and the joint model through
// tasks/joint/adapter.ts (entities, and relations between them).
import type { PreprocessOptions } from '../image/preprocess.js';
import type { ShapleyUtility } from '../shapley/index.js';

/** One post to extract from: a JSONL line, or an object given to `extract()`. */
export interface ExtractRecord {
  /** Written back as a string. Default: the record's line number (files) or position (1-based). */
  id?: string | number;
  /** The post's text, split on white space into tokens. */
  text?: string;
  /** The post's tokens (takes precedence over `text`). */
  tokens?: string[];
  /** Path of the image; relative paths resolve against the images folder. */
  image?: string;
  /** The image's context; otherwise looked up in the context set, or generated when asked. */
  context?: string;
  /** Relation models: the head entity, a token span or a name found in the tokens. */
  head?: SpanRef;
  /** Relation models: the tail entity. */
  tail?: SpanRef;
}

/**
 * An entity of a relation record: tokens [start, end) (`name`, if also given, is not checked), or a
 * name, whose first occurrence as whole tokens is taken (for the tail, the first one that is not the
 * head's span when the two names are the same).
 */
export type SpanRef = { start: number; end: number; name?: string } | { name: string };

/** A token span [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** An entity over tokens [start, end). */
export interface ExtractedEntity {
  start: number;
  end: number;
  /** The tokens it covers, joined by spaces. */
  text: string;
  type: string;
  /** Mean over the span's tokens of the CRF posterior of the span's tag there (see tasks/ner/adapter.ts). */
  score: number;
}

/** A span of the post, as relation models report the pair they were given. */
export interface ExtractedSpan extends Span {
  /** The tokens it covers, joined by spaces. */
  text: string;
}

/**
 * A relation. Joint models: between two extracted entities, `head` and `tail` being indices into
 * `entities`, only pairs with a relation (label not the none label). Relation models: the record's
 * own pair, as spans, with the predicted label whatever it is (the none label included).
 */
export interface ExtractedRelation<E extends number | ExtractedSpan = number | ExtractedSpan> {
  head: E;
  tail: E;
  label: string;
  /** The classifier's (softmax) probability of `label` for the pair. */
  score: number;
}

/** One line of the output, in input order. */
export interface ExtractResult {
  id: string;
  tokens: string[];
  /** Always empty for relation models. */
  entities: ExtractedEntity[];
  /** Relation models: the record's pair (one); joint models: the related pairs; absent for NER and on `error`. */
  relations?: ExtractedRelation[];
  /** The record could not be read: nothing was extracted from it. */
  error?: string;
  /** The image could not be read: the post was run without it. */
  imageError?: string;
  /** The context could not be generated: the post was run without one. */
  contextError?: string;
}

/** A post as a model receives it. */
export interface ModelInput {
  id: string;
  tokens: string[];
  context?: string;
  /** The decoded image (the model's recipe), or null. */
  pixels: Float32Array | null;
  /** Replace the text's word-pieces by [MASK] ([UNK] without one): `explain`'s "text absent". */
  maskText?: boolean;
  /** Relation models: the ordered pair to classify (required by them, ignored by the others). */
  pair?: { head: Span; tail: Span };
  /** Joint models: span pairs to score besides the predicted ones (explain's targets; see relationScore). */
  scorePairs?: { head: Span; tail: Span }[];
}

/** What an extraction target is scored as: an entity's span and type. */
export type EntityTarget = Pick<ExtractedEntity, 'start' | 'end' | 'type'>;

/** A relation target: the label of an ordered pair of spans. */
export interface RelationTarget {
  head: Span;
  tail: Span;
  label: string;
}

/** A model's answer for one post. */
export interface ModelOutput {
  entities: ExtractedEntity[];
  relations?: ExtractedRelation[];
  /** Mean fusion gate (0 without an image or fusion). */
  gate: number;
  /** The probability this input gives the target (its span with its type), for `explain`. */
  score(target: EntityTarget): number;
  /**
   * Relation and joint models: the probability this input's classifier gives the label for the
   * pair — the record's pair (relation models), a predicted pair or one of `scorePairs` (joint
   * models; 0 when truncation cut a span). Other pairs are an error.
   */
  relationScore?(target: RelationTarget): number;
}

/** Alignment embeddings of a chunk of posts (k, dim each), row i for input i, and how the model's games score them. */
export interface AlignmentEmbeddings {
  text: Float32Array;
  context: Float32Array;
  dim: number;
  utility: ShapleyUtility;
  tauU: number;
}

/** The interface extraction and explanation drive a model through. */
export interface ExtractionModel {
  /** 'ner', 're' or 'joint'. */
  readonly task: string;
  /** Whether every record must name an entity pair (head, tail): relation models. */
  readonly pair?: boolean;
  /** How images are decoded for the model; null: it has no image encoder (images are not read). */
  readonly image: PreprocessOptions | null;
  /** Whether it reads contexts (otherwise none are looked up or generated). */
  readonly usesContext: boolean;
  /** Whether image evidence enters through a fusion gate (ModelOutput.gate is then meaningful). */
  readonly fusion: boolean;
  /** Whether the vocabulary has [MASK] (text masking falls back to [UNK]). */
  readonly maskToken: '[MASK]' | '[UNK]';
  /** A cheap estimate of the tokens a post takes, to batch similar lengths together. */
  length(input: Pick<ModelInput, 'tokens' | 'context'>): number;
  /** One output per input, in order. Inputs of one call run as one batch. */
  run(inputs: ModelInput[]): Promise<ModelOutput[]>;
  /** The alignment head's text and context embeddings; null when the model has none. */
  alignment(inputs: ModelInput[]): Promise<AlignmentEmbeddings | null>;
}
