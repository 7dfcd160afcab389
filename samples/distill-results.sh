#!/usr/bin/env bash
# Knowledge distillation on Fashion-MNIST, measured with the command line (README, "Knowledge distillation"):
#  1. the teacher: VGG (zoo "vgg", 526k parameters, 10.4M MACs), 3 epochs on all 60,000 training images;
#  2. LeNet-5 students on the first STUDENT_SAMPLES training images, EPOCHS epochs, Adam 2e-3 cosine, seeds
#     SEEDS: `train` (cross-entropy) against `distill` with KD (τ 4 and τ 1), DKD, DIST and FitNets
#     (configs/distill/vgg/);
#     `train` and `distill` with the same options draw the same initialisation and batch order;
#  3. the demo's L1-filter and DoReFa models (demo recipe: 5-epoch baseline, 2-epoch fine-tune on all images)
#     fine-tuned plainly and under KD (`prune/quantize --distill`);
#  4. KD τ 1, DKD, DIST and FitNets students as in 2.
# Every step is skipped when its output exists, so a stopped run resumes. Prints a Markdown table at the end.
# Usage: samples/distill-results.sh [RUNS_DIR]   (default runs/distill; runs/ is git-ignored); a second instance
# started beside the first shares the steps; TABLE_ONLY=1 prints the table of what has finished.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-runs/distill}"
STUDENT_SAMPLES="${STUDENT_SAMPLES:-10000}"
EPOCHS="${EPOCHS:-4}"
SEEDS="${SEEDS:-1 2 3}"
METHODS="${METHODS:-kd kd-t1 dkd dist fitnets}"
TEACHER="$RUNS/teacher-vgg"
mkdir -p "$RUNS"

step() {  # step DIR COMMAND...: runs the command into DIR unless DIR/stdout.txt records a finished run
  local dir="$1"; shift
  if [ -f "$dir/stdout.txt" ] && grep -q '^wrote ' "$dir/stdout.txt"; then return; fi
  mkdir -p "$dir"
  # Several instances may run side by side (one per core): each takes the steps no other has locked.
  # A run killed half-way leaves DIR/.lock behind: delete it to redo that step.
  if ! mkdir "$dir/.lock" 2>/dev/null; then echo "  $dir: running elsewhere ($dir/.lock)" >&2; return; fi
  echo "[$(date -u +%H:%M:%S)] $*" >&2
  local t0=$SECONDS
  ./shrink4j "$@" --out "$dir" > "$dir/stdout.txt" 2> "$dir/stderr.txt"
  rmdir "$dir/.lock"
  echo "  $((SECONDS - t0)) s: $(grep -E 'accuracy' "$dir/stdout.txt" | tail -1)" >&2
}

run_steps() {
# 1. teacher
step "$TEACHER" train --arch vgg --epochs 3 --seed 1
TW="$TEACHER/model.safetensors"
until grep -qs '^wrote ' "$TEACHER/stdout.txt"; do sleep 10; done   # another instance may be training it

# 2. students: cross-entropy, then each distillation method
student_args() { echo --arch lenet5 --epochs "$EPOCHS" --lr 0.002 --train-samples "$STUDENT_SAMPLES" --seed "$1"; }
for seed in $SEEDS; do
  step "$RUNS/student-ce-s$seed" train $(student_args "$seed")
  step "$RUNS/student-kd-s$seed" distill $(student_args "$seed") --teacher-arch vgg --teacher-weights "$TW" \
      --config configs/distill/vgg/kd.json
done
# 3. compressed models: plain fine-tune against fine-tune under KD
step "$RUNS/lenet5-baseline" train --arch lenet5 --epochs 5 --lr 0.002
BW="$RUNS/lenet5-baseline/model.safetensors"
KD=(--distill configs/distill/vgg/kd.json --teacher-arch vgg --teacher-weights "$TW")
step "$RUNS/l1-filter-plain" prune --arch lenet5 --weights "$BW" --config configs/l1-filter.json --epochs 2
step "$RUNS/l1-filter-kd" prune --arch lenet5 --weights "$BW" --config configs/l1-filter.json --epochs 2 "${KD[@]}"
step "$RUNS/dorefa-plain" quantize --arch lenet5 --weights "$BW" --config configs/dorefa.json --epochs 2
step "$RUNS/dorefa-kd" quantize --arch lenet5 --weights "$BW" --config configs/dorefa.json --epochs 2 "${KD[@]}"


# 4. the other distillation methods (last: the slowest part)
for m in $METHODS; do
  [ "$m" = kd ] && continue
  for seed in $SEEDS; do
    step "$RUNS/student-$m-s$seed" distill $(student_args "$seed") --teacher-arch vgg --teacher-weights "$TW" \
        --config "configs/distill/vgg/$m.json"
  done
done

}
[ -n "${TABLE_ONLY:-}" ] || run_steps

# the table
acc() {  # the final test accuracy a run printed, in %
  python3 - "$1/stdout.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for pattern in (r"student \S+: test accuracy ([0-9.]+)%", r"([0-9.]+)% after", r"; test accuracy ([0-9.]+)%",
                r"test loss [0-9.]+, accuracy ([0-9.]+)%"):
    found = re.findall(pattern, text)
    if found:
        print(found[-1])
        break
PY
}
finished() { grep -qs '^wrote ' "$1/stdout.txt"; }
mean_sd() { python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1:]]; print(f"{s.mean(v):.2f} ± {s.stdev(v) if len(v)>1 else 0:.2f}", " / ".join(f"{x:.2f}" for x in v), sep=" | ")' "$@"; }
ce=()
for seed in $SEEDS; do finished "$RUNS/student-ce-s$seed" && ce+=("$(acc "$RUNS/student-ce-s$seed")"); done
ce_mean=$(python3 -c 'import sys,statistics as s; print(s.mean(float(x) for x in sys.argv[1:]))' "${ce[@]}")
echo
echo "Teacher VGG: $(acc "$TEACHER")%."
echo "LeNet-5 students: first $STUDENT_SAMPLES training images, $EPOCHS epochs, Adam 2e-3 cosine, batch 64, seeds $SEEDS; full test set."
echo
echo "| student LeNet-5 | mean ± sd | per seed | Δ vs cross-entropy |"
echo "|---|---:|---|---:|"
echo "| cross-entropy (train) | $(mean_sd "${ce[@]}") | — |"
for m in $METHODS; do
  v=()
  for seed in $SEEDS; do finished "$RUNS/student-$m-s$seed" && v+=("$(acc "$RUNS/student-$m-s$seed")"); done
  [ ${#v[@]} -eq 0 ] && continue
  d=$(python3 -c 'import sys,statistics as s; print(f"{s.mean(float(x) for x in sys.argv[2:]) - float(sys.argv[1]):+.2f} pt")' "$ce_mean" "${v[@]}")
  echo "| $m (configs/distill/vgg/$m.json) | $(mean_sd "${v[@]}") | $d |"
done
echo
echo "| compressed LeNet-5 (demo baseline $(acc "$RUNS/lenet5-baseline")%) | plain fine-tune | fine-tune under KD | Δ |"
echo "|---|---:|---:|---:|"
for c in l1-filter dorefa; do
  finished "$RUNS/$c-plain" && finished "$RUNS/$c-kd" || continue
  p=$(acc "$RUNS/$c-plain"); k=$(acc "$RUNS/$c-kd")
  echo "| $c, 2 epochs | $p% | $k% | $(python3 -c "print(f'{$k - $p:+.2f} pt')") |"
done
