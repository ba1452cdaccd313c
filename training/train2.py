"""Classifier 2.0, step 2: fine-tune all six encoder layers (embeddings frozen) + heads.

Input: training/cache/train2.pkl (prepare2.py). Output: training/runs/<name>/final.pt and
ckpt.pt (resumable: model, optimizer, schedule, position in the epoch's batch order).

Loss (why):
  * Sequence heads (prepare2.TRAIN_HEADS): BCE-with-logits on soft targets, masked per
    head so that each source supervises only the heads whose definition it labels;
    pos_weight = clip(sqrt(neg/pos), 1, 5) per head from the training targets.
  * Token head: BCE on Civil Comments span tokens (and benign texts: every token 0).
  * Counterfactual logit pairing (Garg et al. 2019): for a non-hateful text that names an
    identity, its identity-swapped copy rides in the same batch with the same labels and
    the loss adds lambda * |logit(x) - logit(x')| on the toxicity and identity_attack
    heads, so the model cannot use WHICH identity is named as evidence.
  * Contrast pairs in one batch (--pair-rate, 0 = off as in 2.0.2): a contrast row
    (prepare2: hate and its negation, quotation or report, sharing a pair id) brings a
    partner of the opposite label into its batch, so each step's gradient sees the two
    sentences that differ only in what makes one hate. Two epochs without it learned the
    shared words ("are vermin") and removed the negations (MODEL_CARD.md, try 8).
Batches: shuffled, then length-sorted within chunks of 50 batches (little padding).
Resume: the batch order of an epoch is a pure function of (seed, epoch); a restarted run
loads ckpt.pt and skips the batches it already trained on. --budget-min caps wall time by
shortening the linear decay (logged), as in 1.0.

Usage: python train2.py --name v2 [--epochs 1] [--budget-min 60]
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import warden_common as W
from prepare2 import TOX_HEADS, TRAIN_HEADS
from train import build_batches

HATE = TRAIN_HEADS.index("identity_attack")
PAIR_HEADS = TOX_HEADS + [HATE]


class Model2(W.WardenModel):
    """WardenModel with the internal 2.0 heads (7 sequence logits + token head)."""

    def __init__(self):
        super().__init__()
        self.heads = W.Heads(n=len(TRAIN_HEADS))


def batches_for(epoch, seed, lens, batch):
    """The epoch's batch order, a pure function of (seed, epoch) so a resumed run skips
    exactly the batches it trained on; batching as in 1.0 (train.build_batches)."""
    rng = np.random.default_rng(seed * 1000 + epoch)
    return build_batches(np.arange(len(lens)), lens, batch, rng), rng


def head_pos_weights(ex):
    """Per-head positive rate over the labelled cells and pos_weight = clip(sqrt(neg/pos), 1, 5)."""
    Y = np.stack([e["y"] for e in ex]); M = np.stack([e["m"] for e in ex])
    p = (Y * M).sum(0) / np.maximum(M.sum(0), 1)
    return p, torch.tensor(np.clip(np.sqrt((1 - p) / np.maximum(p, 1e-3)), 1.0, 5.0), dtype=torch.float32)


def optimizer(model, lr, head_lr):
    """AdamW over the encoder layers (lr) and the heads (head_lr); embeddings stay frozen.
    Returns the optimizer and the trained parameters (for gradient clipping)."""
    for prm in model.embeddings.parameters():
        prm.requires_grad_(False)
    enc = [prm for l in model.layers for prm in l.parameters()]
    head = list(model.heads.parameters())
    opt = torch.optim.AdamW([{"params": enc, "lr": lr}, {"params": head, "lr": head_lr}], weight_decay=0.01)
    return opt, enc + head


def pair_index(ex):
    """pair id -> {hate label: [example indices]} for the contrast rows that have one."""
    pairs = {}
    for i, e in enumerate(ex):
        if e.get("pair"):
            pairs.setdefault(e["pair"], {}).setdefault(e["hate"], []).append(i)
    return pairs


def with_partners(ex, rows, pairs, rate, rng):
    """rows plus, for each paired row drawn with probability `rate`, one partner of the
    opposite label from its pair that is not in the batch yet."""
    out, have = list(rows), set(rows)
    for i in rows:
        pid = ex[i].get("pair")
        if not pid or rng.random() >= rate:
            continue
        others = [j for j in pairs[pid].get(1 - ex[i]["hate"], []) if j not in have]
        if others:
            j = others[int(rng.integers(len(others)))]
            out.append(j)
            have.add(j)
    return out


def collate(examples, rows, cf_rows):
    """rows: example indices; cf_rows: indices whose counterfactual copy is appended."""
    seqs = [examples[i]["ids"] for i in rows] + [examples[i]["cf"] for i in cf_rows]
    L = max(len(s) for s in seqs)
    b = len(seqs)
    ids = np.zeros((b, L), np.int64)
    am = np.zeros((b, L), np.int64)
    tok_y = np.full((b, L), -1, np.float32)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = s
        am[r, :len(s)] = 1
    for r, i in enumerate(rows):
        ty = examples[i]["tok_y"]
        if ty is not None:
            tok_y[r, :len(ty)] = ty
    src = list(rows) + list(cf_rows)
    y = np.stack([examples[i]["y"] for i in src])
    m = np.stack([examples[i]["m"] for i in src])
    return (torch.from_numpy(ids), torch.from_numpy(am), torch.from_numpy(y),
            torch.from_numpy(m), torch.from_numpy(tok_y))


def batch_loss(model, ex, rows, cf_rows, pos_weight, tok_pos_weight, tok_weight, clp):
    """The training loss of one batch (module docs): masked sequence BCE, token BCE and
    counterfactual logit pairing between each row in cf_rows and its swapped copy."""
    ids, am, y, m, ty = collate(ex, rows, cf_rows)
    logits, tl = model(ids, am)
    seq = F.binary_cross_entropy_with_logits(logits, y, reduction="none", pos_weight=pos_weight)
    loss = (seq * m).sum() / m.sum().clamp(min=1)
    tmask = ty >= 0
    if tmask.any():
        loss = loss + tok_weight * F.binary_cross_entropy_with_logits(
            tl[tmask], ty[tmask], pos_weight=tok_pos_weight)
    if cf_rows:
        n = len(rows)
        pos = torch.tensor([list(rows).index(i) for i in cf_rows])
        pairs = logits[pos][:, PAIR_HEADS] - logits[n:n + len(cf_rows)][:, PAIR_HEADS]
        loss = loss + clp * pairs.abs().mean()
    return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--budget-min", type=float, default=60.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--tok-weight", type=float, default=1.5)
    ap.add_argument("--tok-pos-weight", type=float, default=3.0)
    ap.add_argument("--clp", type=float, default=0.5, help="counterfactual logit pairing weight")
    ap.add_argument("--cf-rate", type=float, default=0.5, help="share of eligible rows paired per batch")
    ap.add_argument("--pair-rate", type=float, default=0.0,
                    help="share of contrast rows that bring their opposite-label partner into the batch")
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--cache", default="train2.pkl", help="training set in training/cache/")
    args = ap.parse_args()
    W.set_threads()
    torch.manual_seed(args.seed)
    out = W.RUNS / args.name
    out.mkdir(parents=True, exist_ok=True)

    blob = pickle.load(open(W.CACHE / args.cache, "rb"))
    assert blob["heads"] == TRAIN_HEADS
    ex = blob["examples"]
    lens = np.array([len(e["ids"]) for e in ex])
    p, pos_weight = head_pos_weights(ex)
    pairs = pair_index(ex)
    print(f"train {len(ex)} examples; head positive rate", dict(zip(TRAIN_HEADS, p.round(3))),
          "pos_weight", [round(x, 2) for x in pos_weight.tolist()], flush=True)

    model = Model2()
    W.load_base_weights(model)
    opt, trained = optimizer(model, args.lr, args.head_lr)
    steps_per_epoch = math.ceil(len(ex) / args.batch)
    state = {"step": 0, "total": args.epochs * steps_per_epoch, "wall": 0.0, "losses": []}
    warm = lambda: max(1, int(0.05 * state["total"]))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm(), max(0.0, (state["total"] - s) / max(1, state["total"] - warm()))))
    ckpt = out / "ckpt.pt"
    if ckpt.exists():
        c = torch.load(ckpt, map_location="cpu", weights_only=False)
        model.load_state_dict(c["model"]); opt.load_state_dict(c["opt"]); sched.load_state_dict(c["sched"])
        state.update(c["state"])
        torch.set_rng_state(c["torch_rng"])
        print(f"resumed at step {state['step']}/{state['total']} ({state['wall']:.0f}s trained)", flush=True)

    def save():
        tmp = out / "ckpt.tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "state": state, "torch_rng": torch.get_rng_state(), "args": vars(args)}, tmp)
        tmp.replace(ckpt)  # atomic: a kill mid-save keeps the previous checkpoint

    tok_pw = torch.tensor(args.tok_pos_weight)
    t0 = time.time() - state["wall"]
    budget_s = args.budget_min * 60
    while state["step"] < state["total"]:
        epoch = state["step"] // steps_per_epoch + 1
        order, rng = batches_for(epoch, args.seed, lens, args.batch)
        model.train()
        for bi, rows in enumerate(order):
            # Same draw on resume: the pairing choice is a function of (seed, epoch, batch).
            brng = np.random.default_rng([args.seed, epoch, bi])
            if (epoch - 1) * steps_per_epoch + bi < state["step"]:
                continue
            if state["step"] >= state["total"]:
                break
            cf_rows = [i for i in rows if ex[i]["cf"] is not None and brng.random() < args.cf_rate]
            if args.pair_rate > 0:
                # Drawn after cf_rows from the same per-batch generator: with the rate at 0
                # the batches are exactly 2.0.2's.
                rows = with_partners(ex, rows, pairs, args.pair_rate, brng)
            loss = batch_loss(model, ex, rows, cf_rows, pos_weight, tok_pw, args.tok_weight, args.clp)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            opt.step(); sched.step()
            state["step"] += 1
            state["losses"].append(float(loss.detach()))
            state["wall"] = time.time() - t0
            if state["step"] % 50 == 0:
                rate = state["step"] / max(state["wall"], 1)
                cap = int(budget_s * 0.97 * rate)
                new_total = min(args.epochs * steps_per_epoch, max(state["step"] + 1, cap))
                if abs(new_total - state["total"]) > 0.02 * state["total"]:
                    print(f"budget cap: {rate:.2f} steps/s -> total {new_total} steps "
                          f"({new_total / steps_per_epoch:.2f} epochs)", flush=True)
                state["total"] = new_total
            if state["step"] % 100 == 0:
                print(f"ep {epoch} step {state['step']}/{state['total']} loss "
                      f"{np.mean(state['losses'][-100:]):.4f} {state['wall']:.0f}s", flush=True)
            if state["step"] % args.ckpt_every == 0:
                save()
    save()
    torch.save(model.state_dict(), out / "final.pt")
    json.dump({"args": vars(args), "steps": state["step"], "train_wall_s": round(state["wall"], 1),
               "examples_seen": state["step"] * args.batch, "final_loss": float(np.mean(state["losses"][-200:]))},
              open(out / "train_log.json", "w"), indent=1)
    print(f"done: {state['step']} steps in {state['wall']:.0f}s", flush=True)


if __name__ == "__main__":
    main()
