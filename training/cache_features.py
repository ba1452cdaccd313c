"""Step 2: run the frozen bottom of the encoder once and cache its output.

Full fine-tuning runs at ~4 examples/s on 2 CPU cores, far outside the budget. The
bottom K layers (plus embeddings) stay frozen, so their output for a given example
never changes: compute it once, store it as float16, and fine-tune only the top
layers + heads on the cache (many epochs become affordable).

Hidden states at real (non-pad) positions do not depend on padding (padding is
masked out of attention), so we batch by similar length to waste little compute and
store each example unpadded: one flat [total_tokens, 384] float16 array + offsets.

Usage: python cache_features.py [--k 4] [--limit N]   (--limit: throughput probe)
"""

from __future__ import annotations

import argparse
import json
import pickle
import time

import numpy as np
import torch

import warden_common as W


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--token-budget", type=int, default=4096, help="tokens per batch")
    args = ap.parse_args()
    W.set_threads()

    data = pickle.load(open(W.CACHE / "dataset.pkl", "rb"))
    if args.limit:
        rng = np.random.default_rng(0)
        data = [data[i] for i in rng.choice(len(data), args.limit, replace=False)]
    model = W.WardenModel().eval()
    W.load_base_weights(model)

    lens = np.array([len(e["ids"]) for e in data])
    offsets = np.concatenate([[0], np.cumsum(lens)])
    feats = np.lib.format.open_memmap(W.CACHE / f"feats_k{args.k}.npy", mode="w+",
                                      dtype=np.float16, shape=(int(offsets[-1]), 384)) \
        if not args.limit else np.zeros((int(offsets[-1]), 384), np.float16)

    order = np.argsort(lens, kind="stable")
    t0 = time.time()
    done = 0
    i = 0
    with torch.inference_mode():
        while i < len(order):
            L = lens[order[i]]
            # Longest item in the batch is the last one (sorted); fill the token budget.
            j = i
            while j < len(order) and (j - i + 1) * lens[order[j]] <= args.token_budget:
                j += 1
            j = max(j, i + 1)
            idx = order[i:j]
            maxlen = int(lens[idx].max())
            ids = torch.zeros(len(idx), maxlen, dtype=torch.long)
            am = torch.zeros(len(idx), maxlen, dtype=torch.long)
            for r, e in enumerate(idx):
                ids[r, :lens[e]] = torch.from_numpy(data[e]["ids"].astype(np.int64))
                am[r, :lens[e]] = 1
            h = model.bottom(ids, am, args.k).to(torch.float16).numpy()
            for r, e in enumerate(idx):
                feats[offsets[e]:offsets[e + 1]] = h[r, :lens[e]]
            done += len(idx)
            i = j
            if done % 5000 < len(idx):
                el = time.time() - t0
                print(f"{done}/{len(order)} {el:.0f}s {done / el:.1f} ex/s", flush=True)
    wall = time.time() - t0
    print(f"cache k={args.k}: {len(data)} examples, {offsets[-1]} tokens, "
          f"{wall:.1f}s, {len(data) / wall:.1f} ex/s", flush=True)
    if not args.limit:
        feats.flush()
        np.save(W.CACHE / f"offsets_k{args.k}.npy", offsets)
        json.dump({"k": args.k, "examples": len(data), "tokens": int(offsets[-1]),
                   "wall_s": round(wall, 1)}, open(W.CACHE / f"feats_k{args.k}.json", "w"))


if __name__ == "__main__":
    main()
