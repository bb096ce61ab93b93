#!/usr/bin/env bash
# The from-scratch relation tables of README.md: the tiny preset on MNRE v2 (--task re) and on
# both JMERE folders (--task joint), text only, with CAMIM's Qwen-VL captions as contexts, and with
# the Shap-CA alignment on top (no images exist here, so the image branch is off).
#   npm run build:ts && bash scripts/experiments/mnre-jmere.sh [RUNS_DIR] [--threads N]
# MNRE_EPOCHS (default 5), JMERE_EPOCHS (default 8) and JMERE_FOLDERS (default "v1 merged") shorten it.
# Needs ../shared/data. Runs resume (--resume), so the script can be re-run after an interruption;
# finished runs are skipped. Each run prints one JSON summary; the table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs}
shift || true
data=../shared/data
captions=$data/contexts/camim_mnre_captions/caption
contexts=(--contexts "$captions/caption_train.txt" "$captions/caption_val.txt" "$captions/caption_test.txt" --contexts-format camim)
common=(--preset tiny --no-image --batch-size 16 --max-length 128 --seed 42 --no-progress --json --resume "$@")

if [ ! -f dist/cli/main.js ]; then
  echo "build the CLI first: npm run build:ts" >&2
  exit 1
fi

run() {  # name task data-dir epochs extra-flags...
  local name=$1 task=$2 dir=$3 epochs=$4; shift 4
  echo "== $name ($(date +%H:%M))" >&2
  node dist/cli/main.js train --task "$task" --data "$dir" --out "$runs/$name" --epochs "$epochs" "${common[@]}" "${contexts[@]}" "$@" \
    > "$runs/$name.json"
}

mkdir -p "$runs"
# MNRE v2: 12247 / 1624 / 1614 instances, 23 labels (ours_rel2id.json); score: micro F1 over non-None
mnre_epochs=${MNRE_EPOCHS:-5}
jmere_epochs=${JMERE_EPOCHS:-8}
run mnre-text-only re "$data/mnre" "$mnre_epochs" --no-context
run mnre-context re "$data/mnre" "$mnre_epochs" --no-align
run mnre-shapca re "$data/mnre" "$mnre_epochs"
# JMERE v1 (3618 / 496 / 475 sentences) and merged (3468 / 473 / 460); score: exact quintuple F1
for v in ${JMERE_FOLDERS:-v1 merged}; do
  run "jmere-$v-text-only" joint "$data/jmere/$v" "$jmere_epochs" --no-context
  run "jmere-$v-context" joint "$data/jmere/$v" "$jmere_epochs" --no-align
  run "jmere-$v-shapca" joint "$data/jmere/$v" "$jmere_epochs"
done

node --input-type=module - "$runs" <<'JS'
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const pct = (x) => (x === undefined ? '' : (x * 100).toFixed(2));
console.log('| run | dev F1 | test P | test R | test F1 | entity F1 | pair F1 | best epoch | seed | samples/s | minutes |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const f of readdirSync(dir).filter((n) => /^(mnre|jmere)-.*\.json$/.test(n)).sort()) {
  let s;
  try {
    s = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  } catch {
    continue; // a run still going or killed: no summary yet
  }
  const t = s.testMetrics;
  if (!t) continue;
  console.log(
    `| ${f.replace(/\.json$/, '')} | ${pct(s.devScore)} | ${pct(t.precision)} | ${pct(t.recall)} | **${pct(t.f1)}** | ${pct(t.entity?.f1)} | ` +
      `${pct(t.pair?.f1)} | ${s.bestEpoch + 1}/${s.epochs} | ${s.seed} | ${s.samplesPerSec.toFixed(1)} | ${(s.wallSeconds / 60).toFixed(1)} |`,
  );
}
JS
