// Twitter-2015/2017 CoNLL: parsing, orphan I- tags kept, errors that name file, line and what was
// expected, lenient skipping, round trips, and the real files' counts against the README table.
import { readFileSync } from 'node:fs';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';
import { num, readmeTable, readOnce, shared, withSharedData } from './shared-data.js';

const test = suite('twitter NER');
const F = 'tweets.txt';

const SAMPLE = ['IMGID:101', 'RT\tO', 'St\tB-LOC', '.\tI-LOC', 'Louis\tI-LOC', '', 'IMGID:102', 'Go\tO', 'Louis\tI-LOC', 'Cardinals\tB-ORG', ''].join('\n');

test('reads tweets, keeping orphan I- tags as written', () => {
  const { records, skipped } = data.parseTwitterNer(SAMPLE, F);
  assert.is(skipped.length, 0);
  assert.equal(records.map((r) => [r.imageId, r.line, r.tokens.length]), [['101', 1, 4], ['102', 7, 3]]);
  assert.equal(records[1]?.tags, ['O', 'I-LOC', 'B-ORG']);
  assert.equal(data.bioSpans(records[1]!.tags, 'conlleval'), [{ type: 'LOC', start: 1, end: 2 }, { type: 'ORG', start: 2, end: 3 }]);
  assert.equal(data.bioSpans(records[1]!.tags, 'strict'), [{ type: 'ORG', start: 2, end: 3 }]);
  assert.equal(data.bioSpans(['B-PER', 'I-LOC', 'I-LOC'], 'strict'), [{ type: 'PER', start: 0, end: 1 }]);
});

test('CRLF endings and a missing final blank line read the same', () => {
  const crlf = data.parseTwitterNer(SAMPLE.replace(/\n/g, '\r\n').trimEnd(), F).records;
  assert.equal(crlf, data.parseTwitterNer(SAMPLE, F).records);
});

test('round trip: format then parse gives the same records', () => {
  const { records } = data.parseTwitterNer(SAMPLE, F);
  assert.is(data.formatTwitterNer(records), SAMPLE + '\n');
  assert.throws(() => data.formatTwitterNer([{ imageId: '1', tokens: ['a\tb'], tags: ['O'] }]), /without tabs or line breaks/);
  assert.throws(() => data.formatTwitterNer([{ imageId: '1', tokens: ['a'], tags: [] }]), /as many tags as tokens/);
});

test('malformed input names file, line and what was expected', () => {
  const cases: [string, RegExp][] = [
    ['IMGID:1\nRT\tO\nLouis', /^tweets\.txt:3: expected a token<TAB>tag line but found "Louis"$/], // truncated line
    ['IMGID:1\nRT\tB-PLACE\n', /^tweets\.txt:2: expected a BIO tag \(O, B-X or I-X with X one of PER, LOC, ORG, OTHER, MISC\) but found "B-PLACE"$/],
    ['IMGID:1\nRT\tX-PER\n', /^tweets\.txt:2: expected a BIO tag .* but found "X-PER"$/],
    ['IMGID:1\nRT\tO\textra\n', /^tweets\.txt:2: expected a token<TAB>tag line/],
    ['RT\tO\n', /^tweets\.txt:1: expected an IMGID:<id> line to start a tweet but found "RT\\tO"$/],
    ['IMGID:1\n\nIMGID:2\nA\tO\n', /^tweets\.txt:2: expected token<TAB>tag lines after IMGID:1 but found a tweet with no tokens$/],
    ['IMGID:\nA\tO\n', /^tweets\.txt:1: expected an image id after IMGID:/],
  ];
  for (const [text, message] of cases) {
    try {
      data.parseTwitterNer(text, F);
      assert.unreachable(`no error for ${JSON.stringify(text)}`);
    } catch (err) {
      assert.instance(err, data.DataFormatError);
      assert.match((err as Error).message, message);
    }
  }
  // A year's own label set rejects the other year's type.
  assert.throws(() => data.parseTwitterNer('IMGID:1\nA\tB-MISC\n', F, { entityTypes: data.TWITTER2015_ENTITY_TYPES }), /one of PER, LOC, ORG, OTHER\) but found "B-MISC"/);
});

test('lenient mode skips exactly the bad tweets and reports each', () => {
  const text = ['IMGID:1', 'A\tO', '', 'IMGID:2', 'B\tB-WRONG', 'C\tO', '', 'IMGID:3', 'D\tO', 'truncated'].join('\n');
  const { records, skipped } = data.parseTwitterNer(text, F, { lenient: true });
  assert.equal(records.map((r) => r.imageId), ['1']);
  assert.equal(skipped.map((e) => [e.file, e.line]), [[F, 5], [F, 10]]);
  assert.match(skipped[1]!.expected, /token<TAB>tag/);
});

const real = withSharedData(test);
const readFile = (dir: string, name: string) => readOnce(`${dir}/${name}`, () => data.readTwitterNer(shared(dir, name)));

real('every split matches the README table: sentences, tokens, per-type and total entities', async () => {
  const rows = readmeTable('## 1. Twitter-2015 and Twitter-2017', 'split');
  assert.is(rows.length, 6);
  const files: Record<string, string> = { '2015': 'twitter2015', '2017': 'twitter2017' };
  const splitFile: Record<string, string> = { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' };
  for (const row of rows) {
    const [year, split] = (row[0] as string).split(/\s+/) as [string, string];
    const types = year === '2015' ? data.TWITTER2015_ENTITY_TYPES : data.TWITTER2017_ENTITY_TYPES;
    const { records, skipped } = await data.readTwitterNer(shared(files[year]!, splitFile[split]!), { entityTypes: types });
    assert.is(skipped.length, 0);
    const strict = new Map<string, number>();
    let conll = 0;
    for (const r of records) {
      for (const s of data.bioSpans(r.tags, 'strict')) strict.set(s.type, (strict.get(s.type) ?? 0) + 1);
      conll += data.bioSpans(r.tags, 'conlleval').length;
    }
    const got = [records.length, records.reduce((n, r) => n + r.tokens.length, 0), ...types.map((t) => strict.get(t) ?? 0), [...strict.values()].reduce((a, b) => a + b, 0), conll];
    assert.equal(got, row.slice(1).map(num), `${year} ${split}`);
  }
});

real('the orphan I- tags are kept: 186 / 53 / 135 in Twitter-2015, none in 2017', async () => {
  const orphans = async (dir: string, split: string) => {
    const { records } = await readFile(dir, `${split}.txt`);
    let n = 0;
    for (const r of records) r.tags.forEach((t, i) => (n += t.startsWith('I-') && r.tags[i - 1]?.slice(2) !== t.slice(2) ? 1 : 0));
    return n;
  };
  assert.equal([await orphans('twitter2015', 'train'), await orphans('twitter2015', 'valid'), await orphans('twitter2015', 'test')], [186, 53, 135]);
  assert.equal([await orphans('twitter2017', 'train'), await orphans('twitter2017', 'valid'), await orphans('twitter2017', 'test')], [0, 0, 0]);
});

real('the TMR variant of Twitter-2015 (val.txt) reads, with its documented test counts', async () => {
  const dir = shared('twitter2015_tmr_variant');
  const sizes = [];
  for (const split of ['train', 'dev', 'test'] as const) sizes.push((await data.readTwitterNer(await data.findSplitFile('twitter', dir, split))).records.length);
  assert.equal(sizes, [4000, 1000, 3257]);
  const { records } = await data.readTwitterNer(shared('twitter2015_tmr_variant', 'test.txt'));
  const strict = records.flatMap((r) => data.bioSpans(r.tags, 'strict'));
  const count = (t: string) => strict.filter((s) => s.type === t).length;
  assert.equal([count('PER'), count('LOC'), count('ORG'), count('OTHER'), strict.length], [1825, 1730, 839, 725, 5119]);
  assert.is(records.reduce((n, r) => n + data.bioSpans(r.tags, 'conlleval').length, 0), 5237);
});

real('Twitter-2017 files are byte-identical after a read and write', async () => {
  for (const split of ['train', 'valid', 'test']) {
    const path = shared('twitter2017', `${split}.txt`);
    assert.ok(data.formatTwitterNer((await readFile('twitter2017', `${split}.txt`)).records) === readFileSync(path, 'utf8'), split);
  }
});

real('the sample image resolves for its tweet', async () => {
  const { records } = await readFile('twitter2017', 'train.txt');
  const tweet = records.find((r) => r.imageId === '16_05_01_127');
  assert.is(tweet?.tokens.join(' '), 'The Philadelphia Phillies are a good baseball team .');
  const images = new data.ImageResolver(shared('images_sample', 'twitter2017'));
  assert.ok(await images.exists('16_05_01_127'));
  assert.equal(await images.missing(records.slice(0, 3).map((r) => r.imageId)), records.slice(0, 3).map((r) => r.imageId));
});

test.run();
