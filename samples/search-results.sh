#!/usr/bin/env bash
# Automatic search results (issue 17): a model on Fashion-MNIST at 50% of its FLOPs.
# Trains the model, then for each search and each seed in $SEEDS (default 1) runs `shrink4j search` with its
# configs/search/ file (the seed replaced) and fine-tunes the result 2 epochs. Everything goes under
# runs/search-results/ (git-ignored; $SEARCH_RESULTS_OUT): OUT/SEARCH-seedN/ per run; the last lines of each step's
# output hold its numbers, summary.txt collects them.
#   LeNet-5 (default): trained 3 epochs (on the first $TRAIN_SAMPLES samples when set); fine-tune =
#     `prune --config best-config.json --epochs 2 --speedup --seed S`
#     (channel pruning of the trained model to the searched widths with least-squares reconstruction, then training).
#   ARCH=resnet20: trained $TRAIN_EPOCHS (default 2) epochs on the first $TRAIN_SAMPLES (default 15000) samples;
#     fine-tune = `train --weights SEARCH/model.safetensors --epochs 2 --train-samples $TRAIN_SAMPLES --seed S` (the
#     search's own L1-shrunk model, trained on; channel pruning refuses ResNet's ten-reader residual group).
# Two at a time on one machine: give each OMP_NUM_THREADS=1 (libtorch's default pool on every core makes two runs
# wait on each other's threads: two searches scoring with 781 fine-tune steps took about 40 s per candidate each on
# 2 cores with the default, 6 s with OMP_NUM_THREADS=1).
# Usage: [SEEDS="1 2 3"] [ARCH=resnet20] samples/search-results.sh [searches...]
#   (default: uniform amc-ddpg genetic simulated-annealing sensitivity netadapt autocompress)
set -euo pipefail
cd "$(dirname "$0")/.."
ARCH=${ARCH:-lenet5}
OUT=${SEARCH_RESULTS_OUT:-runs/search-results}
mkdir -p "$OUT"
SEARCHES=("${@:-uniform amc-ddpg genetic simulated-annealing sensitivity netadapt autocompress}")
SEEDS=${SEEDS:-1}
DATA=(${SEARCH_DATA_DIR:+--data-dir "$SEARCH_DATA_DIR"})
if [ "$ARCH" = lenet5 ]; then
  # TRAIN_SAMPLES=50000 keeps the searches' held-out split (the last 10,000 with validation_size 10000) unseen by the
  # trained model; the fine-tune still trains on all the data
  TRAIN=(--epochs 3 ${TRAIN_SAMPLES:+--train-samples "$TRAIN_SAMPLES"})
else
  TRAIN=(--epochs "${TRAIN_EPOCHS:-2}" --train-samples "${TRAIN_SAMPLES:-15000}")
fi
W="$OUT/trained/model.safetensors"
if [ ! -f "$W" ]; then
  ./shrink4j train --arch "$ARCH" "${TRAIN[@]}" --out "$OUT/trained" "${DATA[@]}" > "$OUT/train.txt" 2>&1
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
    ./shrink4j search --arch "$ARCH" --weights "$W" --config "$run.config.json" --flops 0.5 --out "$run" --resume "${DATA[@]}" \
        > "$run.search.txt" 2> "$run.search.err"
    searched=$(date +%s)
    if [ "$ARCH" = lenet5 ]; then
      ./shrink4j prune --arch lenet5 --weights "$W" --config "$run/best-config.json" --epochs 2 --speedup --seed "$seed" \
          --out "$run/finetuned" "${DATA[@]}" > "$run.finetune.txt" 2> "$run.finetune.err"
    else
      ./shrink4j train --weights "$run/model.safetensors" --arch "$ARCH" --epochs 2 \
          --train-samples "${TRAIN_SAMPLES:-15000}" --seed "$seed" --out "$run/finetuned" "${DATA[@]}" \
          > "$run.finetune.txt" 2> "$run.finetune.err"
    fi
    {
      echo "== $ARCH $s seed $seed (search $((searched - start)) s, fine-tune $(( $(date +%s) - searched )) s)"
      head -3 "$run.search.txt"
      tail -15 "$run.finetune.txt"
    } >> "$OUT/summary.txt"
  done
done
