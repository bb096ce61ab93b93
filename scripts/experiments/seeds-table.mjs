#!/usr/bin/env node
// The table of scripts/experiments/seeds.mjs from a runs folder: per dataset and configuration the
// mean ± standard deviation (over seeds) of the test F1, and paired bootstrap p-values of
// +Shap-CA against +context and against text-only.
//   node scripts/experiments/seeds-table.mjs [RUNS_DIR]
// The bootstrap resamples the test instances (sentences for MNER and MJERE, instances for MRE)
// with replacement, 2000 times, and recomputes, on each resample, the difference of the two
// configurations' F1 averaged over the seeds both have (the same resample for every seed: paired);
// p is twice the smaller share of resamples on either side of 0 (two-sided).
// Under the table: the same test of each tiny configuration against the linear baseline, and the
// runs whose test predictions collapsed to one constant answer (no entity,
// every relation `None`, no triple, or one label for everything) are named, or "none" is said.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DATASETS = ['t15', 't17', 'mnre', 'jmere'];
export const CONFIGS = ['linear', 'text-only', 'context', 'shapca'];
const NAMES = { t15: 'Twitter-2015 (conlleval F1)', t17: 'Twitter-2017 (conlleval F1)', mnre: 'MNRE v2 (micro F1)', jmere: 'JMERE v1 (quintuple F1)' };
const LABELS = { 'text-only': 'text-only', context: '+context', shapca: '+Shap-CA' };
const ROUNDS = 2000;

const metrics = await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'metrics', 'index.js')).href);

/** Per test instance: [correct, predicted, gold] of the dataset's F1. */
function counts(ds, lines, none) {
  return lines.map((l) => {
    let m;
    if (ds === 't15' || ds === 't17') m = metrics.scoreNer([l.gold], [l.pred], 'conlleval').micro;
    else if (ds === 'mnre') m = metrics.scoreRelations([l.gold], [l.pred], none).micro;
    else m = metrics.scoreJoint([{ entities: [], triples: l.gold }], [{ entities: [], triples: l.pred }]).quintuple;
    return [m.correct, m.predicted, m.gold];
  });
}

/** Whether every test prediction is the same answer: no entity, one relation label for all (`None` or another), no triple. */
function constant(ds, lines) {
  if (ds === 't15' || ds === 't17') return lines.every((l) => l.pred.every((t) => t === 'O'));
  if (ds === 'mnre') return new Set(lines.map((l) => l.pred)).size <= 1;
  return lines.every((l) => l.pred.length === 0);
}

const f1 = (c, p, g) => (p + g > 0 ? (2 * c) / (p + g) : 0);

/** The runs of one configuration: seed → { f1 (summary), counts (per test instance) }. */
function runsOf(dir, ds, config) {
  const out = new Map();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const m = new RegExp(`^${ds}-${config}-s(\\d+)\\.json$`).exec(f);
    if (!m) continue;
    let s;
    try {
      s = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch {
      continue;
    }
    const t = s.testMetrics;
    const score = ds === 't15' || ds === 't17' ? t?.conlleval?.f1 : t?.f1;
    if (typeof score !== 'number') continue;
    const preds = join(dir, f.replace(/\.json$/, ''), 'test-predictions.jsonl');
    const none = s.relations?.none ?? s.meta?.labels?.none ?? 'None';
    const lines = existsSync(preds) ? readFileSync(preds, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : null;
    out.set(Number(m[1]), { f1: score, counts: lines ? counts(ds, lines, none) : null, constant: lines ? constant(ds, lines) : null });
  }
  return out;
}

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two-sided paired bootstrap p-value of mean-over-seeds F1(a) − F1(b); null when not computable. */
export function pairedBootstrap(a, b) {
  const seeds = [...a.keys()].filter((s) => b.has(s) && a.get(s).counts && b.get(s).counts);
  if (seeds.length === 0) return null;
  const n = a.get(seeds[0]).counts.length;
  if (seeds.some((s) => a.get(s).counts.length !== n || b.get(s).counts.length !== n)) return null;
  const next = rng(12345);
  let below = 0, above = 0;
  const idx = new Int32Array(n);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(next() * n);
    let diff = 0;
    for (const s of seeds) {
      for (const [run, sign] of [[a.get(s), 1], [b.get(s), -1]]) {
        let c = 0, p = 0, g = 0;
        for (const i of idx) {
          const k = run.counts[i];
          c += k[0]; p += k[1]; g += k[2];
        }
        diff += sign * f1(c, p, g);
      }
    }
    if (diff <= 0) below++;
    if (diff >= 0) above++;
  }
  return { p: Math.min(1, (2 * Math.min(below, above)) / ROUNDS), seeds: seeds.length };
}

function cell(runs) {
  const v = [...runs.values()].map((r) => r.f1 * 100);
  if (v.length === 0) return 'pending';
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : NaN;
  return `${mean.toFixed(2)}${v.length > 1 ? ` ± ${sd.toFixed(2)}` : ''}${v.length !== 3 ? ` (${v.length} seed${v.length > 1 ? 's' : ''})` : ''}`;
}

function pcell(r) {
  if (!r) return 'pending';
  return `${r.p < 0.001 ? '< 0.001' : r.p.toFixed(3)}${r.seeds !== 3 ? ` (${r.seeds} seed${r.seeds > 1 ? 's' : ''})` : ''}`;
}

/** The markdown table of a runs folder. */
export function table(dir) {
  const collapsed = [];
  const vsLinear = [];
  const rows = ['| dataset | linear baseline | text-only | +context | +context +Shap-CA | p: Shap-CA vs context | p: Shap-CA vs text-only |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const ds of DATASETS) {
    const r = Object.fromEntries(CONFIGS.map((c) => [c, runsOf(dir, ds, c)]));
    rows.push(`| ${NAMES[ds]} | ${CONFIGS.map((c) => cell(r[c])).join(' | ')} | ${pcell(pairedBootstrap(r.shapca, r.context))} | ${pcell(pairedBootstrap(r.shapca, r['text-only']))} |`);
    for (const c of CONFIGS) for (const [seed, run] of r[c]) if (run.constant) collapsed.push(`${ds}-${c}-s${seed}`);
    const tiny = CONFIGS.filter((c) => c !== 'linear').map((c) => `${LABELS[c]} ${pcell(pairedBootstrap(r[c], r.linear))}`);
    vsLinear.push(`${NAMES[ds].replace(/ \(.*/, '')}: ${tiny.join(', ')}`);
  }
  rows.push('', `p against the linear baseline — ${vsLinear.join('; ')}.`);
  rows.push('', `Runs whose test predictions are one constant answer: ${collapsed.length ? collapsed.join(', ') : 'none'}.`);
  return rows.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(table(process.argv[2] ?? 'runs/seeds'));
