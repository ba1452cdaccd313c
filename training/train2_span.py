"""Classifier 2.0, step 2c (experimental, not in `make model`): a short stage for the
toxic-span head.

Why: span char-F1 has stayed at 0.57 through every 2.0 try (target 0.65). In step 2 the
token head learns from the Civil Comments rows alone, about one row in seven of each
batch, with the token loss weighted 1.5 against the sequence heads. This stage continues
from a finished model's weights for one pass over every Civil Comments training row
(spans and sequence labels), with the token loss weighted higher, plus a replay sample of
the rest of the step-2 set with the same losses, so that the other heads keep what they
learnt. Validation decides whether it helps (evaluate.py), never the held-out suites.

Output: runs/<name>/final_short.pt (export2.py --name <name>).

Usage: python train2_span.py --name try11s --start runs/try9b/final_short.pt
           [--cache train2_focus_shapes.pkl] [--replay 8000] [--tok-weight 3.0]
"""

from __future__ import annotations

import argparse
import pickle

import warden_common as W
from train2_short import continue_from_start, continuing_arguments, start


def main():
    ap = argparse.ArgumentParser()
    continuing_arguments(ap, seed=31)
    ap.add_argument("--tok-weight", type=float, default=3.0)
    args = ap.parse_args()
    rng, run, _ = start(args)

    ex = pickle.load(open(W.CACHE / args.cache, "rb"))["examples"]
    civil = [e for e in ex if e["source"] == "civil"]
    rest = [e for e in ex if e["source"] != "civil"]
    data = civil + rng.sample(rest, min(args.replay, len(rest)))
    print(f"stage 2c: {len(data)} examples ({len(civil)} Civil Comments)", flush=True)
    continue_from_start(args, run, ex, data, rng, "train_span_log.json", tok_weight=args.tok_weight)

if __name__ == "__main__":
    main()
