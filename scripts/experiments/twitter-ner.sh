#!/usr/bin/env bash
# The from-scratch MNER table of README.md: the tiny preset on Twitter-2017 and Twitter-2015 with
# PGIM's ChatGPT knowledge as contexts (no images exist here, so the image branch is off).
#   bash scripts/experiments/twitter-ner.sh [RUNS_DIR]        (needs ../shared/data; ~1.5 h on 2 cores)
# Each run prints one JSON summary; scripts/experiments/table.mjs turns them into the table.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs}
data=../shared/data
common=(--task ner --preset tiny --epochs 4 --batch-size 16 --max-length 96 --seed 42 --no-progress --json --resume)

run() {  # name dataset-year extra-flags...
  local name=$1 year=$2; shift 2
  local ctx=()
  local files=("$data/contexts/pgim_chatgpt_aux/aligned_by_imgid/twitter${year}_"{train,valid,test}.jsonl)
  ctx=(--contexts "${files[@]}" --contexts-format pgim-aligned)
  echo "== twitter${year} ${name}" >&2
  node dist/cli/main.js train --data "$data/twitter${year}" --out "$runs/t${year}-${name}" "${common[@]}" "${ctx[@]}" "$@" \
    > "$runs/t${year}-${name}.json"
}

mkdir -p "$runs"
for year in 2017 2015; do
  run text-only "$year" --no-context
  run context "$year" --no-align
  run shapca-softmax "$year" --utility softmax-expectation
  run infonce "$year" --objective infonce
  run shapca-cosine "$year" --utility cosine-sum
  run shapca-mean "$year" --utility mean
done
node scripts/experiments/table.mjs "$runs"
