// Image ids → files: Twitter's bare ids get ".jpg", MNRE's file names stay as they are, and no id
// can reach outside the images folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';

const test = suite('images');

test('ids resolve inside the configured folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shapca-img-'));
  try {
    writeFileSync(join(dir, '1015799.jpg'), '');
    writeFileSync(join(dir, 'twitter_19_31_8_89.jpg'), '');
    const images = new data.ImageResolver(dir);
    assert.is(images.path('1015799'), join(dir, '1015799.jpg'));
    assert.is(images.path('twitter_19_31_8_89.jpg'), join(dir, 'twitter_19_31_8_89.jpg'));
    assert.is(new data.ImageResolver(dir, { extension: '.png' }).fileName('syn_1'), 'syn_1.png');
    assert.ok(await images.exists('1015799'));
    assert.equal(await images.missing(['1015799', '42', '42', 'twitter_19_31_8_89.jpg']), ['42']);
    assert.throws(() => images.path('../etc/passwd'), /expected an image id naming a file inside/);
    assert.throws(() => images.path(''), /expected an image id naming a file inside/);
    assert.is(await images.exists('../../x'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('imageKey drops only image extensions', () => {
  assert.is(data.imageKey('twitter_1.jpg'), 'twitter_1');
  assert.is(data.imageKey('a.PNG'), 'a');
  assert.is(data.imageKey('1015799'), '1015799');
  assert.is(data.imageKey('O_4862'), 'O_4862');
  assert.is(data.imageKey('v1.2'), 'v1.2');
});

test.run();
