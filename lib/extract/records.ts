// Checking one input record: the fields extraction reads, with a reason when one is wrong. A bad
// record becomes an output line with an `error`; it never stops the run.
import { describeValue } from '../data/record-fields.js';
import { checkPair } from './pairs.js';
import type { ExtractRecord, Span } from './types.js';

/** An item of an input stream: a parsed value, or why the line could not be parsed. */
export interface SourceItem {
  /** The record as given (anything: checkRecord checks it). */
  value?: unknown;
  /** Or its JSON text, parsed only when needed (a resumed run skips lines without parsing them). */
  json?: string;
  /** Why the item is not a record. */
  error?: string;
  /** The id when the record has none: the line number in a file, the position (1-based) otherwise. */
  fallbackId: string;
  /** Where the item is, for messages: "line 7", "record 7". */
  where: string;
  /** The image id its context is looked up by when its image is not read (MNRE lines). */
  contextKey?: string;
}

/** A record that passed the checks. */
export interface CheckedRecord {
  id: string;
  tokens: string[];
  image?: string;
  context?: string;
  /** The entity pair (checked only for relation models). */
  pair?: { head: Span; tail: Span };
}

export interface CheckOptions {
  /** The record must name an entity pair (relation models). Default false: head and tail are ignored. */
  pair?: boolean;
}

export type RecordCheck = { ok: true; record: CheckedRecord } | { ok: false; id: string; error: string };

function idOf(value: unknown, fallback: string): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fallback;
  const id = (value as Record<string, unknown>).id;
  if (id === undefined || id === null) return fallback;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return null;
}

/** The item's value, or why it has none. */
function valueOf(item: SourceItem): { value?: unknown; error?: string } {
  if (item.error !== undefined) return { error: item.error };
  if (item.json === undefined) return { value: item.value };
  try {
    return { value: JSON.parse(item.json) as unknown };
  } catch (err) {
    return { error: `invalid JSON (${(err as Error).message})` };
  }
}

/** The id an item's output line will carry (also for records that fail their checks). */
export function itemId(item: SourceItem): string {
  const { value, error } = valueOf(item);
  return error !== undefined ? item.fallbackId : (idOf(value, item.fallbackId) ?? item.fallbackId);
}

/** Checks a record's fields: id, text or tokens, image, context, and with `pair` head and tail. */
export function checkRecord(item: SourceItem, o: CheckOptions = {}): RecordCheck {
  const { value: v, error } = valueOf(item);
  const id = error !== undefined ? item.fallbackId : (idOf(v, item.fallbackId) ?? item.fallbackId);
  const bad = (message: string): RecordCheck => ({ ok: false, id, error: `${item.where}: ${message}` });
  if (error !== undefined) return bad(error);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`expected a JSON object but found ${describeValue(v)}`);
  const r = v as Record<string, unknown>;
  if (idOf(r, item.fallbackId) === null) return bad(`expected id to be a non-empty string or a number but found ${describeValue(r.id)}`);
  let tokens: string[];
  if (r.tokens !== undefined && r.tokens !== null) {
    if (!Array.isArray(r.tokens)) return bad(`expected tokens to be a list of strings but found ${describeValue(r.tokens)}`);
    const at = r.tokens.findIndex((t) => typeof t !== 'string' || t.trim() === '');
    if (at >= 0) return bad(`expected tokens[${at}] to be a non-empty string but found ${describeValue(r.tokens[at])}`);
    tokens = r.tokens as string[];
  } else if (typeof r.text === 'string') {
    tokens = r.text.split(/\s+/).filter((t) => t !== '');
  } else {
    return bad(`expected "text" (a string) or "tokens" (a list of strings) but found ${r.text === undefined ? 'neither' : `text ${describeValue(r.text)}`}`);
  }
  if (tokens.length === 0) return bad('expected at least one token but the text is empty');
  for (const key of ['image', 'context'] as const) {
    const x = r[key];
    if (x !== undefined && x !== null && typeof x !== 'string') return bad(`expected ${key} to be a string but found ${describeValue(x)}`);
  }
  const image = typeof r.image === 'string' && r.image !== '' ? r.image : undefined;
  const context = typeof r.context === 'string' && r.context.trim() !== '' ? r.context : undefined;
  let pair: CheckedRecord['pair'];
  if (o.pair) {
    const p = checkPair(r, tokens);
    if (!p.ok) return bad(p.error);
    pair = p.pair;
  }
  return { ok: true, record: { id, tokens, ...(image ? { image } : {}), ...(context ? { context } : {}), ...(pair ? { pair } : {}) } };
}

/** The item with `fields` set in its record (an item that is not a record object stays as it is). */
export function withFields(item: SourceItem, fields: Partial<ExtractRecord>): SourceItem {
  const { value, error } = valueOf(item);
  if (error !== undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return item;
  const { json: _, ...rest } = item;
  return { ...rest, value: { ...(value as object), ...fields } };
}
