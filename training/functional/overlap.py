#!/usr/bin/env python3
"""Leakage check: does the functional suite overlap with training text?

Reports suite cases whose normalised text equals a training text, and cases where
at least --min-frac of their word 5-grams also occur in the training texts.
Stdlib only. Accepts .jsonl (uses the "text" field) and plain .txt (one text a line).

Usage: python3 training/functional/overlap.py training/data/*.jsonl training/data/*_train.txt
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def norm(t):
    return re.sub(r"\W+", " ", t.lower()).strip()


def grams(t, n=5):
    w = t.split()
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def texts(path):
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        yield json.loads(line).get("text", "") if path.endswith(".jsonl") else line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train", nargs="+")
    ap.add_argument("--suite", default=str(HERE / "suite.jsonl"))
    ap.add_argument("--min-frac", type=float, default=0.5)
    args = ap.parse_args()
    train, tg = set(), set()
    for p in args.train:
        for t in texts(p):
            k = norm(t)
            train.add(k)
            tg |= grams(k)
    exact, near = [], []
    for line in open(args.suite, encoding="utf-8"):
        c = json.loads(line)
        k, g = norm(c["text"]), grams(norm(c["text"]))
        if k in train:
            exact.append(c)
        elif g and len(g & tg) / len(g) >= args.min_frac:
            near.append(c)
    print(f"{len(train)} training texts; suite exact overlaps: {len(exact)}, "
          f"5-gram overlaps (>= {args.min_frac:.0%}): {len(near)}")
    for name, rows in (("exact", exact), ("near", near)):
        for f, n in Counter(c["functionality"] for c in rows).most_common():
            print(f"  {name:5s} {f:32s} {n}")
        for c in rows[:20]:
            print(f"    {c['id']}: {c['text']}")
    sys.exit(1 if exact else 0)


if __name__ == "__main__":
    main()
