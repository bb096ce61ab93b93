// A distributed run never truncates a file it reads: the output is compared with the input, the
// model's files and the context files before anything is opened (no Redis is reached for that).
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extractDistributed } from '../../lib/distributed/coordinator.js';
import { OutputIsInputError } from '../../lib/util/same-file.js';

const test = suite('distributed: outputs are never inputs');
const dir = mkdtempSync(join(tmpdir(), 'shapca-queue-safety-'));
const input = join(dir, 'posts.jsonl');
const model = join(dir, 'model');
const contexts = join(dir, 'contexts.jsonl');
const body = '{"id":"a","text":"Rocky wins again"}\n';

test.before(() => {
  writeFileSync(input, body);
  writeFileSync(contexts, '{"id":"a","context":"a boxer"}\n');
  mkdirSync(model);
  writeFileSync(join(model, 'shapca.json'), '{}');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const [name, output] of [
  ['the input itself', () => input],
  ['a hard link to the input', () => { const p = join(dir, 'hard.jsonl'); rmSync(p, { force: true }); linkSync(input, p); return p; }],
  ['a context file', () => contexts],
] as const) {
  test(`--overwrite onto ${name} is refused and the file is untouched`, async () => {
    const before = readFileSync(name === 'a context file' ? contexts : input, 'utf8');
    const err = await extractDistributed({
      queue: 'redis://127.0.0.1:1', model, input, output: output(), overwrite: true,
      contexts: { files: [contexts], format: 'jsonl' },
    }).catch((e: unknown) => e);
    assert.instance(err, OutputIsInputError);
    assert.is(readFileSync(name === 'a context file' ? contexts : input, 'utf8'), before);
  });
}

test.run();
