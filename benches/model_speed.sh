#!/usr/bin/env bash
# Classifier speed, side by side in one run (figures go to BENCHMARKS.md):
#   * `warden score --jsonl` on all OLID tweets with the shipped model and with a baseline
#     model directory (default: 1.0.0 from git history), alternating, RUNS times each:
#     wall seconds and peak RSS per run, medians printed;
#   * the shipped model alone in Python onnxruntime on the same texts (length-sorted
#     batches of 32, 2 threads): model-only texts/s, the bound the Rust path is held to;
#   * the guards' cost: the same file with the identity and slur guards on and off
#     (--policy), and how many texts each read a second time.
#
#   bash benches/model_speed.sh            # from the repository root, after `make build`
#   BASELINE_REV=<git rev> RUNS=5 bash benches/model_speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
BASELINE_REV="${BASELINE_REV:-14c4222}"   # a commit that ships warden-minilm 1.0.0
DATA="${WARDEN_DATA:-../shared/data}/train/olid.jsonl"
BIN=target/release/warden
PY=training/.venv/bin/python
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$PWD/.tools/onnxruntime-1.31.1/onnxruntime/capi/libonnxruntime.so.1.31.1}"
[ -x "$BIN" ] || { echo "build first: make build"; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/baseline"
for f in model.onnx tokenizer.json labels.json; do
    git show "$BASELINE_REV:models/warden-minilm/$f" > "$TMP/baseline/$f"
done
echo '{"thresholds": {"toxicity": {"review": 0.6, "remove": 0.9}, "profanity": {"review": 0.6, "remove": 0.9}, "sexual": {"review": 0.6, "remove": 0.9}, "insult": {"review": 0.6, "remove": 0.9}, "identity_attack": {"review": 0.6, "remove": 0.9}, "threat": {"review": 0.6, "remove": 0.9}, "self_harm": {"review": 0.6}}, "guards": {"identity_counterfactual": false, "slur_context": false}}' > "$TMP/no_guard.json"

one() { # label, extra args...
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" score --jsonl --input "$DATA" --output "$TMP/out.jsonl" "$@" 2>/dev/null
    read -r wall rss < "$TMP/time"
    echo "$label $wall $rss" | tee -a "$TMP/runs"
}
python_model_only() { # one round of the shipped model alone in Python onnxruntime
    [ -x "$PY" ] || return 0
    WARDEN_DATA="$(dirname "$(dirname "$DATA")")" "$PY" training/compare_speed.py --texts 0 --rounds 1 \
        models/warden-minilm/model.onnx | sed -n 's/.*batches of 32 median \([0-9.]*\) texts\/s.*/python_model_only \1/p' \
        | tee -a "$TMP/python"
}
# Interleaved, so that each round's figures share the machine's load (these machines are
# shared: a ratio of runs made minutes apart measures the neighbours).
for _ in $(seq "$RUNS"); do
    one shipped
    python_model_only
    one baseline --model "$TMP/baseline"
    one shipped_no_guard --policy "$TMP/no_guard.json"
done
N=$(wc -l < "$DATA")
echo "texts: $N"
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for label in shipped baseline shipped_no_guard; do
    wall=$(awk -v l="$label" '$1 == l {print $2}' "$TMP/runs" | median)
    rss=$(awk -v l="$label" '$1 == l {print $3}' "$TMP/runs" | median)
    awk -v l="$label" -v w="$wall" -v r="$rss" -v n="$N" \
        'BEGIN {printf "%-17s median %.2f s = %.0f texts/s; peak RSS median %.0f MB\n", l, w, n / w, r / 1024}'
done
"$BIN" score --jsonl --input "$DATA" --output "$TMP/out.jsonl" 2>/dev/null
# A second reading leaves a counterfactual_score; the slur guard's first reading alone
# (the sentence as written read as harmless) does not.
for kind in identity_counterfactual slur_context; do
    read_again=$(grep -o "\"kind\":\"$kind\"[^}]*\"counterfactual_score\"" "$TMP/out.jsonl" | wc -l)
    echo "$kind: $read_again of $N texts read a second time"
done

if [ -s "$TMP/python" ]; then
    # The shipped model alone, the same texts, timed around the model call only.
    py=$(awk '{print $2}' "$TMP/python" | median)
    shipped=$(awk '$1 == "shipped" {print $2}' "$TMP/runs" | median)
    awk -v p="$py" -v w="$shipped" -v n="$N" \
        'BEGIN {printf "python model-only median %.0f texts/s; warden end to end / python model-only = %.2f\n", p, n / w / p}'
fi
