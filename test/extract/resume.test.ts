// Resuming and the CLI: a run killed mid-way (SIGKILL, plus a torn last line) and resumed with
// `shapca extract --resume` writes the same bytes as an uninterrupted run; resuming checks the
// output belongs to the input; an existing output is never overwritten silently; one-line errors.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extract } from '../../lib/index.js';
import { cli, spawnCli } from './cli.js';
import { tiny, type Tiny } from './tiny.js';

const test = suite('extract: resume and CLI');
let t: Tiny;
let input = '';
let reference = '';
const N = 120;

const lineCount = (path: string) => {
  try {
    return readFileSync(path, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};

test.before(async () => {
  t = await tiny();
  input = join(t.dir, 'resume-input.jsonl');
  const lines = Array.from({ length: N }, (_, i) => {
    if (i === 33) return '{"id": "torn-in-the-input"';
    const ex = t.train[i % t.train.length]!;
    const image = `${ex.id.split('#')[0]}.jpg`;
    return JSON.stringify({ id: `r${i}`, tokens: ex.tokens.slice(0, 1 + (i % ex.tokens.length)), image, ...(i % 3 ? { context: ex.context } : {}) });
  });
  writeFileSync(input, `${lines.join('\n')}\n`);
  // the uninterrupted run, in this process
  reference = join(t.dir, 'reference.jsonl');
  const s = await extract.extractFile(extract.nerExtractionModel(t.model), { input, output: reference, imagesDir: join(t.data, 'images'), batchSize: 4, window: 8, overwrite: true });
  assert.is(s.written, N);
});

test('killed mid-run (and a torn last line), resumed by the CLI: byte-identical to an uninterrupted run', async () => {
  const output = join(t.dir, 'killed.jsonl');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/extract/kill-child.ts', t.modelDir, input, output, join(t.data, 'images')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let batches = 0;
  child.stdout.on('data', (d: Buffer) => {
    batches += d.toString().split('batch').length - 1;
    if (batches >= 12 && lineCount(output) >= 16) child.kill('SIGKILL');
  });
  await exited;
  const done = lineCount(output);
  assert.ok(done >= 16 && done < N, `the kill should land mid-run (${done} lines)`);
  assert.is(readFileSync(output, 'utf8'), readFileSync(reference, 'utf8').split('\n').slice(0, done).map((l) => `${l}\n`).join(''));
  appendFileSync(output, '{"id":"r99","tokens":["half'); // a write cut short
  const r = spawnCli('extract', '--model', t.modelDir, '--input', input, '--images', join(t.data, 'images'), '-o', output, '--resume',
    '--batch-size', '4', '--window', '8', '--json', '--no-progress');
  assert.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as extract.ExtractFileSummary;
  assert.equal([summary.resumed, summary.written, summary.errors], [done, N - done, done <= 33 ? 1 : 0]);
  assert.ok(summary.repairedBytes > 0);
  assert.ok(readFileSync(output).equals(readFileSync(reference)), 'resumed output differs from the uninterrupted one');
  // resuming a finished output writes nothing and succeeds
  const again = await cli('extract', '--model', t.modelDir, '--input', input, '-o', output, '--resume', '--json', '--no-progress');
  assert.is(again.code, 0, again.stderr);
  assert.is((JSON.parse(again.stdout) as extract.ExtractFileSummary).written, 0);
  assert.ok(readFileSync(output).equals(readFileSync(reference)));
});

test('stopped by its signal (Ctrl-C): whole windows kept, aborted reported, a resume completes the same file', async () => {
  const ner = extract.nerExtractionModel(t.model);
  const controller = new AbortController();
  let calls = 0;
  const stopping: extract.ExtractionModel = {
    ...ner,
    run: (inputs) => {
      if (++calls === 7) controller.abort();
      return ner.run(inputs);
    },
  };
  const output = join(t.dir, 'stopped.jsonl');
  const o = { input, output, imagesDir: join(t.data, 'images'), batchSize: 4, window: 8 };
  const s = await extract.extractFile(stopping, { ...o, overwrite: true, signal: controller.signal });
  assert.ok(s.aborted);
  assert.is(s.written, 24, 'three whole windows (calls 1-6); the window stopped in is dropped');
  const r = await extract.extractFile(ner, { ...o, resume: true });
  assert.equal([r.resumed, r.written, r.aborted], [24, N - 24, false]);
  assert.ok(readFileSync(output).equals(readFileSync(reference)));
});

test('resume refuses an output of another input; an existing output needs --resume or --overwrite', async () => {
  const ner = extract.nerExtractionModel(t.model);
  const other = join(t.dir, 'other.jsonl');
  writeFileSync(other, `${JSON.stringify({ id: 'x0', text: 'Paris' })}\n${JSON.stringify({ id: 'x1', text: 'Aurora' })}\n`);
  const out = join(t.dir, 'other.out.jsonl');
  writeFileSync(out, readFileSync(reference, 'utf8').split('\n').slice(0, 1).join('\n') + '\n');
  try {
    await extract.extractFile(ner, { input: other, output: out, resume: true });
    assert.unreachable('another input must be refused');
  } catch (err) {
    assert.match((err as Error).message, /does not continue .*other\.jsonl: its line 1 has id "r0" but record 1 of the input has id "x0"/);
  }
  const r = await cli('extract', '--model', t.modelDir, '--input', other, '-o', out);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^shapca: .*already exists; pass --resume to continue it or --overwrite/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  const o = await cli('extract', '--model', t.modelDir, '--input', other, '-o', out, '--overwrite', '--json');
  assert.is(o.code, 0, o.stderr);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id), ['x0', 'x1']);
});

test('CLI: results on stdout, summary on stderr; --help; one-line errors', async () => {
  const r = await cli('extract', '--model', t.modelDir, '--input', join(t.data, 'ner', 'test.txt'), '--images', join(t.data, 'images'), '--no-progress');
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as extract.ExtractResult);
  assert.is(lines.length, 24);
  assert.is(lines[0]!.id, 'syn_test_00000');
  assert.match(r.stderr, /^extract: 24 records in .* records\/s\), 0 with an error\n$/);
  for (const cmd of ['extract', 'explain']) {
    const h = await cli(cmd, '--help');
    assert.is(h.code, 0, h.stderr);
    assert.match(h.stdout, /Usage: shapca/);
  }
  const noModel = await cli('extract', '--model', join(t.dir, 'nothing'), '--input', input);
  assert.is(noModel.code, 1);
  assert.match(noModel.stderr, /^shapca: .*shapca\.json/);
  const noInput = await cli('extract', '--model', t.modelDir, '--input', join(t.dir, 'missing.jsonl'), '-o', join(t.dir, 'm.jsonl'));
  assert.is(noInput.code, 1);
  assert.match(noInput.stderr, /^shapca: ENOENT.*missing\.jsonl'\n$/);
  const stdoutResume = await cli('extract', '--model', t.modelDir, '--input', input, '--resume');
  assert.match(stdoutResume.stderr, /--resume needs --output/);
});

test.run();
