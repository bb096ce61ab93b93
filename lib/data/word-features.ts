// Hand-made features of words and word pairs: the linear baselines' (baselines/) and the NER
// head's optional sparse word-feature layer (heads/word-features.ts) read the same ones.

/** "Barack" → "Xx", "2015" → "d", "@user_1" → "@x_d": character classes, runs collapsed. */
export function wordShape(word: string): string {
  let out = '';
  for (const ch of word) {
    const c = /\p{Lu}/u.test(ch) ? 'X' : /\p{Ll}/u.test(ch) ? 'x' : /\p{Nd}/u.test(ch) ? 'd' : ch;
    if (!out.endsWith(c)) out += c;
  }
  return out;
}

const lower = (w: string | undefined) => (w === undefined ? '<pad>' : w.toLowerCase());

/**
 * The tagger's features of token i: the word, its shape, prefixes and suffixes up to 4
 * characters, a few orthographic flags, and the words (and shapes) in a ±2 window.
 */
export function tokenFeatures(tokens: readonly string[], i: number): string[] {
  const word = tokens[i]!;
  const w = word.toLowerCase();
  const chars = [...w];
  const f = ['bias', `w=${w}`, `shape=${wordShape(word)}`, `len=${Math.min(chars.length, 8)}`];
  for (let k = 1; k <= 4 && k <= chars.length; k++) {
    f.push(`p${k}=${chars.slice(0, k).join('')}`, `s${k}=${chars.slice(-k).join('')}`);
  }
  if (/^\p{Lu}/u.test(word)) f.push('title');
  if (word.length > 1 && word === word.toUpperCase() && /\p{L}/u.test(word)) f.push('allcaps');
  if (word.startsWith('@')) f.push('mention');
  if (word.startsWith('#')) f.push('hashtag');
  if (/^https?:/i.test(word)) f.push('url');
  if (i === 0) f.push('first');
  if (i === tokens.length - 1) f.push('last');
  for (const d of [-2, -1, 1, 2]) {
    const o = tokens[i + d];
    f.push(`w${d}=${lower(o)}`);
    if (Math.abs(d) === 1) f.push(`shape${d}=${o === undefined ? '<pad>' : wordShape(o)}`);
  }
  f.push(`w-1|w=${lower(tokens[i - 1])}|${w}`, `w|w+1=${w}|${lower(tokens[i + 1])}`);
  return f;
}

export interface Span {
  start: number;
  end: number;
}

/**
 * The relation classifier's features of a (head, tail) pair: the sentence's words, the head's
 * and the tail's words, the words between the two spans, which comes first, and their distance.
 */
export function pairFeatures(tokens: readonly string[], head: Span, tail: Span): string[] {
  const f = ['bias'];
  for (const t of tokens) f.push(`s=${t.toLowerCase()}`);
  for (let i = head.start; i < head.end; i++) f.push(`h=${lower(tokens[i])}`);
  for (let i = tail.start; i < tail.end; i++) f.push(`t=${lower(tokens[i])}`);
  f.push(`hshape=${wordShape(tokens.slice(head.start, head.end).join(' '))}`, `tshape=${wordShape(tokens.slice(tail.start, tail.end).join(' '))}`);
  const headFirst = head.start <= tail.start;
  const [a, b] = headFirst ? [head, tail] : [tail, head];
  const between = tokens.slice(Math.min(a.end, b.start), b.start);
  for (const t of between) f.push(`b=${t.toLowerCase()}`);
  f.push(`order=${headFirst ? 'head-tail' : 'tail-head'}`, `dist=${Math.min(between.length, 10)}`);
  if (between.length <= 3) f.push(`between=${between.join(' ').toLowerCase()}`);
  return f;
}
