"""Weight-space interpolation of two fine-tuned checkpoints of the same model (WiSE-FT,
Wortsman et al. 2022): theta = (1 - alpha) * theta_a + alpha * theta_b.

Why: a short extra training stage (train2_focus.py) fixes behaviours our functional suite
measures but shifts what the earlier stages got right (benign identity speech, OLID).
Interpolating between the earlier weights (a) and the later ones (b) usually keeps much of
b's gain while giving back a's robustness; alpha is chosen on VALIDATION splits only
(evaluate.py), never on the held-out suites.

Usage: python interpolate.py --name v2 --a final_short.pt --b final_focus.pt --alpha 0.5 \
           --out final_mix50.pt
"""

from __future__ import annotations

import argparse

import torch

import warden_common as W


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--a", required=True, help="in runs/<name>/")
    ap.add_argument("--b", required=True, help="in runs/<name>/")
    ap.add_argument("--alpha", type=float, required=True, help="weight of b, 0..1")
    ap.add_argument("--out", required=True, help="in runs/<name>/")
    args = ap.parse_args()
    if not 0.0 <= args.alpha <= 1.0:
        ap.error("--alpha must be within 0..1")
    run = W.RUNS / args.name
    a = torch.load(run / args.a, map_location="cpu")
    b = torch.load(run / args.b, map_location="cpu")
    if a.keys() != b.keys():
        raise SystemExit("the checkpoints hold different parameters")
    mixed = {}
    for k, va in a.items():
        vb = b[k]
        if va.shape != vb.shape:
            raise SystemExit(f"{k}: shapes differ {tuple(va.shape)} vs {tuple(vb.shape)}")
        # Integer buffers (position ids) are copied, not averaged.
        mixed[k] = (1 - args.alpha) * va + args.alpha * vb if va.is_floating_point() else va
    torch.save(mixed, run / args.out)
    print(f"{args.out}: {len(mixed)} tensors, alpha {args.alpha}")


if __name__ == "__main__":
    main()
