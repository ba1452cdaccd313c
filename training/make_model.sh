#!/usr/bin/env bash
# Reproduce models/warden-minilm/ from scratch (CPU only; measured 26 min on a shared
# 2-core machine with WARDEN_THREADS=1, excluding the pip install).
#
#   bash training/make_model.sh            # from the repo root
#   WARDEN_DATA=/path/to/data bash training/make_model.sh
#
# Env:
#   WARDEN_DATA     data root holding train/*.jsonl (default: ../shared/data from repo root)
#   WARDEN_THREADS  torch threads (default 2; use 1 when another job holds a core:
#                   2 contended threads ran ~4x slower than 1)
#   BUDGET_MIN      training time cap in minutes (default 45; the plan is 2 epochs, the cap
#                   only shortens the schedule on a slow or shared machine)
# Logs go to training/runs/*.log; caches to training/cache/ (both git-ignored).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export WARDEN_DATA="${WARDEN_DATA:-$ROOT/../shared/data}"
case "$WARDEN_DATA" in /*) ;; *) WARDEN_DATA="$ROOT/$WARDEN_DATA" ;; esac
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export WARDEN_THREADS="${WARDEN_THREADS:-2}"
export OMP_NUM_THREADS="$WARDEN_THREADS"
BUDGET_MIN="${BUDGET_MIN:-45}"
NAME=final
VENV="$ROOT/training/.venv"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install --quiet -r training/requirements.txt
T0=$(date +%s)

mkdir -p training/runs training/cache
cd training
step() { echo "== $(date +%T) $*"; }

step "equivalence check: our BERT module vs transformers.BertModel"
"$PY" -c "import warden_common as W; W.set_threads(); d=W.check_against_transformers(['Hello @bob &amp; friends', 'You are an idiot']); print('max diff', d); assert d < 1e-4"

step "prepare data"
"$PY" prepare_data.py | tee runs/prepare.log

step "cache frozen layers 0-3 (float16)"
"$PY" cache_features.py --k 4 | tee runs/cache_k4.log

step "train top 2 layers + heads (2 epochs, cap ${BUDGET_MIN} min)"
"$PY" train.py --name "$NAME" --k 4 --epochs 2 --budget-min "$BUDGET_MIN" --lr 1.5e-4 \
    --head-lr 1e-3 --tok-weight 1.5 --tok-pos-weight 3 --augment-benign --benign-repeat 4 \
    --seed 13 | tee runs/train_$NAME.log

step "export ONNX (fp32 check, fusion, int8)"
"$PY" export.py --name "$NAME" | tee runs/export_$NAME.log

step "evaluate int8 model, write labels.json + eval.json"
"$PY" evaluate.py | tee runs/eval_$NAME.log

step "parity fixtures"
"$PY" make_parity.py | tee runs/parity.log

step "done in $(( $(date +%s) - T0 ))s"
ls -la "$ROOT/models/warden-minilm"
