// BIO chunking as conlleval does it, and the strict variant.
//
// conlleval (CoNLL-2000 evaluation script): a chunk starts at B-X, at an I-X that follows O, or at
// an I-X whose type differs from the previous tag's (an "orphan" I- starts a chunk — Twitter-2015
// has 374 of them); it ends where the next tag does not continue it. Strict: only B-X starts a
// chunk; I-X continues a chunk of type X; an orphan I-X belongs to no entity.

export interface Chunk {
  type: string;
  /** First token, inclusive. */
  start: number;
  /** Last token, exclusive. */
  end: number;
}

export type ChunkScheme = 'conlleval' | 'strict';

interface Tag {
  prefix: 'B' | 'I' | 'O';
  type: string;
}

/** Splits "B-PER" into its prefix and type; "O" (and anything without a B-/I- prefix) is O. */
export function parseTag(tag: string): Tag {
  if (tag.length > 2 && tag[1] === '-' && (tag[0] === 'B' || tag[0] === 'I')) {
    return { prefix: tag[0], type: tag.slice(2) };
  }
  return { prefix: 'O', type: '' };
}

/** The entity chunks of one tag sequence. */
export function chunksOf(tags: readonly string[], scheme: ChunkScheme = 'conlleval'): Chunk[] {
  const chunks: Chunk[] = [];
  let open: Chunk | null = null;
  const close = (at: number) => {
    if (open) {
      open.end = at;
      chunks.push(open);
      open = null;
    }
  };
  tags.forEach((raw, i) => {
    const t = parseTag(raw);
    if (t.prefix === 'O') {
      close(i);
    } else if (t.prefix === 'B') {
      close(i);
      open = { type: t.type, start: i, end: i + 1 };
    } else if (open && open.type === t.type) {
      open.end = i + 1; // I-X continues
    } else {
      close(i);
      if (scheme === 'conlleval') open = { type: t.type, start: i, end: i + 1 };
    }
  });
  close(tags.length);
  return chunks;
}
