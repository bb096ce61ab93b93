// extract never loses an input and continues only its own output (issue 13, items 1, 3, 5, 7):
// -o naming the input (directly, through a symlink or a hard link) is refused with --overwrite
// too, and the input keeps its bytes; -o /dev/null works (no fdatasync on it); an output's
// sidecar (<output>.run.json) makes a resume with a changed input or another model fail with the
// difference; an over-long line is one record's error; --images-only keeps images in --images.
import { link, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extract } from '../../lib/index.js';
import { OutputIsInputError } from '../../lib/util/same-file.js';
import { tiny, type Tiny } from '../extract/tiny.js';

const test = suite('hardening: extract outputs and inputs');
let t: Tiny;
let input = '';
let ner: extract.ExtractionModel;

test.before(async () => {
  t = await tiny();
  ner = extract.nerExtractionModel(t.model);
  input = join(t.dir, 'safety-input.jsonl');
  await writeFile(input, `${t.train.slice(0, 6).map((ex, i) => JSON.stringify({ id: `s${i}`, tokens: ex.tokens })).join('\n')}\n`);
});

test('an output that is the input is refused, by name, symlink or hard link, even with --overwrite', async () => {
  const before = await readFile(input);
  await symlink(input, join(t.dir, 'safety-sym.jsonl'));
  await link(input, join(t.dir, 'safety-hard.jsonl'));
  for (const output of [input, join(t.dir, 'safety-sym.jsonl'), join(t.dir, 'safety-hard.jsonl')]) {
    for (const mode of [{ overwrite: true }, { resume: true }]) {
      try {
        await extract.extractFile(ner, { input, output, ...mode });
        assert.unreachable(output);
      } catch (err) {
        assert.instance(err, OutputIsInputError);
      }
    }
  }
  assert.ok((await readFile(input)).equals(before), 'the input is untouched');
});

test('-o /dev/null: the run completes (nothing to sync), no sidecar is written for it', async () => {
  const s = await extract.extractFile(ner, { input, output: '/dev/null', overwrite: true });
  assert.equal([s.written, s.errors], [6, 0]);
});

test('resume checks the sidecar: a changed input or another model is refused with the difference', async () => {
  const output = join(t.dir, 'safety-out.jsonl');
  const first = await extract.extractFile(ner, { input, output, overwrite: true, identity: { model: 'm1' } });
  assert.is(first.written, 6);
  const sidecar = JSON.parse(await readFile(`${output}.run.json`, 'utf8')) as { input: { sha256: string } };
  assert.match(sidecar.input.sha256, /^[0-9a-f]{64}$/);
  // Same input and model: nothing to do.
  assert.is((await extract.extractFile(ner, { input, output, resume: true, identity: { model: 'm1' } })).written, 0);
  try {
    await extract.extractFile(ner, { input, output, resume: true, identity: { model: 'm2' } });
    assert.unreachable('another model');
  } catch (err) {
    assert.match((err as Error).message, /^cannot resume .*safety-out\.jsonl: it is not the output of this input and model \(model: the run was started with "m1" but this command gives "m2"\)/);
  }
  // Same ids, same line count, other text: only the hash tells.
  const edited = (await readFile(input, 'utf8')).replace('"tokens":["', '"tokens":["Edited", "');
  const changed = join(t.dir, 'safety-changed.jsonl');
  await writeFile(changed, edited);
  try {
    await extract.extractFile(ner, { input: changed, output, resume: true, identity: { model: 'm1' } });
    assert.unreachable('a changed input');
  } catch (err) {
    assert.match((err as Error).message, /input\.(bytes|sha256): the run was started with .* \(the file changed\)/);
  }
});

test('an over-long line is its record\'s error and the records after it are extracted', async () => {
  const long = join(t.dir, 'safety-long.jsonl');
  await writeFile(long, `{"id":"a","text":"Paris"}\n{"id":"b","text":"${'x'.repeat(5000)}"}\n{"id":"c","text":"Aurora"}\n`);
  const out = join(t.dir, 'safety-long.out.jsonl');
  const s = await extract.extractFile(ner, { input: long, output: out, overwrite: true, maxLineBytes: 1000 });
  assert.equal([s.written, s.errors], [3, 1]);
  const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as extract.ExtractResult);
  assert.equal(lines.map((l) => l.id), ['a', '2', 'c']);
  assert.match(lines[1]!.error ?? '', /line 2 is 5020 bytes, longer than the 1000-byte limit/);
});

test('--images-only: an image outside --images is not read (imageError); inside it is', async () => {
  const images = join(t.data, 'images');
  const inside = `${t.train[0]!.id.split('#')[0]}.jpg`;
  const posts = join(t.dir, 'safety-images.jsonl');
  await writeFile(posts, `${JSON.stringify({ id: 'in', text: 'Paris', image: inside })}\n${JSON.stringify({ id: 'out', text: 'Paris', image: join(images, inside).replace('/images/', '/images/../images-elsewhere/') })}\n${JSON.stringify({ id: 'abs', text: 'Paris', image: '/etc/hostname' })}\n`);
  const out = join(t.dir, 'safety-images.out.jsonl');
  await extract.extractFile(ner, { input: posts, output: out, overwrite: true, imagesDir: images, imagesOnly: true });
  const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as extract.ExtractResult);
  assert.is(lines[0]!.imageError, undefined);
  assert.match(lines[1]!.imageError ?? '', /is outside the images folder .*--images-only/);
  assert.match(lines[2]!.imageError ?? '', /\/etc\/hostname is outside the images folder/);
  // Without --images-only an absolute path is read (here: not an image, so a decode error).
  await extract.extractFile(ner, { input: posts, output: out, overwrite: true, imagesDir: images });
  const open = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as extract.ExtractResult);
  assert.match(open[2]!.imageError ?? '', /cannot decode the image/);
});

test.run();
