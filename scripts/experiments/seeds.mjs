#!/usr/bin/env node
// The multi-seed table of README.md: on Twitter-2015, Twitter-2017 (MNER), MNRE v2 (MRE) and
// JMERE v1 (MJERE), the linear baseline and the tiny preset after in-domain MLM pretraining
// (`shapca pretrain --from-datasets`: the training split's posts and its images' contexts only)
// fine-tuned text-only, with contexts, and with contexts + Shap-CA (softmax utility), 3 seeds each.
//   npm run build:ts && node scripts/experiments/seeds.mjs [--runs DIR] [--data ../shared/data] [--datasets t15,t17,mnre,jmere]
//        [--seeds 1,2,3] [--configs linear,text-only,context,shapca] [--pretrain-epochs 10] [--threads N]
//        [--cased] [--word-features] [--lr-head 1e-3] [--lr-features 1e-2] [--table-only] [--readme]
// --cased learns the pretraining vocabulary cased; --word-features adds the hashed word-feature
// layer to the fine-tunings' heads (trained at --lr-features); --lr-head is the new layers' rate.
// Use a separate --runs folder for each recipe.
// Every run writes one JSON summary (DIR/<dataset>-<config>-s<seed>.json, renamed into place when the
// run ends) and is skipped when that file exists; a killed run resumes from its checkpoint (--resume),
// so the script can be stopped and rerun, or run in parts. At the end (or with --table-only) it
// prints the table (scripts/experiments/seeds-table.mjs) and, with --readme, puts it into README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { DATASETS, CONFIGS, table } from './seeds-table.mjs';

/**
 * Per dataset: task, folder, context files (train first), fine-tuning epochs, max tokens. MNRE
 * fine-tunes for 3 epochs (after in-domain pretraining a 5-epoch run peaked on dev at its second;
 * each epoch is slow) and JMERE for 5 (8 from scratch peaked at 4–7).
 */
const setup = (data) => {
  const pgim = `${data}/contexts/pgim_chatgpt_aux/aligned_by_imgid`;
  const camim = `${data}/contexts/camim_mnre_captions/caption`;
  return {
    t15: { task: 'ner', dir: `${data}/twitter2015`, format: 'pgim-aligned', contexts: ['train', 'valid', 'test'].map((s) => `${pgim}/twitter2015_${s}.jsonl`), epochs: 4, maxLength: 96 },
    t17: { task: 'ner', dir: `${data}/twitter2017`, format: 'pgim-aligned', contexts: ['train', 'valid', 'test'].map((s) => `${pgim}/twitter2017_${s}.jsonl`), epochs: 4, maxLength: 96 },
    mnre: { task: 're', dir: `${data}/mnre`, format: 'camim', contexts: ['train', 'val', 'test'].map((s) => `${camim}/caption_${s}.txt`), epochs: 3, maxLength: 128 },
    jmere: { task: 'joint', dir: `${data}/jmere/v1`, format: 'camim', contexts: ['train', 'val', 'test'].map((s) => `${camim}/caption_${s}.txt`), epochs: 5, maxLength: 128 },
  };
};

function args() {
  const a = process.argv.slice(2);
  const get = (name, def) => {
    const i = a.indexOf(name);
    return i >= 0 ? a[i + 1] : def;
  };
  const list = (name, def, allowed) => {
    const v = get(name, def).split(',').filter(Boolean);
    const bad = v.filter((x) => allowed && !allowed.includes(x));
    if (bad.length) throw new Error(`${name}: unknown ${bad.join(', ')} (expected some of ${allowed.join(', ')})`);
    return v;
  };
  return {
    runs: get('--runs', 'runs/seeds'),
    data: get('--data', '../shared/data'),
    datasets: list('--datasets', DATASETS.join(','), DATASETS),
    seeds: list('--seeds', '1,2,3').map(Number),
    configs: list('--configs', CONFIGS.join(','), CONFIGS),
    pretrainEpochs: get('--pretrain-epochs', '10'),
    threads: get('--threads', undefined),
    cased: a.includes('--cased'),
    wordFeatures: a.includes('--word-features'),
    lrHead: get('--lr-head', '1e-3'),
    lrFeatures: get('--lr-features', '1e-2'),
    tableOnly: a.includes('--table-only'),
    readme: a.includes('--readme'),
  };
}

/** Runs the CLI; its stdout (one JSON summary) goes to `json` only when it succeeds. */
function cli(json, argv) {
  if (existsSync(json)) return true;
  console.error(`== ${json} (${new Date().toISOString().slice(11, 16)})`);
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...argv, '--json', '--no-progress'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`   failed (exit ${r.status}); rerun the script to resume it`);
    return false;
  }
  writeFileSync(`${json}.part`, r.stdout);
  renameSync(`${json}.part`, json);
  return true;
}

function main() {
  const o = args();
  process.chdir(join(import.meta.dirname, '..', '..'));
  if (!existsSync('dist/cli/main.js')) throw new Error('build the CLI first: npm run build:ts');
  mkdirSync(o.runs, { recursive: true });
  const threads = o.threads ? ['--threads', o.threads] : [];
  if (!o.tableOnly) {
    for (const ds of o.datasets) {
      const s = setup(o.data)[ds];
      const pretrained = join(o.runs, `pretrain-${ds}`);
      const neural = o.configs.some((c) => c !== 'linear');
      // One pretrained encoder per dataset (seed 1), shared by the fine-tuning seeds.
      if (neural && !cli(`${pretrained}.json`, [
        'pretrain', '--from-datasets', s.dir, '--contexts', s.contexts[0], '--contexts-format', s.format, '--out', pretrained,
        '--epochs', o.pretrainEpochs, '--batch-size', '32', '--max-length', String(s.maxLength), '--seed', '1', '--resume', ...threads,
        ...(o.cased ? ['--cased'] : []),
      ])) continue;
      for (const seed of o.seeds) {
        for (const config of o.configs) {
          const name = join(o.runs, `${ds}-${config}-s${seed}`);
          if (config === 'linear') {
            cli(`${name}.json`, ['baseline', '--task', s.task, '--data', s.dir, '--out', name, '--seed', String(seed), '--resume']);
            continue;
          }
          const ablation = { 'text-only': ['--no-context'], context: ['--no-align'], shapca: ['--utility', 'softmax-expectation'] }[config];
          cli(`${name}.json`, [
            'train', '--task', s.task, '--data', s.dir, '--model', join(pretrained, 'best'), '--no-image',
            '--contexts', ...s.contexts, '--contexts-format', s.format, '--out', name, '--epochs', String(s.epochs), '--batch-size', '16',
            '--lr-encoder', '2e-4', '--lr-head', o.lrHead, '--max-length', String(s.maxLength), '--seed', String(seed), '--resume', ...threads, ...ablation,
            ...(o.wordFeatures ? ['--word-features', '--lr-features', o.lrFeatures] : []),
          ]);
        }
      }
    }
  }
  const md = table(o.runs);
  writeFileSync(join(o.runs, 'TABLE.md'), `${md}\n`);
  console.log(md);
  if (o.readme) {
    const readme = readFileSync('README.md', 'utf8');
    const begin = '<!-- SEEDS:BEGIN -->';
    const end = '<!-- SEEDS:END -->';
    const i = readme.indexOf(begin), j = readme.indexOf(end);
    if (i < 0 || j < i) throw new Error('README.md has no SEEDS markers');
    writeFileSync('README.md', `${readme.slice(0, i + begin.length)}\n${md}\n${readme.slice(j)}`);
  }
}

main();
