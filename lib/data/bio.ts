// BIO tags and the entity spans ("chunks") they encode: the one place tags are parsed, chunked
// and written, for the datasets, the CRF heads, the extraction adapters and the metrics.
//
// Two counting schemes. conlleval (the CoNLL-2000 evaluation script, seqeval's default, what
// published MNER numbers use): a chunk starts at B-X, at an I-X after O, or at an I-X whose type
// differs from the open chunk's (an "orphan" I- starts a chunk; Twitter-2015 has 374 of them); it
// ends where the next tag does not continue it. strict: only B-X starts a chunk, I-X continues a
// chunk of type X, and an orphan I-X belongs to no entity. The files keep orphan tags as they are.

/** An entity span over token positions [start, end). */
export interface EntitySpan {
  type: string;
  /** First token, inclusive. */
  start: number;
  /** Last token, exclusive. */
  end: number;
}

/** The metrics' name for an entity span. */
export type Chunk = EntitySpan;

export type SpanScheme = 'conlleval' | 'strict';
export type ChunkScheme = SpanScheme;

export interface BioTag {
  prefix: 'O' | 'B' | 'I';
  type: string;
}

/** Parses a tag into its prefix and type; null when it is not O, B-X or I-X (X without spaces). */
export function parseBioTag(tag: string): BioTag | null {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const m = /^([BI])-(\S+)$/.exec(tag);
  return m ? { prefix: m[1] as 'B' | 'I', type: m[2] as string } : null;
}

/** Splits "B-PER" into its prefix and type; O and anything malformed is O. */
export function parseTag(tag: string): BioTag {
  return parseBioTag(tag) ?? { prefix: 'O', type: '' };
}

/** The entity spans encoded by a BIO tag sequence (see the file comment for the schemes). */
export function bioSpans(tags: readonly string[], scheme: SpanScheme = 'conlleval'): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: EntitySpan | null = null;
  for (let i = 0; i < tags.length; i++) {
    const tag = parseTag(tags[i] as string);
    if (tag.prefix === 'I' && open !== null && open.type === tag.type) {
      open.end = i + 1; // I-X continues
      continue;
    }
    if (open) spans.push(open);
    open = null;
    if (tag.prefix === 'B' || (tag.prefix === 'I' && scheme === 'conlleval')) open = { type: tag.type, start: i, end: i + 1 };
  }
  if (open) spans.push(open);
  return spans;
}

/** The entity chunks of one tag sequence (the metrics' name for bioSpans). */
export const chunksOf: (tags: readonly string[], scheme?: ChunkScheme) => Chunk[] = bioSpans;

/** BIO tags for spans over `length` tokens (the inverse of bioSpans for well-formed input). */
export function spansToBio(length: number, spans: readonly EntitySpan[]): string[] {
  const tags: string[] = new Array<string>(length).fill('O');
  for (const s of spans) {
    for (let i = s.start; i < s.end; i++) tags[i] = `${i === s.start ? 'B' : 'I'}-${s.type}`;
  }
  return tags;
}

/** The tag list for entity types: O first, then B-/I- per type in the order given. */
export function bioTags(types: readonly string[]): string[] {
  return ['O', ...types.flatMap((t) => [`B-${t}`, `I-${t}`])];
}
