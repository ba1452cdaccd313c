"""Model-only speed of several ONNX graphs, interleaved in one run (a shared machine's load
then hits them alike): batches of 32 length-sorted OLID tweets and one short text, 2 threads.

Usage: python compare_speed.py [--texts N] [--rounds R] MODEL.onnx [MODEL.onnx ...]
(the first N OLID tweets, default 2,000; 0 = all; R rounds over them, default 3, medians
printed; benches/model_speed.sh uses all, one round per round of its own, so the Rust and
Python figures of one round share the machine's load)
"""
import argparse
import json
import time

import numpy as np

import warden_common as W
from export import OUT_NAMES, session


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    paths = args.models
    texts = [json.loads(line)["text"] for line in open(W.data_dir() / "train" / "olid.jsonl")]
    texts = texts[:args.texts or None]
    tok = W.load_tokenizer(W.MODEL_DIR / "tokenizer.json")
    enc = tok.encode_batch([W.preprocess(t) for t in texts])
    order = np.argsort([len(e.ids) for e in enc], kind="stable")
    sessions = {p: session(p, threads=2) for p in paths}
    batched = {p: [] for p in paths}
    single = {p: [] for p in paths}
    one = np.array([enc[0].ids], np.int64)
    for _ in range(args.rounds):
        for p in paths:
            spent = 0.0
            for b in range(0, len(order), 32):
                rows = [enc[i] for i in order[b:b + 32]]
                width = max(len(e.ids) for e in rows)
                ids = np.zeros((len(rows), width), np.int64)
                mask = np.zeros((len(rows), width), np.int64)
                for r, e in enumerate(rows):
                    ids[r, :len(e.ids)] = e.ids
                    mask[r, :len(e.ids)] = 1
                t0 = time.perf_counter()
                sessions[p].run(OUT_NAMES, {"input_ids": ids, "attention_mask": mask})
                spent += time.perf_counter() - t0
            batched[p].append(len(texts) / spent)
            for _ in range(30):
                t0 = time.perf_counter()
                sessions[p].run(OUT_NAMES, {"input_ids": one, "attention_mask": np.ones_like(one)})
                single[p].append((time.perf_counter() - t0) * 1000)
    for p in paths:
        print(f"{p}: batches of 32 median {np.median(batched[p]):.0f} texts/s; "
              f"one text median {np.median(single[p]):.2f} ms")


if __name__ == "__main__":
    main()
