"""Validation metrics shared by train.py (torch on the cache) and evaluate.py (ONNX).

Conventions:
  * Soft targets (davidson, civil) are binarised at >= 0.5, i.e. "majority of
    annotators", for F1/AUC.
  * Per-head thresholds maximise macro-F1 (mean of positive- and negative-class F1),
    averaged over the validation sources that label the head, each source counting
    equally (so the 24k-tweet Davidson set does not drown OLID). Macro rather than
    positive-class F1 because Davidson (83% toxic) and civil_spans (66% toxic) reward
    "flag everything" under positive-class F1, which pushed the toxicity threshold
    down and inflated false positives on benign text in the first experiment.
  * Toxic-span F1 = SemEval-2021 Task 5: per-post character F1, averaged; a post
    with empty gold and empty prediction scores 1.0, one empty side scores 0.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

import warden_common as W

GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def head_views(data, probs):
    """{head: {source: (y_true_binary, prob)}} over the examples that label the head."""
    out = {c: {} for c in W.CATEGORIES}
    src = np.array([e["source"] for e in data])
    Y = np.stack([e["y"] for e in data])
    M = np.stack([e["m"] for e in data])
    for i, c in enumerate(W.CATEGORIES):
        for s in W.SOURCES:
            sel = (src == s) & (M[:, i] > 0)
            if sel.sum() == 0:
                continue
            out[c][s] = ((Y[sel, i] >= 0.5).astype(int), probs[sel, i])
    return out


def choose_thresholds(views):
    th = {}
    for c, per in views.items():
        best, bt = -1.0, 0.5
        for t in GRID:
            f = np.mean([f1_score(y, p >= t, average="macro", zero_division=0)
                         for y, p in per.values()])
            if f > best:
                best, bt = f, float(t)
        th[c] = bt
    return th


def head_metrics(views, th):
    res = {}
    for c, per in views.items():
        for s, (y, p) in per.items():
            pred = p >= th[c]
            r = {"n": int(len(y)), "pos": int(y.sum()),
                 "f1": float(f1_score(y, pred, zero_division=0)),
                 "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0))}
            if 0 < y.sum() < len(y):
                r["auc"] = float(roc_auc_score(y, p))
            res[f"{s}/{c}"] = r
    return res


def span_f1(pred_chars: set, gold_chars: set) -> float:
    if not gold_chars and not pred_chars:
        return 1.0
    if not gold_chars or not pred_chars:
        return 0.0
    inter = len(pred_chars & gold_chars)
    return 2 * inter / (len(pred_chars) + len(gold_chars))


def predicted_chars(tok_spans, tok_probs, t):
    chars = set()
    for (s, e), p in zip(tok_spans, tok_probs):
        if e > s and p >= t:
            chars.update(range(s, e))
    return chars


def span_eval(civil_val, tok_probs_list, thresholds=GRID):
    """Returns (best_threshold, best_f1, {t: f1}). tok_probs_list aligned with civil_val."""
    golds = [set(e["gold_chars"]) for e in civil_val]
    scores = {}
    for t in thresholds:
        f = [span_f1(predicted_chars(e["tok_spans"], tp, t), g)
             for e, tp, g in zip(civil_val, tok_probs_list, golds)]
        scores[float(t)] = float(np.mean(f))
    bt = max(scores, key=scores.get)
    return bt, scores[bt], scores


def summary_score(res, span):
    """One number for checkpoint selection: mean of the validation metrics we care about."""
    keys = ["olid/toxicity", "hateval/identity_attack", "davidson/toxicity",
            "davidson/identity_attack"]
    parts = [res[k]["macro_f1"] for k in keys]
    parts += [res[f"civil/{c}"]["auc"] for c in W.CATEGORIES]
    parts.append(span)
    return float(np.mean(parts))
