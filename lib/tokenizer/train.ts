// Learning a WordPiece vocabulary from a corpus (for the from-scratch `tiny` preset), the way
// HF's WordPieceTrainer does: BPE merges over words split into characters, every character but
// the first carrying the "##" continuation prefix, most frequent pair first.
import { Tokenizer } from '@huggingface/tokenizers';

import { SPECIAL_TOKENS, bertTokenizerJson } from './tokenizer-json.js';
import { WordPieceTokenizer } from './wordpiece.js';

export interface LearnWordPieceOptions {
  /** Target vocabulary size, special tokens included. Default 8000. */
  vocabSize?: number;
  /** Pairs seen fewer times are not merged. Default 2. */
  minFrequency?: number;
  /** Lowercase and strip accents first (uncased BERT). Default true. */
  lowercase?: boolean;
  /** Tokens added whole after learning (e.g. relation markers): never split, lowercased or merged. */
  extraTokens?: string[];
}

const cont = (s: string) => `##${s}`;

/** Pair key: the two symbols' ids packed in one number (ids stay below 2^26). */
const key = (a: number, b: number) => a * 67108864 + b;

export function learnWordPiece(corpus: Iterable<string>, o: LearnWordPieceOptions = {}): WordPieceTokenizer {
  const vocabSize = o.vocabSize ?? 8000;
  const minFrequency = o.minFrequency ?? 2;
  // Normalise and pre-tokenize exactly as the final tokenizer will.
  const probe = new Tokenizer(bertTokenizerJson([...SPECIAL_TOKENS], { lowercase: o.lowercase ?? true }), {});
  const counts = new Map<string, number>();
  for (const line of corpus) {
    const norm = probe.normalizer ? probe.normalizer.normalize(line) : line;
    const words = probe.pre_tokenizer ? probe.pre_tokenizer.pre_tokenize(norm) : norm.split(/\s+/);
    for (const w of words) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  }

  // Symbols: specials, then the alphabet (as word starts and as continuations), then merges.
  const symbols: string[] = [...SPECIAL_TOKENS];
  const symbolId = new Map<string, number>(symbols.map((s, i) => [s, i]));
  const intern = (s: string) => {
    let id = symbolId.get(s);
    if (id === undefined) {
      id = symbols.length;
      symbols.push(s);
      symbolId.set(s, id);
    }
    return id;
  };
  const sortedWords = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const alphabet = new Set<string>();
  for (const [w] of sortedWords) [...w].forEach((ch, i) => alphabet.add(i === 0 ? ch : cont(ch)));
  for (const s of [...alphabet].sort()) intern(s);

  const words = sortedWords.map(([w, n]) => ({ n, syms: [...w].map((ch, i) => symbolId.get(i === 0 ? ch : cont(ch)) as number) }));
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number) => {
    const { n, syms } = words[wi]!;
    for (let i = 0; i + 1 < syms.length; i++) {
      const k = key(syms[i]!, syms[i + 1]!);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * n);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(wi);
      }
    }
  };
  words.forEach((_, wi) => addPairs(wi, 1));

  // Max-heap of (count, pair) with lazy invalidation: an entry counts only if its count is current.
  const heap: [number, number][] = [];
  const better = (x: [number, number], y: [number, number]) => x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  const push = (e: [number, number]) => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!better(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): [number, number] | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && better(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  for (const [k, n] of pairCount) push([n, k]);

  const room = vocabSize - (o.extraTokens?.length ?? 0);
  while (symbols.length < room) {
    const top = pop();
    if (!top) break;
    const [n, k] = top;
    if (pairCount.get(k) !== n) continue;  // stale
    if (n < minFrequency) break;
    const a = Math.floor(k / 67108864), b = k % 67108864;
    const merged = intern(symbols[a]! + symbols[b]!.slice(2));
    const touched = [...(pairWords.get(k) ?? [])];
    const changed = new Set<number>();
    for (const wi of touched) {
      addPairs(wi, -1);
      const syms = words[wi]!.syms;
      for (let i = 0; i + 1 < syms.length; i++) changed.add(key(syms[i]!, syms[i + 1]!));  // counts that dropped
      const out: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(syms[i]!);
      }
      words[wi]!.syms = out;
      addPairs(wi, 1);
      for (let i = 0; i + 1 < out.length; i++) changed.add(key(out[i]!, out[i + 1]!));
    }
    pairCount.delete(k);
    changed.delete(k);
    for (const c of changed) {
      const count = pairCount.get(c) ?? 0;
      if (count > 0) push([count, c]);
    }
  }
  const tok = WordPieceTokenizer.fromVocab(symbols, { lowercase: o.lowercase ?? true });
  if (o.extraTokens && o.extraTokens.length > 0) tok.addTokens(o.extraTokens);
  return tok;
}
