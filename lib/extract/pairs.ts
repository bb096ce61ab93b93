// The entity pair of a relation record: `head` and `tail`, each a token span {start, end} (end
// exclusive) or a name looked up in the tokens. Checked here so a bad pair becomes the record's
// error (the run goes on) instead of failing its batch in the model.
import { describeValue } from '../data/record-fields.js';
import type { Span } from './types.js';

export type PairCheck = { ok: true; pair: { head: Span; tail: Span } } | { ok: false; error: string };

/** Where the words of `name` occur as whole tokens, in order. */
function occurrences(tokens: readonly string[], name: string): Span[] {
  const words = name.split(/\s+/).filter((w) => w !== '');
  const out: Span[] = [];
  if (words.length === 0) return out;
  for (let s = 0; s + words.length <= tokens.length; s++) {
    if (words.every((w, k) => tokens[s + k] === w)) out.push({ start: s, end: s + words.length });
  }
  return out;
}

/** One entity of the pair, or why it cannot be read; `avoid`: the head's span (for the tail's name lookup). */
function spanOf(value: unknown, key: 'head' | 'tail', tokens: readonly string[], avoid?: Span): Span | string {
  if (value === undefined || value === null) {
    return `expected "${key}" (a token span {"start", "end"} or {"name"}) for a relation model but found none`;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return `expected ${key} to be an object {"start", "end"} or {"name"} but found ${describeValue(value)}`;
  const v = value as Record<string, unknown>;
  if (v.start !== undefined || v.end !== undefined) {
    for (const k of ['start', 'end'] as const) {
      if (!Number.isInteger(v[k])) return `expected ${key}.${k} to be an integer but found ${describeValue(v[k])}`;
    }
    const start = v.start as number, end = v.end as number;
    if (!(start >= 0 && start < end && end <= tokens.length)) {
      return `expected ${key} to satisfy 0 <= start < end <= ${tokens.length} (the token count) but found [${start}, ${end})`;
    }
    return { start, end };
  }
  if (typeof v.name !== 'string' || v.name.trim() === '') return `expected ${key} to have "start" and "end", or a non-empty "name", but found ${describeValue(value)}`;
  const found = occurrences(tokens, v.name);
  if (found.length === 0) return `expected ${key}.name ${JSON.stringify(v.name.slice(0, 60))} to occur in the tokens (as whole tokens) but it does not`;
  return found.find((s) => !avoid || s.start !== avoid.start || s.end !== avoid.end) ?? found[0]!;
}

/** The record's pair over `tokens`. */
export function checkPair(record: Record<string, unknown>, tokens: readonly string[]): PairCheck {
  const head = spanOf(record.head, 'head', tokens);
  if (typeof head === 'string') return { ok: false, error: head };
  const tail = spanOf(record.tail, 'tail', tokens, head);
  if (typeof tail === 'string') return { ok: false, error: tail };
  return { ok: true, pair: { head, tail } };
}
