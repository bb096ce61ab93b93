#!/usr/bin/env node
// Prints the README's results table (markdown) from the run summaries in a runs folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'runs';
const rows = [];
for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
  let s;
  try {
    s = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  } catch {
    continue; // a run still going or killed: no summary yet
  }
  const t = s.testMetrics?.conlleval;
  if (!t) continue;
  rows.push(
    `| ${f.replace(/\.json$/, '')} | ${(s.devScore * 100).toFixed(2)} | ${(t.precision * 100).toFixed(2)} | ${(t.recall * 100).toFixed(2)} | ` +
      `**${(t.f1 * 100).toFixed(2)}** | ${(s.testMetrics.strict.f1 * 100).toFixed(2)} | ${s.bestEpoch + 1}/${s.epochs} | ${s.seed} | ` +
      `${s.samplesPerSec.toFixed(1)} | ${(s.wallSeconds / 60).toFixed(1)} |`,
  );
}
console.log('| run | dev F1 | test P | test R | test F1 (conlleval) | test F1 (strict) | best epoch | seed | samples/s | minutes |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
