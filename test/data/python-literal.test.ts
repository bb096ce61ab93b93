// The Python literal parser behind MNRE and CAMIM: every literal form the files use, Python's
// escape rules, exact error positions, and no evaluation of anything.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';

const { parsePythonLiteral: parse, formatPythonLiteral: format, PythonLiteralError } = data;
const test = suite('python literal');

test('dicts, lists, tuples, numbers and constants', () => {
  assert.equal(parse("{'a': [1, -2, 3.5, 1e3], 'b': (True, False, None), 'c': {}}"), { a: [1, -2, 3.5, 1000], b: [true, false, null], c: {} });
  assert.equal(parse('[1, 2,]'), [1, 2]);
  assert.equal(parse('(1,)'), [1]);
  assert.equal(parse('(7)'), 7);
  assert.equal(parse('()'), []);
  assert.equal(parse('0x1F'), 31);
  assert.equal(parse('1_000'), 1000);
  assert.equal(parse('  {"k" : "v"}  '), { k: 'v' });
});

test('strings: both quote styles, escapes as Python reads them', () => {
  assert.is(parse(`"it's"`), "it's");
  assert.is(parse(`'say "hi"'`), 'say "hi"');
  assert.is(parse(String.raw`'a\'b'`), "a'b");
  assert.is(parse(String.raw`'\\o/'`), '\\o/');
  assert.is(parse(String.raw`'line\nnext\ttab'`), 'line\nnext\ttab');
  assert.is(parse(String.raw`'\x41\u00e9\U0001F600\101'`), 'Aé😀A');
  assert.is(parse(String.raw`'\d'`), '\\d'); // unknown escapes keep their backslash
  assert.is(parse(String.raw`r'\n'`), '\\n');
  assert.is(parse("'a' \"b\""), 'ab');
  assert.is(parse("'''multi\nline'''"), 'multi\nline');
  assert.is(parse("'行人，和Spotify的标志'"), '行人，和Spotify的标志');
});

test('a "__proto__" key stays an ordinary key', () => {
  const v = parse("{'__proto__': {'polluted': True}}") as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('errors name the column and what was expected', () => {
  const cases: [string, RegExp][] = [
    ["{'a': 1", /expected ',' or '}' at column 8 but found end of input/],
    ["{'a' 1}", /expected ':' after a dict key .* at column 6/],
    ["'unterminated", /expected closing ' of the string at column 14/],
    ["__import__('os').system('x')", /expected a string, number, list, tuple, dict, True, False or None at column 1/],
    ["{'a': 1} extra", /expected end of input at column 10/],
    ["{1, 2}", /sets are not supported/],
    [String.raw`'\x4'`, /2 hex digits after \\x at column 2/],
    ["b'bytes'", /at column 1/],
    ['[[1], ', /at column 7 but found end of input/],
  ];
  for (const [text, message] of cases) {
    try {
      parse(text);
      assert.unreachable(`parsed ${text}`);
    } catch (err) {
      assert.instance(err, PythonLiteralError, text);
      assert.match((err as Error).message, message);
    }
  }
});

test('format writes what Python repr writes, and parses back', () => {
  assert.is(format({ token: ['a', "it's"], h: { pos: [0, 1] }, x: null, y: true }), `{'token': ['a', "it's"], 'h': {'pos': [0, 1]}, 'x': None, 'y': True}`);
  assert.is(format('both \' and "'), `'both \\' and "'`);
  assert.is(format('tab\there\u200b'), String.raw`'tab\there\u200b'`);
  const value = { s: 'é\n\\\'"\x01😀\ud800', n: [0, -1.5, 12345678], d: { e: [] } };
  assert.equal(parse(format(value)), value);
});

test.run();
