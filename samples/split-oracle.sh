#!/usr/bin/env bash
# What a perfect search could reach on LeNet-5 / Fashion-MNIST at 50% FLOPs (issue 17): fine-tunes given splits with
# the recipe of samples/search-results.sh (channel pruning of the trained model to the split's widths with
# least-squares reconstruction, then `--epochs 2`), so the best split can be compared with the uniform baseline.
# A split is "c1 c2 f1 f2": conv1 filters (of 6), conv2 filters (16), fc1 outputs (120), fc2 outputs (84); the
# default list covers the largest conv2 that fits the budget for each conv1 width and several fc widths, plus the
# uniform baseline's 4 10 79 55. Each line of OUT/summary.txt: split, seed, shrunk parameters, test accuracy.
# Usage: [SEEDS="1 2 3"] [SPLITS=file] samples/split-oracle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${SPLIT_ORACLE_OUT:-runs/split-oracle}
mkdir -p "$OUT"
W=${WEIGHTS:-runs/search-results/trained/model.safetensors}
if [ ! -f "$W" ]; then
  ./shrink4j train --arch lenet5 --epochs 3 --out "$(dirname "$W")" > "$OUT/train.txt" 2>&1
fi
SPLITS=${SPLITS:-}
if [ -z "$SPLITS" ]; then
  SPLITS="$OUT/splits.txt"
  printf '%s\n' "4 10 79 55" "2 16 120 84" "3 13 120 84" "3 14 96 84" "3 15 72 84" "3 15 60 42" "3 16 60 42" \
    "3 16 48 84" "3 16 48 42" "3 16 48 17" "3 16 36 42" "3 16 24 42" "4 9 120 84" "4 10 96 42" "4 10 72 84" \
    "4 11 48 84" "4 12 24 42" "5 6 120 84" "5 7 72 84" "5 7 96 17" "5 8 24 84" "6 4 120 84" "6 5 72 42" \
    "6 5 48 84" > "$SPLITS"
fi
for seed in ${SEEDS:-1}; do
  while read -r c1 c2 f1 f2; do
    run="$OUT/s$c1-$c2-$f1-$f2-seed$seed"
    [ -f "$run.txt" ] && grep -q 'shrunk model' "$run.txt" && continue
    # keep ratios of the readers: conv2 reads conv1's filters, fc1 conv2's, fc2 fc1's outputs, fc3 fc2's
    cat > "$run.json" <<JSON
{"pruner": "channel-pruning", "selection": "l1", "config_list": [
  {"op_names": ["conv1"], "compress_ratio": 1.0},
  {"op_names": ["conv2"], "compress_ratio": $(awk "BEGIN{print $c1/6}")},
  {"op_names": ["fc1"], "compress_ratio": $(awk "BEGIN{print $c2/16}")},
  {"op_names": ["fc2"], "compress_ratio": $(awk "BEGIN{print $f1/120}")},
  {"op_names": ["fc3"], "compress_ratio": $(awk "BEGIN{print $f2/84}")}]}
JSON
    ./shrink4j prune --arch lenet5 --weights "$W" --config "$run.json" --epochs 2 --speedup --seed "$seed" \
        --out "$run" > "$run.txt" 2> "$run.err"
    echo "$c1 $c2 $f1 $f2 seed $seed $(sed -nE 's/^shrunk model: ([0-9,]+) parameters.*test accuracy ([0-9.]+%).*/\1 \2/p' "$run.txt")" \
        >> "$OUT/summary.txt"
  done < "$SPLITS"
done
cat "$OUT/summary.txt"
