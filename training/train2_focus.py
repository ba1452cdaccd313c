"""Classifier, experimental step 2c: a short third stage on the behaviours 2.0.1 got most wrong.

Not part of the shipped model (make_model.sh does not run it): the tries so far flagged
more benign identity sentences than 2.0.1 (MODEL_CARD.md, "After 2.0.1").

Why: our held-out functional suite (never trained on) showed 2.0.1 calling abuse of
non-protected groups, objects and individuals "hate", missing implicit derogation, glued
("removed space") hate, bare slur use and direct threats, and flagging negated hate and
counter-speech (MODEL_CARD.md). gen_training_focus.py writes training sentences for
those behaviours with templates of its own (5-gram overlap with the suite checked: none).
This stage continues from runs/<name>/final_short.pt for one pass over
  * the focus set (training/data/focus_train.jsonl): hate → identity_attack, toxic → the
    three toxicity heads, identity-swapped copies for the non-hateful ones (the same
    counterfactual logit pairing as step 2);
  * a replay sample of the step-2 training set, HatEval's training tweets drawn a second
    time (2.0.1 lost 0.08 macro-F1 on HatEval val against 1.0), extra OLID tweets, half of
    the step-2 contrast pairs and every benign identity training sentence (so identity
    words stay benign), and a replay of step 2b's short benign texts (single-word fix).
Output: runs/<name>/final_focus.pt (export2.py --weights final_focus.pt).

Usage: python train2_focus.py --name v2 [--replay 3500] [--hateval 1500] [--contrast 4000]
"""

from __future__ import annotations

import argparse
import json
import pickle
import time

import numpy as np
import torch

import warden_common as W
from prepare2 import TOX_HEADS, TRAIN_HEADS, Swapper, ex, load_identity_terms
from train2 import Model2, head_pos_weights, optimizer
from train2_short import benign_example, one_pass, short_benign, stage_arguments, start


def encode(e, tok, swapper):
    e["ids"] = np.asarray(tok.encode(W.preprocess(e["text"])).ids, np.int32)
    e["cf"] = None
    e["tok_y"] = None
    if e["hate"] == 0 and swapper.mentions(e["text"]):
        e["cf"] = np.asarray(tok.encode(W.preprocess(swapper.swap(e["text"]))).ids, np.int32)
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--replay", type=int, default=3000)
    ap.add_argument("--hateval", type=int, default=1500)
    ap.add_argument("--olid", type=int, default=2000)
    ap.add_argument("--contrast", type=int, default=4000)
    ap.add_argument("--short", type=int, default=800)
    stage_arguments(ap, seed=31)
    args = ap.parse_args()
    rng, run, tok = start(args)
    swapper = Swapper(load_identity_terms(), rng)

    ex2 = pickle.load(open(W.CACHE / "train2.pkl", "rb"))["examples"]
    data = rng.sample(ex2, min(args.replay, len(ex2)))
    def extra(sources, n):
        pool = [e for e in ex2 if e["source"] in sources]
        return rng.sample(pool, min(n, len(pool)))
    # A first try without the last three draws (try 1 in MODEL_CARD.md) fixed the focus
    # behaviours but flagged 12% of the benign identity evaluation set and lost 0.035 on
    # OLID: the focus set's hateful identity sentences outweighed what keeps identity
    # words benign. So the step-2 contrast pairs (balanced per identity term), every
    # benign identity training sentence and extra OLID tweets ride along.
    data += extra({"hateval"}, args.hateval)
    data += extra({"olid"}, args.olid)
    data += extra({"contrast"}, args.contrast)
    data += extra({"benign"}, 10 ** 6)
    n_focus = 0
    for r in W.read_jsonl(W.TRAINING / "data" / "focus_train.jsonl"):
        t = r["toxic"]
        data.append(encode(ex("focus", r["id"], r["text"], identity_attack=r["hate"],
                              **{TRAIN_HEADS[h]: t for h in TOX_HEADS}), tok, swapper))
        n_focus += 1
    data += [benign_example(text, tok) for text in short_benign(args.short, rng)]
    print(f"stage 2c: {len(data)} examples ({n_focus} focus)", flush=True)

    model = Model2()
    model.load_state_dict(torch.load(run / "final_short.pt", map_location="cpu"))
    opt, trained = optimizer(model, args.lr, args.head_lr)
    _, pos_weight = head_pos_weights(ex2)
    steps = -(-len(data) // args.batch)
    steps, t0 = one_pass(model, opt, trained, data, pos_weight, args, rng,
                         warm_steps=max(1, steps // 20))
    torch.save(model.state_dict(), run / "final_focus.pt")
    json.dump({"args": vars(args), "steps": steps, "examples": len(data), "focus": n_focus,
               "wall_s": round(time.time() - t0, 1)},
              open(run / "train_focus_log.json", "w"), indent=1)
    print(f"done: {steps} steps in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
