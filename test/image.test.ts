// image.preprocess vs PIL renditions of the HF recipes (tools/reference/make_image_fixtures.py),
// exact values on solid colours, EXIF orientation, centre crop, formats, errors, and the shared
// sample images when present.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { CLIP_MEAN, CLIP_STD, ImageError, preprocess, preprocessBatch, VIT_MEAN, VIT_STD } from '../lib/image/index.js';
import { f32, readFixture, tensor } from './fixtures.js';

const test = suite('image preprocessing');
const fx = readFixture('images.shfx');
const raw = tensor(fx, 'image.raw');
const [H, W] = raw.shape as [number, number, number];
const png = () => sharp(Buffer.from((raw.data as Uint8Array).buffer), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();

function stats(a: Float32Array, b: Float32Array): { meanAbs: number; maxAbs: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    sum += d;
    max = Math.max(max, d);
  }
  return { meanAbs: sum / a.length, maxAbs: max };
}

test('crop recipe (CLIPImageProcessor) matches PIL within resampling differences', async () => {
  const out = await preprocess(await png(), { size: 16, mean: CLIP_MEAN, std: CLIP_STD });
  const s = stats(out, f32(fx, 'image.crop16'));
  // libvips and PIL bicubic differ by a few levels of 255 on a smooth image (1/255/0.27 ≈ 0.015): here ≈ 1 level at most
  assert.ok(s.meanAbs < 0.005 && s.maxAbs < 0.05, `mean |Δ| ${s.meanAbs.toFixed(4)}, max |Δ| ${s.maxAbs.toFixed(4)}`);
});

test('stretch recipe (ViTImageProcessor) matches PIL within resampling differences', async () => {
  const out = await preprocess(await png(), { size: 16, mean: VIT_MEAN, std: VIT_STD, resize: 'stretch' });
  const s = stats(out, f32(fx, 'image.stretch16'));
  assert.ok(s.meanAbs < 0.005 && s.maxAbs < 0.05, `mean |Δ| ${s.meanAbs.toFixed(4)}, max |Δ| ${s.maxAbs.toFixed(4)}`);
});

test('solid colours normalise exactly, CHW order', async () => {
  const img = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 255, g: 0, b: 51 } } }).png().toBuffer();
  const out = await preprocess(img, { size: 4, mean: CLIP_MEAN, std: CLIP_STD });
  const expect = [255, 0, 51].map((v, c) => (v / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 16; i++) assert.ok(Math.abs(out[c * 16 + i]! - expect[c]!) < 1e-5, `channel ${c}`);
  }
});

test('centre crop keeps the middle of a wide image; EXIF orientation is applied', async () => {
  // 30×10: red | green | blue thirds. The crop of the middle square is all green.
  const bytes = Buffer.alloc(30 * 10 * 3);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 30; x++) bytes[(y * 30 + x) * 3 + Math.floor(x / 10)] = 255;
  const wide = sharp(bytes, { raw: { width: 30, height: 10, channels: 3 } });
  const out = await preprocess(await wide.clone().png().toBuffer(), { size: 4, mean: [0, 0, 0], std: [1, 1, 1], kernel: 'nearest' });
  assert.equal([...out.subarray(0, 16)], new Array(16).fill(0), 'no red');
  assert.equal([...out.subarray(16, 32)], new Array(16).fill(1), 'all green');
  // The same pixels stored rotated (EXIF orientation 6 = rotate 90° clockwise to display):
  // a 10×30 image of thirds that displays as the original, tall instead of wide.
  const stored = await wide.clone().rotate(-90).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
  const tall = await preprocess(stored, { size: 3, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', kernel: 'nearest' });
  const red = tall.subarray(0, 9);
  // displayed 30 wide × 10 tall → stretched to 3×3: columns red, green, blue
  assert.ok(red[0]! > 0.8 && red[1]! < 0.2 && red[2]! < 0.2, `first row ${[...red.subarray(0, 3)]}`);
});

test('PNG with alpha, grayscale JPEG, WebP and GIF decode to 3 channels', async () => {
  const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
  const gray = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } }).grayscale().jpeg().toBuffer();
  const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 100, b: 0 } } }).webp({ lossless: true }).toBuffer();
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 255 } } }).gif().toBuffer();
  const o = { size: 2, mean: [0, 0, 0], std: [1, 1, 1] };
  assert.ok(Math.abs((await preprocess(rgba, o))[0]! - 10 / 255) < 2 / 255);
  const g = await preprocess(gray, o);
  assert.ok(Math.abs(g[0]! - g[4]!) < 1e-6 && Math.abs(g[0]! - 90 / 255) < 3 / 255, 'gray replicated to RGB');
  assert.ok(Math.abs((await preprocess(webp, o))[4]! - 100 / 255) < 1e-6);
  assert.ok((await preprocess(gif, o))[8]! > 0.95);
});

test('missing and corrupt files are ImageErrors a caller can catch per sample; bad options are RangeErrors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shapca-img-'));
  try {
    const o = { size: 4, mean: VIT_MEAN, std: VIT_STD };
    const missing = join(dir, 'nope.jpg');
    const corrupt = join(dir, 'bad.jpg');
    await writeFile(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    for (const [path, code] of [[missing, 'SHAPCA_IMAGE_NOT_FOUND'], [corrupt, 'SHAPCA_IMAGE_DECODE']] as const) {
      try {
        await preprocess(path, o);
        assert.unreachable(path);
      } catch (err) {
        assert.instance(err, ImageError);
        assert.is((err as ImageError).code, code);
        assert.ok((err as Error).message.startsWith(path), (err as Error).message);
      }
    }
    const good = await sharp({ create: { width: 5, height: 5, channels: 3, background: '#808080' } }).png().toBuffer();
    const batch = await preprocessBatch([good, missing, corrupt, good], o);
    assert.equal(batch.ok, [true, false, false, true]);
    assert.equal([...batch.errors.keys()].sort(), [1, 2]);
    assert.ok(batch.pixels.subarray(48, 96).every((v) => v === 0), 'failed images are zeros');
    try {
      await preprocess(good, { size: 0, mean: VIT_MEAN, std: VIT_STD });
      assert.unreachable('size 0');
    } catch (err) {
      assert.instance(err, RangeError);
      assert.match((err as Error).message, /expected an integer size in \[1, 8192\] but received 0/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the shared sample images (../shared/data/images_sample) match PIL (when /usr/bin/python3 has it)', async () => {
  const dir = join(process.cwd(), '..', 'shared', 'data', 'images_sample');
  if (!existsSync(dir)) {
    console.log(`  (skipped: ${dir} is absent)`);
    return;
  }
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(jpe?g|png|webp|gif)$/i.test(f)).slice(0, 4);
  if (files.length === 0) console.log(`  (skipped: no images under ${dir})`);
  const hasPil = spawnSync('/usr/bin/python3', ['-c', 'import PIL, numpy'], { stdio: 'ignore' }).status === 0;
  if (!hasPil) console.log('  (PIL comparison skipped: /usr/bin/python3 with PIL and numpy is absent; range checks only)');
  for (const f of files) {
    const path = join(dir, f);
    const out = await preprocess(path, { size: 224, mean: CLIP_MEAN, std: CLIP_STD });
    const lo = (0 - CLIP_MEAN[0]!) / CLIP_STD[0]!;
    const hi = (1 - CLIP_MEAN[2]!) / CLIP_STD[2]!;
    assert.ok(out.every((v) => Number.isFinite(v) && v >= lo - 1e-4 && v <= hi + 1e-4), f);
    if (!hasPil) continue;
    const r = spawnSync('/usr/bin/python3', ['tools/reference/make_image_fixtures.py', '--one', path, '224'], { maxBuffer: 1 << 24 });
    assert.is(r.status, 0, String(r.stderr));
    const ref = new Float32Array(new Uint8Array(r.stdout).buffer);
    const s = stats(out, ref);
    // JPEG decoders (libjpeg-turbo in both, but with different IDCT/upsampling) and resamplers differ slightly
    assert.ok(s.meanAbs < 0.03, `${f}: mean |Δ| ${s.meanAbs.toFixed(4)} vs PIL (max ${s.maxAbs.toFixed(3)})`);
  }
});

test.run();
