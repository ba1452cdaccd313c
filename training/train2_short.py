"""Classifier 2.0, step 2b: a short second stage against false alarms on short texts.

Why: after step 2 the model flagged single harmless words and odd short strings ("sextant",
"cucumber", "a b c d e f g") — the obfuscated hate in the contrast pairs taught it that
unfamiliar word pieces and spaced letters look like evasion, and the training sources hold
few short benign texts. This stage continues from runs/<name>/final.pt for one pass over
  * benign short texts, every head 0 and every token 0: single dictionary words
    (Debian's /usr/share/dict/words, words that are wordlist terms or appear in the
    project's tests removed), pairs and triples of them, the same words spelled out with
    spaces, and runs of single letters;
  * a replay sample of the step-2 training set (same losses, counterfactual pairs
    included), so nothing learnt there is forgotten.
Output: runs/<name>/final_short.pt (export2.py --weights final_short.pt).

Usage: python train2_short.py --name v2 [--words 4000] [--replay 4000]
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import time

import numpy as np
import torch

import warden_common as W
from prepare2 import TRAIN_HEADS
from train2 import Model2, batch_loss, head_pos_weights, optimizer


def banned_words():
    """Wordlist terms and every word the project's tests use (keeps those tests honest)."""
    banned = set()
    for path in (W.REPO / "wordlists").glob("*.tsv"):
        for line in open(path, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                banned.add(line.split("\t")[0].strip().lower())
    for path in list((W.REPO / "tests").rglob("*.rs")) + [W.TRAINING / "identity_slurs.tsv"]:
        banned.update(w.lower() for w in re.findall(r"[A-Za-z]+", path.read_text(encoding="utf-8")))
    return banned


def short_benign(n_words, rng):
    words = [w.strip() for w in open("/usr/share/dict/words", encoding="utf-8")]
    banned = banned_words()
    words = sorted({w for w in words if w.isalpha() and w.isascii() and len(w) >= 3
                    and w.lower() not in banned})
    rng.shuffle(words)
    pick = words[:n_words]
    texts = list(pick)
    texts += [" ".join(rng.sample(pick, rng.choice([2, 3]))) for _ in range(n_words // 2)]
    texts += [" ".join(w) for w in pick[: n_words // 4]]
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(n_words // 8):
        start = rng.randrange(0, 20)
        run = letters[start:start + rng.randrange(3, 7)]
        texts.append(" ".join(run if rng.random() < 0.5 else run.upper()))
    return texts


def benign_example(text, tok):
    """A short benign text as a training example: every head 0, every token 0."""
    enc = tok.encode(W.preprocess(text))
    return {"source": "short_benign", "text": text, "ids": np.asarray(enc.ids, np.int32),
            "y": np.zeros(len(TRAIN_HEADS), np.float32), "m": np.ones(len(TRAIN_HEADS), np.float32),
            "tok_y": np.where(np.asarray(enc.special_tokens_mask) == 1, -1, 0).astype(np.int8),
            "cf": None, "hate": 0}


def one_pass(model, opt, trained, data, pos_weight, args, rng, warm_steps, tok_weight=1.5):
    """One shuffled pass over data with step 2's losses (the token loss weighted
    tok_weight): linear warm-up over warm_steps (1 = none), then linear decay to 0.
    Returns (steps, start time)."""
    order = list(range(len(data)))
    rng.shuffle(order)
    batches = [order[i:i + args.batch] for i in range(0, len(order), args.batch)]
    steps = len(batches)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm_steps) * max(0.0, 1 - s / steps))
    t0 = time.time()
    model.train()
    for s, rows in enumerate(batches):
        cf_rows = [i for i in rows if data[i]["cf"] is not None and rng.random() < 0.5]
        loss = batch_loss(model, data, rows, cf_rows, pos_weight, torch.tensor(3.0), tok_weight, args.clp)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step(); sched.step()
        if (s + 1) % 50 == 0:
            print(f"step {s + 1}/{steps} loss {float(loss.detach()):.4f} {time.time() - t0:.0f}s", flush=True)
    return steps, t0


def stage_arguments(ap, seed):
    """The arguments every stage after step 2 shares (2b, the focus and span stages), with
    step 2b's defaults; each stage has its own seed."""
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--head-lr", type=float, default=2e-4)
    ap.add_argument("--clp", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=seed)


def continuing_arguments(ap, seed, replay=8000):
    """The arguments of a stage that continues from a finished model's weights (the span
    and emoji stages): its run, the weights, the step-2 set to replay, and how much."""
    ap.add_argument("--name", required=True)
    ap.add_argument("--start", required=True, help="weights to continue from, relative to training/")
    ap.add_argument("--cache", default="train2_focus_shapes.pkl", help="step 2's training set in training/cache/")
    ap.add_argument("--replay", type=int, default=replay)
    stage_arguments(ap, seed)


def continue_from_start(args, run, examples, data, rng, log_name, tok_weight=1.5, **log):
    """Trains the weights at args.start for one pass over data (losses weighted as over
    the step-2 set `examples`), saves runs/<name>/final_short.pt and writes log_name."""
    model = Model2()
    model.load_state_dict(torch.load(W.TRAINING / args.start, map_location="cpu"))
    opt, trained = optimizer(model, args.lr, args.head_lr)
    _, pos_weight = head_pos_weights(examples)
    steps, t0 = one_pass(model, opt, trained, data, pos_weight, args, rng, warm_steps=1, tok_weight=tok_weight)
    run.mkdir(parents=True, exist_ok=True)  # a new stage's run folder
    torch.save(model.state_dict(), run / "final_short.pt")
    json.dump({"args": vars(args), "steps": steps, "examples": len(data), **log,
               "wall_s": round(time.time() - t0, 1)}, open(run / log_name, "w"), indent=1)
    print(f"done: {steps} steps in {time.time() - t0:.0f}s", flush=True)


def start(args):
    """What every later training stage sets up first: threads, seeds, its run folder and
    the tokenizer."""
    W.set_threads()
    torch.manual_seed(args.seed)
    return random.Random(args.seed), W.RUNS / args.name, W.load_tokenizer()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--words", type=int, default=4000)
    ap.add_argument("--replay", type=int, default=4000)
    stage_arguments(ap, seed=29)
    ap.add_argument("--cache", default="train2.pkl", help="step 2's training set in training/cache/")
    args = ap.parse_args()
    rng, run, tok = start(args)

    ex = pickle.load(open(W.CACHE / args.cache, "rb"))["examples"]
    replay = rng.sample(ex, min(args.replay, len(ex)))
    replay += [benign_example(text, tok) for text in short_benign(args.words, rng)]
    data = replay
    print(f"stage 2b: {len(data)} examples ({len(data) - min(args.replay, len(ex))} short benign)", flush=True)

    model = Model2()
    model.load_state_dict(torch.load(run / "final.pt", map_location="cpu"))
    opt, trained = optimizer(model, args.lr, args.head_lr)
    _, pos_weight = head_pos_weights(ex)
    steps, t0 = one_pass(model, opt, trained, data, pos_weight, args, rng, warm_steps=1)
    torch.save(model.state_dict(), run / "final_short.pt")
    json.dump({"args": vars(args), "steps": steps, "examples": len(data), "wall_s": round(time.time() - t0, 1)},
              open(run / "train_short_log.json", "w"), indent=1)
    print(f"done: {steps} steps in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
