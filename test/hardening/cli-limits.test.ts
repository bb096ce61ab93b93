// The CLI side of issue 13: `extract` and `context` refuse an output that is one of their inputs
// (one line, exit 1, input untouched), `extract -o /dev/null` completes, the limit flags reach the
// work (an image over --max-image-bytes, one outside --images with --images-only), and --help
// explains the limits and the --images-only default.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { cli } from '../extract/cli.js';
import { tiny, type Tiny } from '../extract/tiny.js';

const test = suite('hardening: CLI limits and outputs');
let t: Tiny;
let input = '';

test.before(async () => {
  t = await tiny();
  input = join(t.dir, 'cli-limits.jsonl');
  const image = `${t.train[0]!.id.split('#')[0]}.jpg`;
  writeFileSync(input, `${JSON.stringify({ id: 'a', tokens: t.train[0]!.tokens, image })}\n${JSON.stringify({ id: 'b', text: 'Paris', image: '/etc/hostname' })}\n`);
});

test('extract -o INPUT (even with --overwrite) and context -o DATASET: one-line refusal, input untouched', async () => {
  const before = readFileSync(input);
  const r = await cli('extract', '--model', t.modelDir, '--input', input, '-o', input, '--overwrite', '--no-progress');
  assert.is(r.code, 1);
  assert.match(r.stderr, /^shapca: refusing to write .*cli-limits\.jsonl: it is the input .*cli-limits\.jsonl \(same file\); choose another output\n$/);
  const modelFile = join(t.modelDir, 'shapca.json');
  const m = await cli('extract', '--model', t.modelDir, '--input', input, '-o', modelFile, '--overwrite', '--no-progress');
  assert.is(m.code, 1);
  assert.match(m.stderr, /refusing to write .*shapca\.json: it is the input/);
  assert.ok(readFileSync(input).equals(before));
  const dataset = join(t.data, 'ner', 'train.txt');
  const c = await cli('context', '--images', join(t.data, 'images'), '--dataset', dataset, '-o', dataset, '--provider', 'ollama', '--model', 'm', '--no-progress');
  assert.is(c.code, 1);
  assert.match(c.stderr, /^shapca: refusing to write .*train\.txt: it is the input/);
});

test('extract -o /dev/null completes; --max-image-bytes and --images-only reach the records', async () => {
  const r = await cli('extract', '--model', t.modelDir, '--input', input, '--images', join(t.data, 'images'), '-o', '/dev/null', '--no-progress', '--json');
  assert.is(r.code, 0, r.stderr);
  const out = join(t.dir, 'cli-limits.out.jsonl');
  const s = await cli('extract', '--model', t.modelDir, '--input', input, '--images', join(t.data, 'images'), '-o', out, '--overwrite', '--no-progress',
    '--max-image-bytes', '100', '--images-only');
  assert.is(s.code, 0, s.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { imageError?: string });
  assert.match(lines[0]!.imageError ?? '', /to be at most 100 bytes/);
  assert.match(lines[1]!.imageError ?? '', /\/etc\/hostname is outside the images folder/);
});

test('--help explains the limits and why --images-only is off by default', async () => {
  for (const cmd of ['extract', 'context']) {
    const h = await cli(cmd, '--help');
    for (const words of ['--max-image-bytes', '--images-only', 'Off by', '--max-response-bytes', '--max-total-wait', 'Redirects to another origin are refused']) {
      assert.ok(h.stdout.includes(words), `${cmd} --help mentions ${words}`);
    }
  }
});

test.run();
