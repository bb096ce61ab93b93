// MNRE: Python-literal lines, every malformation the issue names (truncated lines, bad spans,
// unknown relations), lenient mode, byte-identical round trips, and the README's counts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';
import { num, readmeTable, readOnce, shared, withSharedData } from './shared-data.js';

const test = suite('MNRE');
const F = 'mnre_val .txt';
const LINE = `{'token': ['RT', '@x', ':', 'New', 'breed', 'of', 'Crocodile', 'in', 'South', 'Wales'], 'h': {'name': 'Crocodile', 'pos': [6, 7]}, 't': {'name': 'South Wales', 'pos': [8, 10]}, 'img_id': 'twitter_1.jpg', 'relation': '/misc/loc/held_on'}`;

test('reads one instance per line', () => {
  const { records } = data.parseMnre(`${LINE}\n${LINE.replace('/misc/loc/held_on', 'None')}\n`, F);
  assert.is(records.length, 2);
  assert.equal(records[0], {
    tokens: ['RT', '@x', ':', 'New', 'breed', 'of', 'Crocodile', 'in', 'South', 'Wales'],
    head: { name: 'Crocodile', start: 6, end: 7 },
    tail: { name: 'South Wales', start: 8, end: 10 },
    imageId: 'twitter_1.jpg',
    relation: '/misc/loc/held_on',
    line: 1,
  });
  assert.is(records[1]?.relation, 'None');
  assert.is(records[1]?.line, 2);
});

test('round trip is byte-identical', () => {
  const text = `${LINE}\n${LINE.replace("'New'", `"it's"`)}\n`;
  assert.is(data.formatMnre(data.parseMnre(text, F).records), text);
});

test('malformed lines name file, line and what was expected', () => {
  const cases: [string, RegExp][] = [
    [LINE.slice(0, 80), /^mnre_val \.txt:2: expected a Python dict literal: closing ' of the string at column 81 but found end of input$/],
    [LINE.replace('[8, 10]', '[8, 11]'), /:2: expected t\.pos to be a span with 0 <= start < end <= 10 \(the token count\) but found \[8, 11\]$/],
    [LINE.replace('[6, 7]', '[7, 7]'), /:2: expected h\.pos to be a span with 0 <= start < end/],
    [LINE.replace('[6, 7]', '[5, 6]'), /:2: expected h\.name "Crocodile" to equal the tokens at pos \[5, 6\) but found "of"$/],
    [LINE.replace('[6, 7]', '[6]'), /:2: expected h\.pos to be a \[start, end\) pair of integers but found a list of 1$/],
    [LINE.replace('/misc/loc/held_on', '/misc/loc/visited'), /:2: expected relation to be one of the 23 known labels .* but found "\/misc\/loc\/visited"$/],
    [LINE.replace("'img_id': 'twitter_1.jpg', ", ''), /:2: expected img_id to be a string but found nothing$/],
    [LINE.replace("'New'", '7'), /:2: expected token\[3\] to be a string but found number 7$/],
    ["['not', 'a', 'dict']", /:2: expected the line to be a dict but found a list of 3$/],
  ];
  for (const [bad, message] of cases) {
    try {
      data.parseMnre(`${LINE}\n${bad}\n`, F);
      assert.unreachable(`no error for ${bad}`);
    } catch (err) {
      assert.instance(err, data.DataFormatError);
      assert.match((err as Error).message, message);
    }
  }
});

test('other label sets: a rel2id file, or any label', async () => {
  const v1 = LINE.replace('/misc/loc/held_on', '/per/org/founder_of');
  assert.throws(() => data.parseMnre(v1, F), /known labels/);
  assert.is(data.parseMnre(v1, F, { relations: 'any' }).records.length, 1);
  const dir = mkdtempSync(join(tmpdir(), 'shapca-mnre-'));
  try {
    writeFileSync(join(dir, 'rel2id.json'), JSON.stringify({ none: 0, '/per/org/founder_of': 1 }));
    const labels = await data.readRelationLabels(join(dir, 'rel2id.json'));
    assert.equal(labels, ['none', '/per/org/founder_of']);
    assert.is(data.parseMnre(v1, F, { relations: labels }).records.length, 1);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ None: 0, x: 0 }));
    await data.readRelationLabels(join(dir, 'bad.json')).then(
      () => assert.unreachable('duplicate ids accepted'),
      (err: Error) => assert.match(err.message, /bad\.json:1: expected distinct ids 0\.\.1 but found "x": 0/),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lenient mode skips and reports bad lines', () => {
  const text = [LINE, LINE.replace('[6, 7]', '[6, 99]'), LINE.slice(0, 40), LINE].join('\n');
  const { records, skipped } = data.parseMnre(text, F, { lenient: true });
  assert.equal(records.map((r) => r.line), [1, 4]);
  assert.equal(skipped.map((e) => e.line), [2, 3]);
});

test('split files are found under every released name, including "mnre_val .txt"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shapca-mnre-'));
  try {
    writeFileSync(join(dir, 'mnre_val .txt'), `${LINE}\n`);
    const path = await data.findSplitFile('mnre', dir, 'dev');
    assert.is(path, join(dir, 'mnre_val .txt'));
    assert.is((await data.readMnre(path)).records.length, 1);
    await data.findSplitFile('mnre', dir, 'test').then(
      () => assert.unreachable('found a test file'),
      (err: Error) => assert.match(err.message, /expected a mnre test file in .* \(tried "ours_test\.txt", "mnre_test\.txt", "test\.txt"\) but found none/),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const real = withSharedData(test);
const readSplit = (split: string) => readOnce(`mnre/${split}`, () => data.readMnre(shared('mnre', `ours_${split}.txt`)));

real('counts match the README: instances, unique sentences, unique images, non-None', async () => {
  const rows = readmeTable('## 2. MNRE', 'split');
  assert.equal(rows.map((r) => r[0]), ['train', 'val', 'test']);
  for (const row of rows) {
    const { records, skipped } = await readSplit(row[0] as string);
    assert.is(skipped.length, 0);
    const got = [
      records.length,
      new Set(records.map((r) => JSON.stringify(r.tokens))).size,
      new Set(records.map((r) => r.imageId)).size,
      records.filter((r) => r.relation !== 'None').length,
    ];
    assert.equal(got, row.slice(1).map(num), row[0]);
  }
});

real("per-label counts match the README's list, and ours_rel2id.json is MNRE_RELATIONS", async () => {
  const readme = readFileSync(shared('README.md'), 'utf8');
  const listed = [...readme.matchAll(/^ {2}- (None|\/[a-z_/]+) (\d+) \/ (\d+) \/ (\d+)$/gm)].map((m) => [m[1], [num(m[2]), num(m[3]), num(m[4])]] as const);
  assert.is(listed.length, 23);
  const counts = new Map<string, number[]>();
  for (const [i, split] of ['train', 'val', 'test'].entries()) {
    for (const r of (await readSplit(split)).records) {
      const c = counts.get(r.relation) ?? [0, 0, 0];
      c[i]! += 1;
      counts.set(r.relation, c);
    }
  }
  for (const [label, expected] of listed) assert.equal(counts.get(label as string) ?? [0, 0, 0], expected, label);
  assert.equal(await data.readRelationLabels(shared('mnre', 'ours_rel2id.json')), [...data.MNRE_RELATIONS]);
});

real('every MNRE file is byte-identical after a read and write', async () => {
  for (const split of ['train', 'val', 'test']) {
    const path = shared('mnre', `ours_${split}.txt`);
    assert.ok(data.formatMnre((await readSplit(split)).records) === readFileSync(path, 'utf8'), split);
  }
});

test.run();
