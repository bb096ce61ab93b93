// Contexts: our JSONL format, lookups keyed by image, coverage, and the importers for the
// published sets — on small inline samples always, and on ../shared/data against the coverage
// its README documents.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';
import { readOnce, shared, withSharedData } from './shared-data.js';

const test = suite('contexts');
const C = (...p: string[]) => shared('contexts', ...p);

test('our JSONL format: write atomically, read back, look up with or without extension', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shapca-ctx-'));
  try {
    const records = [
      { id: '1015799', context: 'A man on a stage.\nSecond line "quoted".', model: 'llava:7b', prompt: 'Describe.' },
      { id: 'twitter_19_31_8_89.jpg', context: 'A dog.', model: 'llava:7b', prompt: 'Describe.' },
    ];
    const path = join(dir, 'ctx.jsonl');
    await data.writeContexts(path, records);
    assert.is(readFileSync(path, 'utf8').split('\n').length, 3);
    const set = await data.readContexts(path);
    assert.equal([...set], records);
    assert.is(set.get('1015799.jpg')?.context, records[0]!.context);
    assert.is(set.get('twitter_19_31_8_89')?.context, 'A dog.');
    assert.equal(set.coverage(['1015799', 'twitter_19_31_8_89.jpg', '1015799', 'missing_1']), { total: 3, covered: 2, ratio: 2 / 3, missing: ['missing_1'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed context lines name file and line; lenient mode skips them', () => {
  const good = JSON.stringify({ id: 'a', context: 'c', model: 'm', prompt: 'p' });
  const cases: [string, RegExp][] = [
    [good.slice(0, 20), /^ctx\.jsonl:2: expected a context record as valid JSON/],
    [JSON.stringify({ id: 'b', context: 3, model: 'm', prompt: 'p' }), /^ctx\.jsonl:2: expected context to be a string but found number 3$/],
    [JSON.stringify({ id: '', context: 'c', model: 'm', prompt: 'p' }), /^ctx\.jsonl:2: expected id to be a non-empty string/],
    [JSON.stringify({ id: 'b', context: 'c', model: 'm' }), /^ctx\.jsonl:2: expected prompt to be a string but found nothing$/],
  ];
  for (const [bad, message] of cases) assert.throws(() => data.parseContexts(`${good}\n${bad}\n`, 'ctx.jsonl'), message);
  const set = data.parseContexts(`${good}\n${good.slice(0, 10)}\n${good.replace('"a"', '"b"')}\n${good}\n`, 'ctx.jsonl', { lenient: true });
  assert.is(set.size, 2);
  assert.is(set.skipped.length, 1);
  assert.is(set.skipped[0]?.line, 2);
  assert.is(set.duplicates, 1);
});

test('importers read each published format', () => {
  const pgim = data.parsePgimAligned('{"img_id": "1", "aux": "Named entities: ..."}\n{"img_id": "2", "aux": null}\n', 'a.jsonl');
  assert.equal([...pgim].map((r) => [r.id, r.context, r.model]), [['1', 'Named entities: ...', 'pgim/chatgpt']]);

  const blip = data.parseBlip2Captions('108911.jpg :the chicago bears are playing\n713.jpg :chicago white sox quotes\n', 'BLIP2_15.txt');
  assert.is(blip.get('108911')?.context, 'the chicago bears are playing');

  const riveg = data.parseRivegDescriptions('imgid:797970###The picture shows a mailbox.\n\nA person is visible.\nimgid:O_4862###A woman.\n', 'owl.txt');
  assert.equal([...riveg].map((r) => [r.id, r.context]), [['797970', 'The picture shows a mailbox.\n\nA person is visible.'], ['O_4862', 'A woman.']]);

  const camim = data.parseCamimCaptions(`{'img_id': 'twitter_1.jpg', 'text': "Actor's portrait.\\n"}\n`, 'dir/cogvlm_val.txt');
  assert.equal([...camim], [{ id: 'twitter_1.jpg', context: "Actor's portrait.", model: 'camim/cogvlm', prompt: '' }]);

  const rec = { token: ['New', 'Crocodile'], img_id: 'x.jpg', label_list: [], image_caption: ['two dogs'], knowledge: ['Crocodiles are reptiles.', 'Second.'] };
  assert.is(data.parseKecpm(`${JSON.stringify(rec)}\n`, 'test_ofa_knowledge.json').get('x')?.context, 'Crocodiles are reptiles. Second.');
  assert.is(data.parseKecpm(JSON.stringify([rec]), 'test_ofa_image_caption.json').get('x')?.model, 'kecpm/ofa');

  const sentences = data.parseTwitterNer('IMGID:7\nGo\tO\nLouis\tB-PER\n\nIMGID:8\nHi\tO\n', 't.txt').records;
  const raw = data.parsePgimConll('Go\tO\r\nLouis\tB-PER\r\n<EOS>\tX\r\nLouis\tX\r\nis\tX\r\n(person).\tX\r\n\r\n', 'p.txt', sentences);
  assert.equal([...raw].map((r) => [r.id, r.context]), [['7', 'Louis is (person).']]);
});

test('importer errors name file and line', () => {
  assert.throws(() => data.parseBlip2Captions('108911.jpg the bears\n', 'BLIP2_15.txt'), /^BLIP2_15\.txt:1: expected a "<image file> :<caption>" line but found "108911\.jpg the bears"$/);
  assert.throws(() => data.parseRivegDescriptions('no header\n', 'owl.txt'), /^owl\.txt:1: expected an "imgid:<id>###<description>" line/);
  assert.throws(() => data.parseCamimCaptions("{'img_id': 'a.jpg', 'text': 'x'\n", 'c.txt'), /^c\.txt:1: expected a Python dict literal: ',' or '\}' at column \d+ but found end of input$/);
  assert.throws(() => data.parseKecpm('{"token": ["a"], "img_id": "x.jpg", "label_list": []}\n', 'k_ofa_knowledge.json'), /k_ofa_knowledge\.json:1: expected record 0: knowledge to be a list of strings but found nothing$/);
  const sentences = data.parseTwitterNer('IMGID:7\nGo\tO\n', 't.txt').records;
  assert.throws(() => data.parsePgimConll('Stop\tO\n<EOS>\tX\nk\tX\n', 'p.txt', sentences), /^p\.txt:1: expected the tokens of IMGID:7 \(block 1 of the dataset\) but found "Stop"$/);
  assert.throws(() => data.parsePgimConll('Go\tO\nk\tX\n', 'p.txt', sentences), /expected a block ending in an <EOS>/);
});

const real = withSharedData(test);

const twitter = (year: string, split: string) => readOnce(`twitter${year}/${split}.txt`, () => data.readTwitterNer(shared(`twitter${year}`, `${split}.txt`)));
const twitterIds = async (year: string, split: string) => (await twitter(year, split)).records.map((r) => r.imageId);

real('PGIM knowledge covers every tweet but the last of each 2015 split; raw and aligned files agree', async () => {
  const got: number[] = [];
  for (const year of ['2015', '2017']) {
    for (const split of ['train', 'valid', 'test']) {
      const ids = await twitterIds(year, split);
      const aligned = await data.importContexts(C('pgim_chatgpt_aux', 'aligned_by_imgid', `twitter${year}_${split}.jsonl`), 'pgim-aligned');
      got.push(aligned.coverage(ids).covered);
      if (year === '2015' && split === 'valid') {
        const sentences = (await twitter('2015', 'valid')).records;
        const raw = await data.importPgimConll(C('pgim_chatgpt_aux', '2015', 'valid.txt'), sentences);
        assert.equal([...raw].map((r) => r.context), [...raw].map((r) => aligned.get(r.id)?.context));
        assert.equal(raw.coverage(ids).missing, [ids[ids.length - 1]]);
      }
    }
  }
  assert.equal(got, [3999, 999, 3256, 3373, 723, 723]);
});

real('BLIP-2 captions cover 100% of both years (8288 and 4819 lines)', async () => {
  for (const [year, lines] of [['2015', 8288], ['2017', 4819]] as const) {
    const set = await data.importContexts(C('blip2_captions_pgim', `BLIP2_${year.slice(2)}.txt`), 'blip2');
    assert.is(set.size + set.duplicates, lines);
    for (const split of ['train', 'valid', 'test']) assert.is(set.coverage(await twitterIds(year, split)).ratio, 1, `${year} ${split}`);
  }
});

real('RiVEG descriptions cover the Twitter-GMNER subset the README gives per split', async () => {
  const files = ['owltraincaption_1.txt', 'owldevcaption_1.txt', 'owltestcaption_1.txt'];
  const sets = await Promise.all(files.map((f) => data.importContexts(C('riveg_owl_captions', f), 'riveg')));
  assert.is(sets.reduce((n, s) => n + s.size, 0), 9997);
  const all = new data.ContextSet(sets.flatMap((s) => [...s]));
  const covered: string[] = [];
  for (const year of ['2015', '2017']) {
    for (const split of ['train', 'valid', 'test']) {
      const c = all.coverage(await twitterIds(year, split));
      covered.push(`${c.covered}/${c.total}`);
    }
  }
  assert.equal(covered, ['2789/4000', '699/1000', '2236/3257', '2994/3373', '637/723', '642/723']);
});

real("CAMIM: each of the 6 captioners covers 100% of MNRE's images, plus one extra id per split", async () => {
  for (const split of ['train', 'val', 'test']) {
    const ids = (await readOnce(`mnre/${split}`, () => data.readMnre(shared('mnre', `ours_${split}.txt`)))).records.map((r) => r.imageId);
    for (const model of ['caption', 'cogvlm', 'llavanext', 'minicpm', 'instruct', 'BLIP']) {
      const set = await data.importContexts(C('camim_mnre_captions', 'caption', `${model}_${split}.txt`), 'camim');
      const c = set.coverage(ids);
      assert.equal([c.ratio, set.size - c.total], [1, 1], `${model} ${split}`);
    }
  }
});

real('KECPM knowledge covers the full JMERE test (475 sentences, 460 images) in every seed', async () => {
  const test475 = (await data.readJmere(shared('jmere', 'v1', 'test.json'))).records;
  assert.is(test475.length, 475);
  for (const seed of ['17', '67', '97']) {
    for (const file of ['test_ofa_knowledge.json', 'test_ofa_image_caption.json']) {
      const set = await data.importContexts(C('kecpm_jmere', 'few_shot', `seed_${seed}`, file), 'kecpm');
      assert.equal([set.size, set.duplicates, set.coverage(test475.map((r) => r.imageId)).ratio], [460, 15, 1], `${seed} ${file}`);
    }
  }
});

test.run();
