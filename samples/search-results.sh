#!/usr/bin/env bash
# Automatic search results (issue 17): LeNet-5 on Fashion-MNIST at 50% of its FLOPs.
# Trains LeNet-5 (3 epochs), then for each search and each seed in $SEEDS (default 1) runs `shrink4j search` with
# its configs/search/ file (the seed replaced) and fine-tunes the best config 2 epochs with
# `shrink4j prune --config best-config.json --epochs 2 --speedup --seed SEED`. Everything goes under
# runs/search-results/ (git-ignored): OUT/SEARCH-seedN/ per run; the last lines of each step's output hold its numbers,
# summary.txt collects them.
# Usage: [SEEDS="1 2 3"] samples/search-results.sh [searches...]
#   (default: uniform amc-ddpg genetic simulated-annealing sensitivity netadapt autocompress)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${SEARCH_RESULTS_OUT:-runs/search-results}
mkdir -p "$OUT"
SEARCHES=("${@:-uniform amc-ddpg genetic simulated-annealing sensitivity netadapt autocompress}")
SEEDS=${SEEDS:-1}
DATA=(${SEARCH_DATA_DIR:+--data-dir "$SEARCH_DATA_DIR"})
W="$OUT/trained/model.safetensors"
if [ ! -f "$W" ]; then
  ./shrink4j train --arch lenet5 --epochs 3 --out "$OUT/trained" "${DATA[@]}" > "$OUT/train.txt" 2>&1
fi
for s in ${SEARCHES[@]}; do
  for seed in $SEEDS; do
    run="$OUT/$s-seed$seed"
    mkdir -p "$run"
    # the config with "seed" set (added when the file has none)
    if grep -q '"seed"' "configs/search/$s.json"; then
      sed -E "s/\"seed\": *[0-9]+/\"seed\": $seed/" "configs/search/$s.json" > "$run.config.json"
    else
      sed "0,/{/s/{/{\n  \"seed\": $seed,/" "configs/search/$s.json" > "$run.config.json"
    fi
    start=$(date +%s)
    ./shrink4j search --arch lenet5 --weights "$W" --config "$run.config.json" --flops 0.5 --out "$run" --resume "${DATA[@]}" \
        > "$run.search.txt" 2> "$run.search.err"
    searched=$(date +%s)
    ./shrink4j prune --arch lenet5 --weights "$W" --config "$run/best-config.json" --epochs 2 --speedup --seed "$seed" \
        --out "$run/finetuned" "${DATA[@]}" > "$run.finetune.txt" 2> "$run.finetune.err"
    {
      echo "== $s seed $seed (search $((searched - start)) s, fine-tune $(( $(date +%s) - searched )) s)"
      head -3 "$run.search.txt"
      tail -15 "$run.finetune.txt"
    } >> "$OUT/summary.txt"
  done
done
