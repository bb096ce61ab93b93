// Files from outside are bounded (issue 13, items 1, 3, 7): image paths that are FIFOs or devices
// fail at once instead of blocking or reading forever, files over the cap are refused, an
// over-long input line is that record's error while the lines after it are read, outputs that
// are the input (by name, symlink or hard link) are refused, and --images-only keeps image paths
// (symlinks included) inside the images folder.
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { jsonlItems, mnreItems } from '../../lib/extract/sources.js';
import { ImageError, preprocess } from '../../lib/image/preprocess.js';
import { lmm } from '../../lib/index.js';
import { boundedLines } from '../../lib/util/bounded-lines.js';
import { readRegularFile, UnreadableFileError } from '../../lib/util/bounded-read.js';
import { outsideReason } from '../../lib/util/confine.js';
import { assertOutputsAreNotInputs, OutputIsInputError, sameFile } from '../../lib/util/same-file.js';

const test = suite('hardening: inputs from outside');
let root = '';
let fifo = '';

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shapca-inputs-'));
  fifo = join(root, 'pipe.jpg');
  execFileSync('mkfifo', [fifo]);
});
test.after(() => rm(root, { recursive: true, force: true }));

async function readError(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

test('a FIFO, a device, a folder: refused at once, without blocking or reading', async () => {
  const started = Date.now();
  for (const [path, kind] of [[fifo, 'a FIFO'], ['/dev/zero', 'a character device'], [root, 'a directory']] as const) {
    const err = await readError(readRegularFile(path, 1 << 20, 'image'));
    assert.instance(err, UnreadableFileError);
    assert.is((err as UnreadableFileError).code, 'SHAPCA_NOT_A_REGULAR_FILE');
    assert.is(err.message, `expected image ${path} to be a regular file but it is ${kind}`);
  }
  const img = await readError(preprocess(fifo, { size: 8, mean: [0, 0, 0], std: [1, 1, 1] }));
  assert.instance(img, ImageError);
  assert.is((img as ImageError).code, 'SHAPCA_IMAGE_NOT_A_FILE');
  const ctx = await readError(lmm.readImageFile('/dev/urandom'));
  assert.instance(ctx, lmm.LmmError);
  assert.match(ctx.message, /\/dev\/urandom to be a regular file but it is a character device/);
  assert.ok(Date.now() - started < 2000, 'nothing blocked');
});

test('an image over the byte cap is refused before it is decoded', async () => {
  const path = join(root, 'big.png');
  await writeFile(path, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123' } }).png().toBuffer());
  const recipe = { size: 8, mean: [0, 0, 0], std: [1, 1, 1] };
  assert.is((await preprocess(path, recipe)).length, 3 * 64);
  const err = await readError(preprocess(path, { ...recipe, maxFileBytes: 64 }));
  assert.instance(err, ImageError);
  assert.is((err as ImageError).code, 'SHAPCA_IMAGE_TOO_LARGE');
  assert.match(err.message, /expected image .*big\.png to be at most 64 bytes but it is \d+/);
  assert.match((await readError(lmm.readImageFile(path, 10))).message, /at most 10 bytes/);
});

test('a line without a newline, longer than the cap, is one error and the next lines are read', async () => {
  const path = join(root, 'long.jsonl');
  const huge = 'x'.repeat(3 << 20);
  await writeFile(path, `{"id":"a","text":"one"}\r\n${huge}\n{"id":"b","text":"two"}\n${huge}`);
  const lines = [];
  for await (const l of boundedLines(path, 1 << 20)) lines.push(l.text ?? `tooLong ${l.tooLong}`);
  assert.equal(lines, ['{"id":"a","text":"one"}', `tooLong ${3 << 20}`, '{"id":"b","text":"two"}', `tooLong ${3 << 20}`]);
  const items = [];
  for await (const it of jsonlItems(path, { maxLineBytes: 1 << 20 })) items.push(it.error ?? it.json);
  assert.is(items.length, 4);
  assert.is(items[1], `line 2 is ${3 << 20} bytes, longer than the 1048576-byte limit on one line (--max-line-bytes)`);
  assert.is(items[2], '{"id":"b","text":"two"}');
  const mnre = join(root, 'long.txt');
  await writeFile(mnre, `${huge}\n`);
  const m = [];
  for await (const it of mnreItems(mnre, { maxLineBytes: 1024 })) m.push(it.error);
  assert.equal(m, [`line 1 is ${3 << 20} bytes, longer than the 1024-byte limit on one line (--max-line-bytes)`]);
});

test('an output that is an input is refused: same name, another spelling, symlink, hard link', async () => {
  const input = join(root, 'in.jsonl');
  await writeFile(input, '{"id":"a","text":"x"}\n');
  await symlink(input, join(root, 'sym.jsonl'));
  await link(input, join(root, 'hard.jsonl'));
  for (const out of [input, `${root}/./in.jsonl`, join(root, 'sym.jsonl'), join(root, 'hard.jsonl')]) {
    assert.ok(sameFile(out, input), out);
    try {
      assertOutputsAreNotInputs([undefined, out], [input]);
      assert.unreachable(out);
    } catch (err) {
      assert.instance(err, OutputIsInputError);
      assert.match((err as Error).message, new RegExp(`^refusing to write .*: it is the input .*in\\.jsonl \\(same file.*\\); choose another output$`));
    }
  }
  assert.not.ok(sameFile(join(root, 'new.jsonl'), input));
  await writeFile(join(root, 'other.jsonl'), '{"id":"a","text":"x"}\n');
  assertOutputsAreNotInputs([join(root, 'other.jsonl'), join(root, 'new.jsonl')], [input, undefined]);
});

test('--images-only: paths and symlinks that lead out of the folder are refused', async () => {
  const images = join(root, 'images');
  await mkdir(images);
  await writeFile(join(images, 'ok.jpg'), 'x');
  await symlink('/etc/hostname', join(images, 'escape.jpg'));
  assert.is(await outsideReason(join(images, 'ok.jpg'), images), undefined);
  assert.match((await outsideReason('/etc/hostname', images)) ?? '', /is outside the images folder/);
  assert.match((await outsideReason(join(images, '..', 'in.jsonl'), images)) ?? '', /is outside the images folder/);
  assert.match((await outsideReason(join(images, 'escape.jpg'), images)) ?? '', /escape\.jpg is outside the images folder .* \(it leads to \/etc\/hostname\)/);
});

test.run();
