#!/usr/bin/env bash
# Automatic search results (issue 17): LeNet-5 on Fashion-MNIST at 50% of its FLOPs.
# Trains LeNet-5 (3 epochs), then for each search (AMC-DDPG 120 episodes / 20 warm-up, genetic 8 generations x 16,
# simulated annealing, and the uniform baseline) runs `shrink4j search` and fine-tunes its best config 2 epochs with
# `shrink4j prune --config best-config.json --epochs 2 --speedup`. Everything goes under runs/search-results/
# (git-ignored); the last lines of each step's output hold its numbers, summary.txt collects them.
# Usage: samples/search-results.sh [searches...]   (default: uniform amc-ddpg genetic simulated-annealing)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${SEARCH_RESULTS_OUT:-runs/search-results}
mkdir -p "$OUT"
SEARCHES=("${@:-uniform amc-ddpg genetic simulated-annealing}")
W="$OUT/trained/model.safetensors"
if [ ! -f "$W" ]; then
  ./shrink4j train --arch lenet5 --epochs 3 --out "$OUT/trained" > "$OUT/train.txt" 2>&1
fi
for s in ${SEARCHES[@]}; do
  start=$(date +%s)
  ./shrink4j search --arch lenet5 --weights "$W" --config "configs/search/$s.json" --flops 0.5 --out "$OUT/$s" --resume \
      > "$OUT/$s.search.txt" 2> "$OUT/$s.search.err"
  searched=$(date +%s)
  ./shrink4j prune --arch lenet5 --weights "$W" --config "$OUT/$s/best-config.json" --epochs 2 --speedup --out "$OUT/$s/finetuned" \
      > "$OUT/$s.finetune.txt" 2> "$OUT/$s.finetune.err"
  {
    echo "== $s (search $((searched - start)) s, fine-tune $(( $(date +%s) - searched )) s)"
    head -3 "$OUT/$s.search.txt"
    tail -15 "$OUT/$s.finetune.txt"
  } >> "$OUT/summary.txt"
done
