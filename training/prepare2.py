"""Classifier 2.0, step 1: the multi-source, multi-head training set.

Output: training/cache/train2.pkl with
  heads: the internal head names (TRAIN_HEADS)
  examples: dicts {source, id, text, ids, y[H], m[H], tok_y (civil, benign) or None,
                   cf: counterfactual token ids or None, hate: 0/1/None}

Why internal heads differ from the exported categories: the 1.0 model card named "one
toxicity head serving three label definitions" as a cause of lost quality. 2.0 keeps
each toxicity definition on its own head (tox_civil: share of Civil Comments raters who
found the comment toxic; tox_olid: OLID "offensive"; tox_tweet: Davidson/HateXplain
"hate or offensive" vote share). The shipped graph's `toxicity` output is the sigmoid of
the MEAN of those three logits (export2.py): a consensus of the three definitions, so no
single source's quirks decide alone. Hate sources share one `identity_attack` head: their
definitions (an attack on people for a protected characteristic) agree closely enough.

Sources (training splits only; validation splits stay for threshold choice and the card):
  olid, hateval, davidson, civil_spans (as in 1.0), plus hatexplain, ghc, toxigen
  (annotated + seed), stormfront, hatemoji_build, and our own generated data:
  training/data/contrast_train.jsonl (contrast pairs: hate vs negated / quoted-to-denounce
  / news / positive rewrites, obfuscated variants) and
  training/data/benign_identity_train.txt (benign identity speech, every head 0); with
  --focus (2.0.2, cache/train2_focus.pkl) also training/data/focus_train.jsonl
  (gen_training_focus.py: the functional behaviours 2.0.1 got most wrong); with --shapes
  also the contrast data's family E (BENIGN_SHAPES below; cache/train2_focus_shapes.pkl).
Not used: edos / misogyny_reddit (sexism is broader than the hate definition), mlma (no
negatives), convabuse (agent-directed abuse), dev/ (evaluation only by licence).

Counterfactual pairs (fairness by construction): every non-hateful training text that
mentions an identity term from wordlists/identity/en.tsv (shared with the engine's identity guard) gets one copy with the term(s)
swapped for another term of the same kind from a different group; train2.py trains on the
copy with the same labels and adds a counterfactual logit pairing loss on the pair.
"""

from __future__ import annotations

import argparse
import collections
import json
import pickle
import random
import re
import time

import numpy as np

import warden_common as W
from emoji_reading import read_emoji

TRAIN_HEADS = ["tox_civil", "tox_olid", "tox_tweet", "insult", "profanity",
               "identity_attack", "threat"]
TOX_HEADS = [0, 1, 2]
HI = {h: i for i, h in enumerate(TRAIN_HEADS)}
TYPE_HEAD = {"Insult": "insult", "Profane/Obscene": "profanity",
             "Threat": "threat", "Identity based Attack": "identity_attack"}
DATA = W.TRAINING / "data"
SEED = 2


def load_identity_terms():
    terms = []
    for line in open(W.REPO / "wordlists" / "identity" / "en.tsv", encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 3 and parts[0].lower() != "term":
            terms.append((parts[0], parts[1], parts[2]))
    return terms


class Swapper:
    """Replaces identity mentions with a term of the same kind from another group."""

    def __init__(self, terms, rng):
        self.rng = rng
        self.by_kind = collections.defaultdict(list)
        self.group = {}
        for term, group, kind in terms:
            self.by_kind[kind].append(term)
            self.group[term.lower()] = (group, kind)
        # Longest first so "gay people" wins over "gay".
        alts = sorted({t for t, _, _ in terms}, key=len, reverse=True)
        self.re = re.compile(r"(?<![\w])(" + "|".join(re.escape(a) for a in alts) + r")(?![\w])", re.I)

    def mentions(self, text):
        return [m.group(1) for m in self.re.finditer(text)]

    def swap(self, text):
        def repl(m):
            group, kind = self.group[m.group(1).lower()]
            choices = [t for t in self.by_kind[kind] if self.group[t.lower()][0] != group]
            new = self.rng.choice(choices)
            if m.group(1)[:1].isupper():
                new = new[:1].upper() + new[1:]
            return new
        return self.re.sub(repl, text)


def is_benign(e):
    """Whether example e is non-hateful: the rows that get a counterfactual partner."""
    return e["hate"] == 0 or (e["hate"] is None and float((e["y"] * e["m"]).max()) < 0.5)


def counterfactual_ids(e, text, tok, swapper):
    """The token ids of the identity-swapped partner of example e read as `text`, or None
    when it gets none: only non-hateful rows that name an identity are paired."""
    if is_benign(e) and swapper.mentions(text):
        return np.asarray(tok.encode(W.preprocess(swapper.swap(text))).ids, np.int32)
    return None


def ex(source, id_, text, **labels):
    y = np.zeros(len(TRAIN_HEADS), np.float32)
    m = np.zeros(len(TRAIN_HEADS), np.float32)
    for h, v in labels.items():
        if v is None:
            continue
        y[HI[h]] = float(v)
        m[HI[h]] = 1
    return {"source": source, "id": id_, "text": text, "y": y, "m": m,
            "hate": None if labels.get("identity_attack") is None else int(labels["identity_attack"] >= 0.5)}


def rows(name):
    return W.read_jsonl(W.data_dir() / "train" / name)


def train_split(row):
    return (row.get("split") or W.heldout_split(row["id"])) == "train"


# Family E of the contrast data (gen_training_extra.py): benign sentences in the shapes the
# hate templates use. Its rows come last in the file, so leaving them out (2.0.2's recipe)
# gives exactly the set 2.0.2 was trained on.
BENIGN_SHAPES = {"benign_opinion", "benign_question", "first_person_benign"}


def collect(rng, focus=False, shapes=False):
    out = []
    for r in rows("olid.jsonl"):
        if train_split(r):
            out.append(ex("olid", r["id"], r["text"], tox_olid=r["labels"]["offensive"]))
    for r in rows("hateval.jsonl"):
        if train_split(r):
            out.append(ex("hateval", r["id"], r["text"], identity_attack=r["labels"]["hate"]))
    for r in rows("davidson.jsonl"):
        if train_split(r):
            L = r["labels"]; n = L["annotators"]
            out.append(ex("davidson", r["id"], r["text"],
                          tox_tweet=(L["hate_votes"] + L["offensive_votes"]) / n,
                          identity_attack=L["hate_votes"] / n))
    for r in rows("civil_spans.jsonl"):
        if not train_split(r):
            continue
        L = r["labels"]; n = L["annotators"]
        by_type = collections.defaultdict(set)
        for s in r["spans"]:
            by_type[s["type"]].add(s["annotation"])
        e = ex("civil", r["id"], r["text"], tox_civil=1.0 - L["not_toxic_votes"] / n,
               **{head: min(1.0, len(by_type[t]) / n) for t, head in TYPE_HEAD.items()})
        cover = collections.defaultdict(set)
        for s in r["spans"]:
            for c in range(s["start"], min(s["end"], len(r["text"]))):
                cover[c].add(s["annotation"])
        e["gold_chars"] = sorted(c for c, a in cover.items() if 2 * len(a) > n)
        out.append(e)
    for r in rows("hatexplain.jsonl"):
        if r.get("split") == "train":
            L = r["labels"]; n = L["annotators"]
            out.append(ex("hatexplain", r["id"], r["text"],
                          tox_tweet=(L["hatespeech_votes"] + L["offensive_votes"]) / n,
                          identity_attack=L["hatespeech_votes"] / n))
    for r in rows("ghc.jsonl"):
        if r.get("split") == "train":
            out.append(ex("ghc", r["id"], r["text"], identity_attack=r["labels"]["hate"]))
    for r in rows("toxigen_annotated.jsonl"):
        th = r["labels"]["toxicity_human"]
        out.append(ex("toxigen", r["id"], r["text"], identity_attack=min(1.0, max(0.0, (th - 1) / 4))))
    for r in rows("toxigen_seed.jsonl"):
        out.append(ex("toxigen_seed", r["id"], r["text"], identity_attack=r["labels"]["hate"]))
    for r in rows("stormfront.jsonl"):
        if r["labels"].get("hate") is not None and train_split(r):
            out.append(ex("stormfront", r["id"], r["text"], identity_attack=r["labels"]["hate"]))
    for r in rows("hatemoji_build.jsonl"):
        if r.get("split") == "train":
            out.append(ex("hatemoji", r["id"], r["text"], identity_attack=r["labels"]["hate"]))
    for r in W.read_jsonl(DATA / "contrast_train.jsonl"):
        if r["kind"] in BENIGN_SHAPES and not shapes:
            continue
        t = r["toxic"]
        out.append(ex("contrast", r["id"], r["text"], tox_civil=t, tox_olid=t, tox_tweet=t,
                      identity_attack=r["hate"]))
        out[-1]["pair"] = r["pair"]  # the contrast pair it belongs to (train2.py --pair-rate)
    for n, line in enumerate(open(DATA / "benign_identity_train.txt", encoding="utf-8")):
        if line.strip():
            out.append(ex("benign", f"benign-{n}", line.strip(),
                          **{h: 0.0 for h in TRAIN_HEADS}))
    if focus:
        # The functional behaviours 2.0.1 got most wrong (gen_training_focus.py), trained
        # inside the full mixture rather than as a short stage after it (MODEL_CARD.md,
        # "After 2.0.1": a short stage moved first-person identity statements to hate).
        for r in W.read_jsonl(DATA / "focus_train.jsonl"):
            t = r["toxic"]
            out.append(ex("focus", r["id"], r["text"], tox_civil=t, tox_olid=t, tox_tweet=t,
                          identity_attack=r["hate"]))
    return out


# How many examples of each source one epoch sees (None = all). Chosen for a ~1 hour
# CPU budget: the hate-focused and generated sources are kept whole, the large generic
# ones are sub-sampled keeping every positive (the informative minority).
QUOTA = {"olid": None, "hateval": None, "civil": None, "contrast": None, "benign": None,
         "focus": None,
         "toxigen_seed": None, "hatemoji": None, "davidson": 7000, "hatexplain": 9000,
         "ghc": 6000, "toxigen": 5000, "stormfront": 3000}


def subsample(out, rng):
    by = collections.defaultdict(list)
    for e in out:
        by[e["source"]].append(e)
    keep = []
    for s, es in by.items():
        q = QUOTA.get(s)
        if q is None or len(es) <= q:
            keep += es
            continue
        pos = [e for e in es if (e["hate"] or 0) == 1]
        neg = [e for e in es if (e["hate"] or 0) != 1]
        rng.shuffle(neg)
        keep += pos[:q // 2] + neg[:q - min(len(pos), q // 2)]
    return keep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--focus", action="store_true",
                    help="add training/data/focus_train.jsonl; writes cache/train2_focus.pkl")
    ap.add_argument("--shapes", action="store_true",
                    help="add the contrast data's family E (BENIGN_SHAPES); the cache name gains _shapes")
    ap.add_argument("--read-emoji", action="store_true",
                    help="read emoji by their names (emoji_reading.py), as Warden does; Civil Comments rows "
                         "stay as written (their spans are offsets of the text as written); the cache name "
                         "gains _emoji")
    args = ap.parse_args()
    t0 = time.time()
    rng = random.Random(SEED)
    tok = W.load_tokenizer()
    swapper = Swapper(load_identity_terms(), rng)
    data = subsample(collect(rng, focus=args.focus, shapes=args.shapes), rng)
    n_cf = n_read = 0
    for e in data:
        if args.read_emoji and e["source"] != "civil":
            text = read_emoji(e["text"])
            n_read += text != e["text"]
            e["text"] = text
        pp, cmap = W.preprocess_with_map(e["text"])
        enc = tok.encode(pp)
        e["ids"] = np.asarray(enc.ids, np.int32)
        e["cf"] = counterfactual_ids(e, e["text"], tok, swapper)
        n_cf += e["cf"] is not None
        e["tok_y"] = None
        if e["source"] == "benign":
            e["tok_y"] = np.where(np.asarray(enc.special_tokens_mask) == 1, -1, 0).astype(np.int8)
        elif e["source"] == "civil":
            gold = set(e["gold_chars"])
            ty = np.full(len(enc.ids), -1, np.int8)
            for j, (special, (s, t)) in enumerate(zip(enc.special_tokens_mask, enc.offsets)):
                if special or t <= s:
                    continue
                rs, re_ = cmap[s][0], cmap[t - 1][1]
                ty[j] = int(any(c in gold for c in range(rs, re_)))
            e["tok_y"] = ty
    W.CACHE.mkdir(parents=True, exist_ok=True)
    name = ("train2" + ("_focus" if args.focus else "") + ("_shapes" if args.shapes else "")
            + ("_emoji" if args.read_emoji else "") + ".pkl")
    with open(W.CACHE / name, "wb") as f:
        pickle.dump({"heads": TRAIN_HEADS, "examples": data}, f, protocol=pickle.HIGHEST_PROTOCOL)
    cnt = collections.Counter(e["source"] for e in data)
    hate = collections.Counter((e["source"], e["hate"]) for e in data)
    toks = sum(len(e["ids"]) for e in data)
    print("examples", len(data), dict(cnt))
    print("hate labels", dict(hate))
    print(f"counterfactual pairs {n_cf}; tokens {toks} (mean {toks / len(data):.1f}); read with emoji names {n_read}")
    print(f"prepare2 wall {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
