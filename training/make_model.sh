#!/usr/bin/env bash
# Reproduce models/warden-minilm/ 2.0.3 from scratch (CPU only). Training is the long step:
# two runs of step 2 (one epoch as 2.0.2, and two epochs with the benign shapes and the
# contrast pairs together in the batch), each with step 2b, then their weights averaged
# 0.5 / 0.5. About 1 h 40 min on a 2-core AVX-512 machine, about twice that on an older
# AVX2 one (wall times in MODEL_CARD.md). Resumable: run this again after an interruption
# and train2.py continues from training/runs/<run>/ckpt.pt (delete the folder to start over).
#
#   bash training/make_model.sh            # from the repo root
#   WARDEN_DATA=/path/to/data bash training/make_model.sh
#
# Env:
#   WARDEN_DATA     data root holding train/*.jsonl (default: ../shared/data from repo root)
#   WARDEN_THREADS  torch threads (default 2; use 1 when another job holds a core:
#                   2 contended threads ran ~4x slower than 1)
#   BUDGET_MIN      time cap in minutes for each step-2 run (default 240). The plan is the
#                   full schedule; a cap that binds shortens it, and the result is then not
#                   2.0.3 (train2.py logs "budget cap" when that happens).
# Logs go to training/runs/*.log; caches to training/cache/ (both git-ignored).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export WARDEN_DATA="${WARDEN_DATA:-$ROOT/../shared/data}"
case "$WARDEN_DATA" in /*) ;; *) WARDEN_DATA="$ROOT/$WARDEN_DATA" ;; esac
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export WARDEN_THREADS="${WARDEN_THREADS:-2}"
export OMP_NUM_THREADS="$WARDEN_THREADS"
BUDGET_MIN="${BUDGET_MIN:-240}"
NAME=final2mix
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

step "generated data (deterministic): benign identity speech, contrast pairs, functional suite, focus set"
python3 gen_training_extra.py | tee runs/gen_extra.log
python3 functional/generate.py | tee runs/gen_functional.log
python3 gen_training_focus.py | tee runs/gen_focus.log
python3 functional/overlap.py data/*.jsonl data/*_train.txt | tee runs/overlap.log

step "validation views (1.0's prepare: OLID/HatEval val, Davidson/civil held-out slices)"
[ -f cache/dataset.pkl ] || "$PY" prepare_data.py | tee runs/prepare.log

step "2.0 training sets (all sources, per-definition heads, counterfactual pairs, the focus set; and with the benign shapes)"
[ -f cache/train2_focus.pkl ] || "$PY" prepare2.py --focus | tee runs/prepare2.log
[ -f cache/train2_focus_shapes.pkl ] || "$PY" prepare2.py --focus --shapes | tee runs/prepare2_shapes.log

step "run A: fine-tune all six layers + heads, 1 epoch (2.0.2's recipe), resumable"
[ -f runs/final2/final.pt ] || "$PY" train2.py --name final2 --cache train2_focus.pkl --epochs 1 --budget-min "$BUDGET_MIN" --seed 13 | tee -a runs/train_final2.log
step "run A, second stage: short benign texts + replay (false alarms on single words)"
[ -f runs/final2/final_short.pt ] || "$PY" train2_short.py --name final2 --cache train2_focus.pkl | tee runs/train_short_final2.log

step "run B: 2 epochs, benign shapes, contrast pairs together in the batch, resumable"
[ -f runs/final2p/final.pt ] || "$PY" train2.py --name final2p --cache train2_focus_shapes.pkl --epochs 2 --pair-rate 1.0 --budget-min "$BUDGET_MIN" --seed 13 | tee -a runs/train_final2p.log
step "run B, second stage"
[ -f runs/final2p/final_short.pt ] || "$PY" train2_short.py --name final2p --cache train2_focus_shapes.pkl | tee runs/train_short_final2p.log

step "0.5 / 0.5 weight average of the two (WiSE-FT; why: MODEL_CARD.md, 2.0.3)"
mkdir -p "runs/$NAME"
cp runs/final2/final_short.pt "runs/$NAME/one_epoch.pt"
cp runs/final2p/final_short.pt "runs/$NAME/two_epochs.pt"
"$PY" interpolate.py --name "$NAME" --a one_epoch.pt --b two_epochs.pt --alpha 0.5 --out final_short.pt

step "export ONNX (fp32 check, fusion, batch-independent int8)"
"$PY" export2.py --name "$NAME" | tee runs/export_$NAME.log

step "evaluate int8 model, write labels.json + eval.json"
"$PY" evaluate.py | tee runs/eval_$NAME.log
"$PY" functional/evaluate_suite.py --model "$ROOT/models/warden-minilm/model.onnx" \
    --out "$ROOT/models/warden-minilm/eval_functional_model.json" | tee runs/functional_$NAME.log

step "parity fixtures"
"$PY" make_parity.py | tee runs/parity.log

step "the default engine on the held-out suites (builds the release binary)"
(cd "$ROOT" && cargo build --release --locked --bin warden)
"$PY" eval_engine.py --warden "$ROOT/target/release/warden" | tee runs/eval_engine_$NAME.log

step "done in $(( $(date +%s) - T0 ))s"
ls -la "$ROOT/models/warden-minilm"
