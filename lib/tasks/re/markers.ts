// Entity markers for relation extraction (docs/ARCHITECTURE.md, "Task heads"): [E1] … [/E1] around the head and
// [E2] … [/E2] around the tail, as words of their own (added tokens that are never split), so the
// classifier can read the state of each opening marker.
//
// Where markers meet at one word boundary, closing markers come before opening ones (adjacent
// spans: `[E1] a [/E1] [E2] b [/E2]`); spans open outer first (the longer one; the head when both
// are the same span) and close inner first, so nested and identical spans stay well bracketed
// (`[E1] [E2] a [/E2] [/E1]`); crossing spans keep that order too (`[E1] a [E2] b [/E1] c [/E2]`).

export const RELATION_MARKERS = ['[E1]', '[/E1]', '[E2]', '[/E2]'] as const;

/** A token span [start, end). */
export interface TokenSpan {
  start: number;
  end: number;
}

export interface MarkedWords {
  /** The words with the four markers inserted. */
  words: string[];
  /** Index in `words` of [E1] and of [E2]. */
  headMarker: number;
  tailMarker: number;
}

function checkSpan(what: string, s: TokenSpan, n: number): void {
  if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start < s.end && s.end <= n)) {
    throw new RangeError(`expected the ${what} span to satisfy 0 <= start < end <= ${n} (the word count) but received [${s.start}, ${s.end})`);
  }
}

/** Inserts the markers around head and tail (spans over `tokens`). */
export function insertMarkers(tokens: readonly string[], head: TokenSpan, tail: TokenSpan): MarkedWords {
  checkSpan('head', head, tokens.length);
  checkSpan('tail', tail, tokens.length);
  const spans = [
    { ...head, open: RELATION_MARKERS[0], close: RELATION_MARKERS[1], isHead: true },
    { ...tail, open: RELATION_MARKERS[2], close: RELATION_MARKERS[3], isHead: false },
  ];
  // opening order: earlier start, then longer, then the head
  const order = [...spans].sort((a, b) => a.start - b.start || b.end - a.end || Number(b.isHead) - Number(a.isHead));
  const words: string[] = [];
  let headMarker = -1;
  let tailMarker = -1;
  for (let p = 0; p <= tokens.length; p++) {
    for (const s of [...order].reverse()) if (s.end === p) words.push(s.close);
    for (const s of order) {
      if (s.start !== p) continue;
      if (s.isHead) headMarker = words.length;
      else tailMarker = words.length;
      words.push(s.open);
    }
    if (p < tokens.length) words.push(tokens[p]!);
  }
  return { words, headMarker, tailMarker };
}
