"""Classifier 2.0, step 5: what users see — the default engine (patterns + model + policy
+ identity guard) on our held-out suites, through the real `warden score --jsonl`.

  * benign identity speech (training/benign_identity.txt from 1.0 and the 2.0 evaluation
    part training/data/benign_identity_eval.txt; never trained on): share flagged
    (any action but allow) and share removed; and the same for the fresh part
    training/data/benign_identity_eval2.txt (gen_benign_eval2.py), kept apart;
  * the functional suite also as actions: the share of each functionality removed
    (the slur guard sends plain slurs in sentences the model reads as harmless to review);
  * the functional suite (training/functional/suite.jsonl): accuracy per functionality on
    the identity_attack signal (category score >= 0.5), as the issue defines it;
  * the counterfactual gap per identity group, model-level (onnxruntime, no engine): for
    every non-hateful suite/benign text naming an identity, the mean |p - p'| of the
    identity_attack and toxicity probabilities when its identity terms are swapped for
    each other group's terms (same kind).

Usage: python eval_engine.py --warden target/release/warden [--model-dir models/warden-minilm]
       [--out models/warden-minilm/eval_engine.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import tempfile
import time

import numpy as np

import warden_common as W
from evaluate import run_batches, session
from prepare2 import Swapper, load_identity_terms


def engine_verdicts(warden, model_dir, texts):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": i, "text": t}) + "\n")
    cmd = [warden, "score", "--jsonl", "--input", f.name]
    if model_dir:
        cmd += ["--model", model_dir]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    verdicts = [None] * len(texts)
    for line in out.splitlines():
        v = json.loads(line)
        verdicts[v["id"]] = v
    return verdicts


def cf_gap(model_path, texts, terms):
    """Mean |p(text) - p(swapped)| per target group, identity_attack and toxicity."""
    tok = W.load_tokenizer(W.MODEL_DIR / "tokenizer.json")
    sess = session(model_path)
    groups = sorted({g for _, g, _ in terms})
    by_group_kind = collections.defaultdict(list)
    for t, g, k in terms:
        by_group_kind[(g, k)].append(t)
    rng = random.Random(7)
    sw = Swapper(terms, rng)
    rows, variants = [], []
    for text in texts:
        if not sw.mentions(text):
            continue
        for g in groups:
            def repl(m, g=g):
                _, kind = sw.group[m.group(1).lower()]
                choices = by_group_kind.get((g, kind)) or by_group_kind[(g, "plural_noun" if kind == "adj" else "adj")]
                return rng.choice(choices)
            rows.append((len(variants), g))
            variants.append((text, sw.re.sub(repl, text)))
    originals = sorted({a for a, _ in variants})
    p_orig, _, _ = run_batches(sess, tok, originals)
    idx = {t: i for i, t in enumerate(originals)}
    p_sw, _, _ = run_batches(sess, tok, [b for _, b in variants])
    ia, tx = W.CATEGORIES.index("identity_attack"), W.CATEGORIES.index("toxicity")
    gap = collections.defaultdict(lambda: {"identity_attack": [], "toxicity": []})
    for (vi, g), (a, _) in zip(rows, variants):
        po = p_orig[idx[a]]
        gap[g]["identity_attack"].append(abs(float(p_sw[vi][ia] - po[ia])))
        gap[g]["toxicity"].append(abs(float(p_sw[vi][tx] - po[tx])))
    return {g: {"n": len(v["identity_attack"]),
                "identity_attack": round(float(np.mean(v["identity_attack"])), 4),
                "toxicity": round(float(np.mean(v["toxicity"])), 4)} for g, v in gap.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warden", required=True)
    ap.add_argument("--model-dir", default="")
    ap.add_argument("--out", default=str(W.MODEL_DIR / "eval_engine.json"))
    args = ap.parse_args()
    t0 = time.time()
    res = {"command": "training/.venv/bin/python training/eval_engine.py --warden target/release/warden"}

    def benign_report(files):
        texts = [l.strip() for f in files
                 for l in open(W.TRAINING / f, encoding="utf-8") if l.strip()]
        verdicts = engine_verdicts(args.warden, args.model_dir, texts)
        actions = collections.Counter(v["action"] for v in verdicts)
        return texts, {
            "files": list(files), "n": len(texts), "actions": dict(actions),
            "flagged_rate": round(sum(v["action"] != "allow" for v in verdicts) / len(verdicts), 4),
            "removed": actions.get("remove", 0),
            "guarded": sum(1 for v in verdicts if v.get("guards")),
            "flagged_examples": [{"text": t, "action": v["action"],
                                  "categories": {k: round(s, 2) for k, s in v["categories"].items() if s >= 0.5}}
                                 for t, v in zip(texts, verdicts) if v["action"] != "allow"][:40]}

    benign, res["benign_identity"] = benign_report(("benign_identity.txt", "data/benign_identity_eval.txt"))
    # Written after the focus-set tries had been read against the set above, so it judges
    # later models blind (gen_benign_eval2.py).
    benign2, res["benign_identity_fresh"] = benign_report(("data/benign_identity_eval2.txt",))

    suite = list(W.read_jsonl(W.TRAINING / "functional" / "suite.jsonl"))
    sv = engine_verdicts(args.warden, args.model_dir, [c["text"] for c in suite])
    per = collections.defaultdict(lambda: [0, 0])
    lab = collections.defaultdict(lambda: [0, 0])
    misses = collections.defaultdict(list)
    removed = collections.defaultdict(lambda: [0, 0])
    flagged = collections.defaultdict(lambda: [0, 0])
    for c, v in zip(suite, sv):
        key = f"{c['functionality']} ({c['label']})"
        removed[key][0] += v["action"] == "remove"
        removed[key][1] += 1
        flagged[key][0] += v["action"] != "allow"
        flagged[key][1] += 1
        said = v["categories"].get("identity_attack", 0.0) >= 0.5
        ok = said == (c["label"] == "hateful")
        per[(c["functionality"], c["label"])][0] += ok
        per[(c["functionality"], c["label"])][1] += 1
        lab[c["label"]][0] += ok
        lab[c["label"]][1] += 1
        if not ok and len(misses[c["functionality"]]) < 3:
            misses[c["functionality"]].append(c["text"])
    res["functional_suite_engine"] = {
        "rule": "categories.identity_attack >= 0.5 (hateful must reach it, non-hateful must not)",
        "overall": round(sum(a for a, _ in lab.values()) / len(suite), 4),
        "by_label": {k: round(a / n, 4) for k, (a, n) in lab.items()},
        "by_functionality": {f"{f} ({l})": round(a / n, 3) for (f, l), (a, n) in sorted(per.items())},
        "examples_of_misses": dict(misses),
        "removed_share": {k: round(a / n, 3) for k, (a, n) in sorted(removed.items())},
        # Any action but allow: the guards move removals to review, never below.
        "flagged_share": {k: round(a / n, 3) for k, (a, n) in sorted(flagged.items())},
        # Removals the slur guard sent to review (it also records the ones it confirmed).
        "slur_guarded": sum(1 for v in sv for g in v.get("guards", [])
                            if g["kind"] == "slur_context" and g["effect"] == "removal_to_review")}

    non_hateful = [c["text"] for c in suite if c["label"] == "non-hateful"] + benign + benign2
    model_path = f"{args.model_dir or W.MODEL_DIR}/model.onnx"
    res["counterfactual_gap_model"] = cf_gap(model_path, non_hateful, load_identity_terms())
    res["wall_s"] = round(time.time() - t0, 1)
    json.dump(res, open(args.out, "w"), indent=1)
    print(json.dumps({k: v for k, v in res.items() if k != "functional_suite_engine"}, indent=1)[:4000])
    fs = res["functional_suite_engine"]
    print("suite", fs["overall"], fs["by_label"])
    for k, v in fs["by_functionality"].items():
        print(f"  {v:.3f} {k}")


if __name__ == "__main__":
    main()
