"""Classifier 2.0, emoji stage (try 12e; experimental until validation says otherwise): the
model learns to read emoji by their names.

Why: the vocabulary has no emoji, so until now every emoji reached the model as [UNK] and
HatemojiBuild, the one source built on emoji ("I would love to 🔪 some 👳🏾"), was learnt as
noise (validation AUC 0.54). Warden now gives the classifier each emoji's name
(emoji_reading.py, src/text/emoji.rs). A model that never saw that reading does not gain
from it (measured on validation: AUC 0.537 -> 0.524), so this stage continues from a
finished model's weights for one pass over
  * every training row of the step-2 set that holds an emoji, re-read with the names
    (HatemojiBuild twice), its counterfactual partner made again from the new reading;
  * a replay sample of the other rows, unchanged, with the same losses, so that the
    other heads keep what they learnt.
Civil Comments rows with an emoji (36) are left out: their token labels are character
offsets of the text as written.

Output: runs/<name>/final_short.pt (export2.py --name <name>).

Usage: python train2_emoji.py --name try12e --start runs/try9b/final_short.pt
           [--cache train2_focus_shapes.pkl] [--replay 8000] [--hatemoji-copies 2]
"""

from __future__ import annotations

import argparse
import pickle
import random

import numpy as np

import warden_common as W
from emoji_reading import read_emoji
from prepare2 import Swapper, counterfactual_ids, load_identity_terms
from train2_short import continue_from_start, continuing_arguments, start


def reread(e, tok, swapper):
    """A copy of example e with its text read with emoji names, or None if unchanged."""
    text = read_emoji(e["text"])
    if text == e["text"]:
        return None
    enc = tok.encode(W.preprocess(text))
    out = dict(e, text=text, ids=np.asarray(enc.ids, np.int32))
    # Paired as prepare2.py pairs them (an emoji's name can name an identity).
    out["cf"] = counterfactual_ids(e, text, tok, swapper)
    if e["tok_y"] is not None:  # benign rows: every token 0 but the special ones
        out["tok_y"] = np.where(np.asarray(enc.special_tokens_mask) == 1, -1, 0).astype(np.int8)
    return out


def main():
    ap = argparse.ArgumentParser()
    continuing_arguments(ap, seed=37)
    ap.add_argument("--hatemoji-copies", type=int, default=2)
    args = ap.parse_args()
    rng, run, tok = start(args)
    swapper = Swapper(load_identity_terms(), random.Random(args.seed))

    ex = pickle.load(open(W.CACHE / args.cache, "rb"))["examples"]
    # read: rows re-read with the names; replay: rows without an emoji, as they are.
    read, replay = [], []
    for e in ex:
        if e["source"] == "civil":
            if read_emoji(e["text"]) == e["text"]:
                replay.append(e)
            continue
        r = reread(e, tok, swapper)
        if r is None:
            replay.append(e)
        else:
            read += [r] * (args.hatemoji_copies if e["source"] == "hatemoji" else 1)
    data = read + rng.sample(replay, min(args.replay, len(replay)))
    print(f"emoji stage: {len(data)} examples ({len(read)} read with emoji names)", flush=True)
    continue_from_start(args, run, ex, data, rng, "train_emoji_log.json", read=len(read))


if __name__ == "__main__":
    main()
