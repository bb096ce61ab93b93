// scripts/experiments/seeds-table.mjs on a made-up runs folder: mean ± std over seeds, the paired
// bootstrap (a clearly better configuration gets a small p, identical ones p = 1), and the runs
// whose predictions collapsed to one constant answer named under the table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

// @ts-expect-error: a plain ES module of the experiment scripts, without types
import { table } from '../scripts/experiments/seeds-table.mjs';

const test = suite('experiments: the multi-seed table');
let dir = '';

/** One MNER run: a summary with its test F1 and per-sentence predictions (right on the first `hits` sentences). */
function nerRun(name: string, f1: number, hits: number, sentences = 60, constant = false): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ testMetrics: { conlleval: { f1 } } }));
  const lines = Array.from({ length: sentences }, (_, i) => {
    const gold = ['B-PER', 'O', 'B-LOC'];
    const pred = constant ? ['O', 'O', 'O'] : i < hits ? gold : ['O', 'B-ORG', 'O'];
    return JSON.stringify({ id: `s${i}`, tokens: ['a', 'b', 'c'], gold, pred });
  });
  writeFileSync(join(dir, name, 'test-predictions.jsonl'), `${lines.join('\n')}\n`);
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-seeds-table-'));
  for (const seed of [1, 2, 3]) {
    nerRun(`t15-linear-s${seed}`, 0.5 + seed / 100, 30);
    nerRun(`t15-context-s${seed}`, 0.5, 30);
    nerRun(`t15-shapca-s${seed}`, 0.9, 55);
    nerRun(`t15-text-only-s${seed}`, seed === 2 ? 0 : 0.5, 30, 60, seed === 2);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('mean ± std per configuration, paired bootstrap p-values, collapsed runs named', () => {
  const md: string = table(dir);
  const row = md.split('\n').find((l) => l.startsWith('| Twitter-2015'))!;
  const cells = row.split('|').map((c) => c.trim());
  assert.is(cells[2], '52.00 ± 1.00');
  assert.is(cells[5], '90.00 ± 0.00');
  assert.is(cells[6], '< 0.001', 'Shap-CA right on 55 of 60 sentences vs 30: significant');
  assert.match(md, /\| MNRE v2 \(micro F1\) \| pending \|/);
  assert.match(md, /one constant answer: t15-text-only-s2\.$/m);
  assert.match(md, /p against the linear baseline — Twitter-2015: text-only [^,]+, \+context 1\.000, \+Shap-CA < 0\.001; Twitter-2017: text-only pending/);
});

test('identical configurations: p = 1; no constant run: "none"', () => {
  rmSync(join(dir, 't15-text-only-s2.json'));
  for (const seed of [1, 2, 3]) nerRun(`t15-shapca-s${seed}`, 0.5, 30);
  const md: string = table(dir);
  const cells = md.split('\n').find((l) => l.startsWith('| Twitter-2015'))!.split('|').map((c) => c.trim());
  assert.is(cells[6], '1.000');
  assert.is(cells[3], '50.00 ± 0.00 (2 seeds)');
  assert.match(md, /one constant answer: none\.$/m);
});

test.run();
