// BIO tags and the entity spans they encode, under the two counting schemes the literature uses.
// Twitter-2015 has orphan I- tags (an I-X after O or after another type); the files keep them as
// they are, and the scheme decides whether they start an entity.

/** An entity span over token positions [start, end). */
export interface EntitySpan {
  type: string;
  start: number;
  end: number;
}

/**
 * `conlleval` (seqeval's default, what published MNER numbers use): an orphan I-X starts a new
 * entity. `strict`: only B-X starts an entity and orphan I- tags are ignored.
 */
export type SpanScheme = 'conlleval' | 'strict';

/** Parses a tag into its prefix and type; null when it is not O, B-X or I-X. */
export function parseBioTag(tag: string): { prefix: 'O' | 'B' | 'I'; type: string } | null {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const m = /^([BI])-(\S+)$/.exec(tag);
  return m ? { prefix: m[1] as 'B' | 'I', type: m[2] as string } : null;
}

/** The entity spans encoded by a BIO tag sequence. Malformed tags count as O. */
export function bioSpans(tags: readonly string[], scheme: SpanScheme = 'conlleval'): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: EntitySpan | null = null;
  for (let i = 0; i < tags.length; i++) {
    const tag = parseBioTag(tags[i] as string) ?? { prefix: 'O', type: '' };
    const continues = tag.prefix === 'I' && open !== null && open.type === tag.type;
    if (continues) {
      (open as EntitySpan).end = i + 1;
      continue;
    }
    if (open) spans.push(open);
    open = null;
    if (tag.prefix === 'B' || (tag.prefix === 'I' && scheme === 'conlleval')) open = { type: tag.type, start: i, end: i + 1 };
  }
  if (open) spans.push(open);
  return spans;
}

/** BIO tags for spans over `length` tokens (the inverse of bioSpans for well-formed input). */
export function spansToBio(length: number, spans: readonly EntitySpan[]): string[] {
  const tags: string[] = new Array<string>(length).fill('O');
  for (const s of spans) {
    for (let i = s.start; i < s.end; i++) tags[i] = `${i === s.start ? 'B' : 'I'}-${s.type}`;
  }
  return tags;
}
