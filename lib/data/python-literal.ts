// A parser for Python literals (what `ast.literal_eval` accepts, minus sets, bytes and complex
// numbers): MNRE and CAMIM store one Python dict per line. It only builds values; nothing is ever
// evaluated, so a hostile line can at worst fail to parse.

import { ShapcaError } from '../errors.js';

/** A value a Python literal can hold; tuples become arrays, `None` becomes null. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** A syntax error in a literal: `column` is 1-based, `expected` says what would have been valid. */
export class PythonLiteralError extends ShapcaError<'SHAPCA_PYTHON_LITERAL'> {
  readonly column: number;
  readonly expected: string;
  readonly found: string;

  constructor(column: number, expected: string, found: string) {
    super(`expected ${expected} at column ${column} but found ${found}`, 'SHAPCA_PYTHON_LITERAL');
    this.name = 'PythonLiteralError';
    this.column = column;
    this.expected = expected;
    this.found = found;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};
const NAMED_CONSTANTS: Record<string, PyValue> = { True: true, False: false, None: null };
/** Nesting beyond this is certainly not a dataset record; refusing it keeps the stack safe. */
const MAX_DEPTH = 200;
// Sticky scanners (the `y` flag matches only at lastIndex).
const SPACE = /\s+/y;
const PLAIN_SINGLE = /[^'\\\n]+/y;
const PLAIN_DOUBLE = /[^"\\\n]+/y;

/** Parses one Python literal (the whole text must be a single literal, surrounding spaces allowed). */
export function parsePythonLiteral(text: string): PyValue {
  const parser = new LiteralParser(text);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.pos < text.length) parser.fail('end of input');
  return value;
}

class LiteralParser {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(expected: string): never {
    const rest = this.text.slice(this.pos);
    const found = rest.length === 0 ? 'end of input' : JSON.stringify(rest.length > 20 ? `${rest.slice(0, 20)}…` : rest);
    throw new PythonLiteralError(this.pos + 1, expected, found);
  }

  skipSpace(): void {
    SPACE.lastIndex = this.pos;
    if (SPACE.test(this.text)) this.pos = SPACE.lastIndex;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail(`nesting at most ${MAX_DEPTH} deep`);
    this.skipSpace();
    const c = this.peek();
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.tuple(depth);
    if (c === "'" || c === '"' || /[rRuU]/.test(c) && /['"]/.test(this.text[this.pos + 1] ?? '')) return this.strings();
    if (/[0-9.+-]/.test(c)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (word !== undefined && word in NAMED_CONSTANTS) {
      this.pos += word.length;
      return NAMED_CONSTANTS[word] as PyValue;
    }
    return this.fail('a string, number, list, tuple, dict, True, False or None');
  }

  private dict(depth: number): { [key: string]: PyValue } {
    const out: { [key: string]: PyValue } = {};
    this.pos++; // '{'
    this.skipSpace();
    while (this.peek() !== '}') {
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.pos = keyAt;
        this.fail('a string or number as dict key');
      }
      this.skipSpace();
      if (this.peek() !== ':') this.fail("':' after a dict key (sets are not supported)");
      this.pos++;
      const name = String(key);
      const value = this.value(depth + 1);
      // A key named "__proto__" must stay a plain key, which plain assignment would not do.
      if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[name] = value;
      if (!this.separator('}')) break;
    }
    this.expectChar('}', "',' or '}' in a dict");
    return out;
  }

  private sequence(close: string, depth: number): PyValue[] {
    const out: PyValue[] = [];
    this.pos++; // '[' or '('
    this.skipSpace();
    while (this.peek() !== close) {
      out.push(this.value(depth + 1));
      if (!this.separator(close)) break;
    }
    this.expectChar(close, `',' or '${close}'`);
    return out;
  }

  /** `(x)` is just x; `(x,)`, `(x, y)` and `()` are tuples, returned as arrays. */
  private tuple(depth: number): PyValue {
    const start = this.pos;
    this.pos++;
    this.skipSpace();
    if (this.peek() === ')') {
      this.pos++;
      return [];
    }
    const first = this.value(depth + 1);
    this.skipSpace();
    if (this.peek() === ')') {
      this.pos++;
      return first;
    }
    this.pos = start;
    return this.sequence(')', depth);
  }

  /** After an element: consumes a ',' (true: more may follow) or stops before the closer (false). */
  private separator(close: string): boolean {
    this.skipSpace();
    if (this.peek() === ',') {
      this.pos++;
      this.skipSpace();
      return true;
    }
    if (this.peek() !== close) this.fail(`',' or '${close}'`);
    return false;
  }

  private expectChar(c: string, expected: string): void {
    if (this.peek() !== c) this.fail(expected);
    this.pos++;
  }

  /** One or more adjacent string literals, concatenated as Python does ('a' 'b' == 'ab'). */
  private strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      const c = this.peek();
      if (c === "'" || c === '"' || (/[rRuU]/.test(c) && /['"]/.test(this.text[this.pos + 1] ?? ''))) {
        out += this.string();
      } else {
        this.pos = save;
        return out;
      }
    }
  }

  private string(): string {
    let raw = false;
    if (/[rR]/.test(this.peek())) raw = true;
    if (/[rRuU]/.test(this.peek())) this.pos++;
    const quote = this.peek();
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const closer = triple ? quote.repeat(3) : quote;
    this.pos += closer.length;
    // Plain runs (no quote, backslash or line break) are copied in one slice: most of a dataset
    // line is string content.
    const plain = quote === "'" ? PLAIN_SINGLE : PLAIN_DOUBLE;
    let out = '';
    for (;;) {
      plain.lastIndex = this.pos;
      if (plain.test(this.text)) {
        out += this.text.slice(this.pos, plain.lastIndex);
        this.pos = plain.lastIndex;
      }
      if (this.pos >= this.text.length) this.fail(`closing ${closer} of the string`);
      if (this.text.startsWith(closer, this.pos)) {
        this.pos += closer.length;
        return out;
      }
      const c = this.text[this.pos] as string;
      if (c === '\n' && !triple) this.fail(`closing ${closer} before the end of the line`);
      if (c !== '\\') {
        out += c;
        this.pos++;
      } else if (raw) {
        // A raw string keeps the backslash, but it still stops the next quote from closing.
        out += this.text.slice(this.pos, this.pos + 2);
        this.pos += 2;
      } else {
        out += this.escape();
      }
    }
  }

  private escape(): string {
    const start = this.pos;
    this.pos++; // backslash
    const c = this.peek();
    if (c === '') this.fail('an escape character after the backslash');
    this.pos++;
    if (c === '\n') return ''; // line continuation
    if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c] as string;
    if (/[0-7]/.test(c)) {
      let digits = c;
      while (digits.length < 3 && /[0-7]/.test(this.peek())) digits += this.text[this.pos++];
      return String.fromCodePoint(parseInt(digits, 8));
    }
    const hexLength = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = this.text.slice(this.pos, this.pos + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) {
        this.pos = start;
        this.fail(`${hexLength} hex digits after \\${c}`);
      }
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) {
        this.pos = start;
        this.fail('a code point at most \\U0010ffff');
      }
      this.pos += hexLength;
      return String.fromCodePoint(code);
    }
    if (c === 'N') {
      this.pos = start;
      this.fail('an escape other than \\N{name} (named characters are not supported)');
    }
    return `\\${c}`; // Python keeps unknown escapes as written
  }

  private number(): number {
    const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)/.exec(
      this.text.slice(this.pos),
    );
    if (!m) return this.fail('a number');
    this.pos += m[0].length;
    const literal = m[0].replace(/_/g, '');
    const sign = literal.startsWith('-') ? -1 : 1;
    const body = literal.replace(/^[+-]/, '');
    const radix = /^0[xX]/.test(body) ? 16 : /^0[oO]/.test(body) ? 8 : /^0[bB]/.test(body) ? 2 : 10;
    const value = radix === 10 ? Number(body) : parseInt(body.slice(2), radix);
    if (Number.isNaN(value)) return this.fail('a number');
    return sign * value;
  }
}

/** Writes a value as a Python literal with single-quoted strings, the way Python's repr does for ASCII. */
export function formatPythonLiteral(value: PyValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`expected a finite number but received ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(formatPythonLiteral).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonString(k)}: ${formatPythonLiteral(v)}`)
    .join(', ')}}`;
}

/** Characters Python's repr escapes: those `str.isprintable()` rejects (space excepted). */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's repr of a str: single quotes unless the text has a ' and no ". */
function pythonString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === ' ' || !NON_PRINTABLE.test(ch)) out += ch;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}
