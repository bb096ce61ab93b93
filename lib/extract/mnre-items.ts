// MNRE files as extraction input: one Python dict literal per line ({'token', 'h': {'name', 'pos'},
// 't', 'img_id', 'relation'}), one entity pair of one sentence per line. Each line becomes a
// relation record: id `<img_id>#<line>` (as `shapca eval` names MNRE instances), the tokens, head
// and tail from `pos` (`name` when there is no `pos`), and the image `img_id` when images are read.
// The gold relation is ignored. Contexts are looked up by the image id whether or not images are read.
import { imageKey } from '../data/images.js';
import { describeValue } from '../data/record-fields.js';
import { parsePythonLiteral, PythonLiteralError } from '../data/python-literal.js';
import type { SourceItem } from './records.js';

/** The first characters of an MNRE line: a Python dict literal (single quotes, so not JSON). */
export const MNRE_LINE = /^\s*\{\s*'token'\s*:/;

/** An MNRE entity ({'name', 'pos': [start, end]}) as a record's head or tail; anything else as given (checked later). */
function entityOf(e: unknown): unknown {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return e;
  const x = e as Record<string, unknown>;
  const name = typeof x.name === 'string' ? { name: x.name } : {};
  if (x.pos === undefined) return name;
  if (!Array.isArray(x.pos) || x.pos.length !== 2) return { start: x.pos, end: x.pos, ...name };
  return { start: x.pos[0], end: x.pos[1], ...name };
}

/** The item of one non-blank line `n` of an MNRE file. */
export function mnreItem(line: string, n: number, o: { images?: boolean } = {}): SourceItem {
  const where = `line ${n}`;
  let parsed: unknown;
  try {
    parsed = parsePythonLiteral(line);
  } catch (err) {
    if (!(err instanceof PythonLiteralError)) throw err;
    return { error: `invalid MNRE line (expected a Python dict literal: ${err.expected} at column ${err.column})`, fallbackId: String(n), where };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { error: `expected an MNRE dict {'token', 'h', 't', 'img_id'} but found ${describeValue(parsed)}`, fallbackId: String(n), where };
  }
  const r = parsed as Record<string, unknown>;
  const imageId = typeof r.img_id === 'string' && r.img_id.trim() !== '' ? r.img_id : null;
  const id = imageId ? `${imageId}#${n}` : String(n);
  const value = {
    id, tokens: r.token ?? null, head: entityOf(r.h), tail: entityOf(r.t), ...(o.images && imageId ? { image: imageId } : {}),
  };
  return { value, fallbackId: id, where, ...(imageId ? { contextKey: imageKey(imageId) } : {}) };
}
