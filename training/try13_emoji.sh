#!/usr/bin/env bash
# Try 13: 2.0.3's recipe (make_model.sh) with every training text but Civil Comments read
# with emoji names. Resumable like make_model.sh.
set -euo pipefail
cd "$(dirname "$0")"
export WARDEN_DATA="${WARDEN_DATA:-$(cd .. && pwd)/../shared/data}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 WARDEN_THREADS=2 OMP_NUM_THREADS=2
PY=.venv/bin/python
step() { echo "== $(date +%T) $*"; }
step prepare
[ -f cache/train2_focus_emoji.pkl ] || $PY prepare2.py --focus --read-emoji
[ -f cache/train2_focus_shapes_emoji.pkl ] || $PY prepare2.py --focus --shapes --read-emoji
step run A
[ -f runs/try13a/final.pt ] || $PY train2.py --name try13a --cache train2_focus_emoji.pkl --epochs 1 --budget-min 240 --seed 13
[ -f runs/try13a/final_short.pt ] || $PY train2_short.py --name try13a --cache train2_focus_emoji.pkl
step run B
[ -f runs/try13b/final.pt ] || $PY train2.py --name try13b --cache train2_focus_shapes_emoji.pkl --epochs 2 --pair-rate 1.0 --budget-min 240 --seed 13
[ -f runs/try13b/final_short.pt ] || $PY train2_short.py --name try13b --cache train2_focus_shapes_emoji.pkl
step mix
mkdir -p runs/try13
cp runs/try13a/final_short.pt runs/try13/one_epoch.pt
cp runs/try13b/final_short.pt runs/try13/two_epochs.pt
$PY interpolate.py --name try13 --a one_epoch.pt --b two_epochs.pt --alpha 0.5 --out final_short.pt
step done
