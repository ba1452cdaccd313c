"""Score the Warden functional test suite with an ONNX model.

Decision rule: a case is passed when the model's `identity_attack` probability is
>= 0.5 for a "hateful" case and < 0.5 for a "non-hateful" case (--threshold/--head
change this). The model runs exactly as in training/evaluate.py: onnxruntime +
the model's tokenizer.json + warden_common.preprocess.

Usage (from the repo root):
    training/.venv/bin/python training/functional/evaluate_suite.py \
        --model models/warden-minilm/model.onnx --out training/runs/functional_suite.json
    ... --suite training/functional/smoke.jsonl     # fast subset
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # training/: warden_common, evaluate


def summarise(cases, scores, threshold):
    """Accuracy per functionality, per label and per target group (pure Python)."""
    def acc(rows):
        return round(sum(r["passed"] for r in rows) / len(rows), 4) if rows else None

    rows = []
    for c, s in zip(cases, scores):
        pred = "hateful" if s >= threshold else "non-hateful"
        rows.append({**c, "score": round(float(s), 4), "passed": pred == c["label"]})
    by_f, by_l, by_t = defaultdict(list), defaultdict(list), defaultdict(list)
    for r in rows:
        by_f[r["functionality"]].append(r)
        by_l[r["label"]].append(r)
        if r["target"] is not None:
            by_t[r["target"]].append(r)
    per_f = {f: {"label": rs[0]["label"], "n": len(rs), "accuracy": acc(rs),
                 "mean_score": round(sum(r["score"] for r in rs) / len(rs), 4)}
             for f, rs in by_f.items()}
    per_t = {t: {"n": len(rs), "accuracy": acc(rs),
                 "hateful_accuracy": acc([r for r in rs if r["label"] == "hateful"]),
                 "non_hateful_accuracy": acc([r for r in rs if r["label"] == "non-hateful"])}
             for t, rs in sorted(by_t.items())}
    return {
        "n": len(rows),
        "overall_accuracy": acc(rows),
        "per_label": {l: {"n": len(rs), "accuracy": acc(rs)} for l, rs in sorted(by_l.items())},
        # mean over functionalities, each counting equally
        "functionality_macro_accuracy": round(sum(v["accuracy"] for v in per_f.values()) / len(per_f), 4),
        "per_functionality": per_f,
        "per_target": per_t,
        "failures": {f: [{"id": r["id"], "score": r["score"], "text": r["text"]}
                         for r in rs if not r["passed"]] for f, rs in by_f.items()},
    }


def print_report(res, head, threshold):
    print(f"{res['n']} cases, {head} >= {threshold} = hateful")
    print(f"overall accuracy {res['overall_accuracy']:.3f}   "
          f"functionality macro {res['functionality_macro_accuracy']:.3f}")
    for l, v in res["per_label"].items():
        print(f"  {l:12s} n={v['n']:5d}  acc={v['accuracy']:.3f}")
    print("\nper functionality:")
    for f, v in res["per_functionality"].items():
        print(f"  {f:32s} {v['label']:12s} n={v['n']:4d}  acc={v['accuracy']:.3f}  mean_score={v['mean_score']:.3f}")
    print("\nper target group:")
    for t, v in res["per_target"].items():
        h, nh = v["hateful_accuracy"], v["non_hateful_accuracy"]
        print(f"  {t:16s} n={v['n']:4d}  acc={v['accuracy']:.3f}  "
              f"hateful={'-' if h is None else f'{h:.3f}'}  non-hateful={'-' if nh is None else f'{nh:.3f}'}")


def main():
    import warden_common as W
    from evaluate import run_batches, session

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(W.MODEL_DIR / "model.onnx"))
    ap.add_argument("--suite", default=str(HERE / "suite.jsonl"))
    ap.add_argument("--out", default=str(W.RUNS / "functional_suite.json"))
    ap.add_argument("--head", default="identity_attack")
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()

    model_dir = Path(args.model).resolve().parent
    labels = json.load(open(model_dir / "labels.json"))
    assert labels["categories"] == W.CATEGORIES, "labels.json category order differs from warden_common"
    col = labels["categories"].index(args.head)
    tok_path = model_dir / "tokenizer.json"

    cases = [json.loads(l) for l in open(args.suite, encoding="utf-8") if l.strip()]
    probs, _, _ = run_batches(session(args.model), W.load_tokenizer(tok_path), [c["text"] for c in cases])
    res = summarise(cases, probs[:, col].tolist(), args.threshold)
    res = {"model": args.model, "suite": args.suite, "head": args.head, "threshold": args.threshold, **res}

    print_report(res, args.head, args.threshold)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    json.dump(res, open(args.out, "w", encoding="utf-8"), indent=1, ensure_ascii=False)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
