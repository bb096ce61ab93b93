// JMERE: the JSON-array format read record by record (errors name record and line), both
// released folders' counts against the README, and byte-identical round trips.
import { readFileSync } from 'node:fs';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';
import { num, readmeTable, shared, withSharedData } from './shared-data.js';

const test = suite('JMERE');
const F = 'val.json';
const triple = (relation = 'held_on', pos = [4, 6], tags = 'misc') => ({
  beg_ent: { name: 'Perfect Day', pos, tags },
  sec_ent: { name: 'Petaluma', pos: [7, 8], tags: 'loc' },
  relation,
});
const record = (t = triple()) => ({
  token: ['RT', '@sunset', ':', 'One', 'Perfect', 'Day', 'in', 'Petaluma', ',', 'CA', ':'],
  img_id: 'twitter_stream_2018_06_11_24_0_2_72.jpg',
  label_list: [[t]],
});

test('reads sentences with typed triples; JSON lines read the same', () => {
  const text = JSON.stringify([record(), record(triple('contain', [4, 6], 'loc'))]);
  const { records } = data.parseJmere(text, F);
  assert.is(records.length, 2);
  assert.equal(records[0]?.triples, [{ head: { name: 'Perfect Day', start: 4, end: 6, type: 'misc' }, tail: { name: 'Petaluma', start: 7, end: 8, type: 'loc' }, relation: 'held_on' }]);
  assert.equal(records[1]?.index, 1);
  const lines = data.parseJmere(`${JSON.stringify(record())}\n\n${JSON.stringify({ ...record(), knowledge: ['k'] })}\n`, F).records;
  assert.equal(lines.map((r) => [r.line, r.extra]), [[1, {}], [3, { knowledge: ['k'] }]]);
  assert.equal(data.jmereEntities(records[0]!).map((e) => e.type), ['misc', 'loc']);
});

test('round trip writes what Python json.dumps wrote', () => {
  const text = `[${JSON.stringify(record()).replace(/,/g, ', ').replace(/":/g, '": ')}]`;
  assert.is(data.formatJmere(data.parseJmere(text, F).records), text);
  const unicode = data.formatJmere([{ tokens: ['café'], imageId: 'x.jpg', triples: [] }]);
  assert.is(unicode, '[{"token": ["caf\\u00e9"], "img_id": "x.jpg", "label_list": []}]');
});

test('malformed records name the file, the record, its line and what was expected', () => {
  const good = JSON.stringify(record());
  const cases: [string, RegExp][] = [
    [`[${good}, ${good.slice(0, 50)}`, /^val\.json:1: expected the array's closing '\]' \(the file looks truncated\) \(column \d+\) but found "\{/],
    [`[${good},\n${JSON.stringify(record(triple('held_on', [4, 12])))}]`, /^val\.json:2: expected record 1: label_list\[0\]\[0\]\.beg_ent\.pos to be a span with 0 <= start < end <= 11 \(the token count\) but found \[4, 12\]$/],
    [`[${JSON.stringify(record(triple('visited')))}]`, /^val\.json:1: expected record 0: label_list\[0\]\[0\]\.relation to be one of the 21 JMERE relations .* but found "visited"$/],
    [`[${JSON.stringify(record(triple('held_on', [4, 6], 'event')))}]`, /expected record 0: label_list\[0\]\[0\]\.beg_ent\.tags to be one of per, loc, org, misc but found "event"$/],
    [`[${good}, {"token": [1,,2]}]`, /^val\.json:1: expected record 1 as valid JSON/],
    [`[${good}, {"token": [}]`, /^val\.json:1: expected '\]' \(brackets do not match\) \(column \d+\) but found "\}\]"$/],
    ['[1}]', /expected ',' or '\]' after an array element/],
    [`{"not": "an array"}`, /^val\.json:1: expected record 0: token to be a list of strings but found nothing$/], // read as JSON lines
    [`[${good}] trailing`, /expected nothing after the array's closing '\]'/],
  ];
  for (const [text, message] of cases) {
    try {
      data.parseJmere(text, F);
      assert.unreachable(`no error for ${text.slice(0, 60)}`);
    } catch (err) {
      assert.instance(err, data.DataFormatError);
      assert.match((err as Error).message, message);
    }
  }
});

test('lenient mode skips a bad record and keeps the rest', () => {
  const text = JSON.stringify([record(), record(triple('visited')), record()]);
  const { records, skipped } = data.parseJmere(text, F, { lenient: true });
  assert.equal(records.map((r) => r.index), [0, 2]);
  assert.is(skipped.length, 1);
  assert.match(skipped[0]!.message, /record 1: .*relation/);
});

test('labels: 21 JMERE relations derived from MNRE', () => {
  assert.is(data.JMERE_RELATIONS.length, 21);
  assert.ok(data.JMERE_RELATIONS.includes('alumi') && data.JMERE_RELATIONS.includes('alternate_names'));
  assert.equal(data.splitMnreRelation('/per/org/member_of'), { headType: 'per', tailType: 'org', name: 'member_of' });
  assert.is(data.splitMnreRelation('None'), null);
});

const real = withSharedData(test);

real('v1 counts match the README table: sentences, triples, entities per type', async () => {
  const rows = readmeTable('## 3. MJERE / JMERE', '');
  assert.equal(rows.map((r) => r[0]), ['train', 'val', 'test']);
  for (const row of rows) {
    const { records } = await data.readJmere(shared('jmere', 'v1', `${row[0]}.json`));
    const entities = records.flatMap((r) => data.jmereEntities(r));
    const byType = data.JMERE_ENTITY_TYPES.map((t) => entities.filter((e) => e.type === t).length);
    assert.equal([records.length, records.reduce((n, r) => n + r.triples.length, 0), ...byType], row.slice(1).map(num), row[0]);
  }
});

real('merged has one record per sentence: 3468 / 473 / 460 with the same triples', async () => {
  const got = [];
  for (const split of ['train', 'val', 'test']) {
    const { records } = await data.readJmere(shared('jmere', 'merged', `${split}.json`));
    got.push([records.length, records.reduce((n, r) => n + r.triples.length, 0)]);
  }
  assert.equal(got, [[3468, 4503], [473, 624], [460, 640]]);
});

real('v1 test relation counts match the README', async () => {
  const { records } = await data.readJmere(shared('jmere', 'v1', 'test.json'));
  const counts: Record<string, number> = {};
  for (const r of records) for (const t of r.triples) counts[t.relation] = (counts[t.relation] ?? 0) + 1;
  const readme = readFileSync(shared('README.md'), 'utf8');
  const line = /Relation counts for v1 test:\*\* ([^\n]+\n[^\n]+\n[^\n]+)/.exec(readme)?.[1] ?? '';
  const expected = Object.fromEntries([...line.matchAll(/([a-z_]+) (\d+)/g)].map((m) => [m[1], Number(m[2])]));
  assert.equal(counts, expected);
});

real('all six files are byte-identical after a read and write', async () => {
  for (const dir of ['v1', 'merged']) {
    for (const split of ['train', 'val', 'test']) {
      const path = shared('jmere', dir, `${split}.json`);
      assert.ok(data.formatJmere((await data.readJmere(path)).records) === readFileSync(path, 'utf8'), `${dir}/${split}`);
    }
  }
});

test.run();
