// JSON datasets come as one array on a single line (JMERE, KECPM) or as JSON lines (KECPM's
// knowledge files, our contexts). Parsing element by element (instead of one JSON.parse) lets an
// error name the record and its position, and lets lenient mode skip one bad record instead of
// losing the file.
import { DataFormatError, excerpt } from './errors.js';
import { LineCounter, lineAt, splitLines } from './text-file.js';

/** One top-level element of a JSON array: its text and where it starts. */
export interface JsonArrayElement {
  /** 0-based index in the array. */
  index: number;
  /** The element's JSON text. */
  text: string;
  /** 1-based line and column of its first character. */
  line: number;
  column: number;
}

/**
 * Splits the text of a JSON array into its elements without parsing them. Throws a
 * DataFormatError when the text is not an array (unbalanced brackets, missing commas, trailing
 * garbage); the elements' own syntax is checked by whoever parses them.
 */
export function splitJsonArray(text: string, file: string): JsonArrayElement[] {
  const out: JsonArrayElement[] = [];
  const fail = (at: number, expected: string): never => {
    const found = at >= text.length ? 'end of file' : excerpt(text.slice(at, at + 30));
    throw new DataFormatError(file, lineAt(text, at), `${expected} (column ${columnAt(text, at)})`, found);
  };
  const lines = new LineCounter(text);
  let i = skipSpace(text, 0);
  if (text[i] !== '[') fail(i, "a JSON array starting with '['");
  i = skipSpace(text, i + 1);
  if (text[i] === ']') return checkEnd(text, i + 1, fail, out);
  for (;;) {
    const start = i;
    const open: string[] = []; // closers expected, innermost last
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') open.push('}');
      else if (c === '[') open.push(']');
      else if (c === '}' || c === ']') {
        if (open.length === 0) break;
        if (open.pop() !== c) fail(i, `'${c === '}' ? ']' : '}'}' (brackets do not match)`);
      } else if (c === ',' && open.length === 0) break;
    }
    if (i >= text.length) fail(start, "the array's closing ']' (the file looks truncated)");
    if (text[i] === '}') fail(i, "',' or ']' after an array element");
    const elementText = text.slice(start, i).trimEnd();
    if (elementText === '') fail(start, 'an array element');
    out.push({ index: out.length, text: elementText, line: lines.lineAt(start), column: lines.columnAt(start) });
    if (text[i] === ']') return checkEnd(text, i + 1, fail, out);
    i = skipSpace(text, i + 1); // past ','
  }
}

function checkEnd(text: string, i: number, fail: (at: number, expected: string) => never, out: JsonArrayElement[]): JsonArrayElement[] {
  const end = skipSpace(text, i);
  if (end < text.length) fail(end, "nothing after the array's closing ']'");
  return out;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

function columnAt(text: string, offset: number): number {
  return offset - text.lastIndexOf('\n', offset - 1);
}

/** Parses one JSON value, turning a syntax error into a DataFormatError at the given line. */
export function parseJsonAt(text: string, file: string, line: number, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(file, line, `${what} as valid JSON (${(err as Error).message})`);
  }
}

/**
 * The records of a JSON file that is either one array (first non-space character '[') or JSON
 * lines (one value per non-blank line).
 */
export function splitJsonRecords(text: string, file: string): JsonArrayElement[] {
  if (/^\s*\[/.test(text)) return splitJsonArray(text, file);
  const out: JsonArrayElement[] = [];
  splitLines(text).forEach((line, i) => {
    if (line.trim() !== '') out.push({ index: out.length, text: line, line: i + 1, column: 1 });
  });
  return out;
}

/**
 * JSON text exactly as Python's `json.dumps(value)` writes it (", " and ": " separators, every
 * character outside printable ASCII escaped), so files we rewrite stay byte-identical.
 */
export function formatPythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatPythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${asciiJson(k)}: ${formatPythonJson(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') return asciiJson(value);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`expected a finite number but received ${value}`);
  return JSON.stringify(value ?? null);
}

function asciiJson(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
