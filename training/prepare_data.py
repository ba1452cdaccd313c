"""Step 1: build one multi-task dataset from the four public sources.

Output: training/cache/dataset.pkl, a list of dicts with
  source, id, split ('train'/'val'), text (raw), ids (token ids, truncated to 128),
  y[5] (float targets, head order = CATEGORIES), m[5] (1 = this source labels that head),
  and for civil only: gold_chars (sorted raw-text char offsets, majority vote),
  tok_y (per-token 0/1, -1 = ignored: special tokens), tok_spans (raw-text [start,end)
  per token, for the character-level span metric).

Label mapping (why):
  * OLID `offensive` -> toxicity (hard 0/1). OLID says nothing about the finer heads.
  * HatEval `hate` -> identity_attack (hard). It is hate against women/immigrants only,
    so a 0 there does not mean "not toxic": toxicity stays masked.
  * Davidson vote fractions (soft): toxicity = (hate+offensive)/annotators,
    identity_attack = hate/annotators. Davidson's "offensive" is NOT mapped to
    profanity: the class mixes profane words with slur-free insults and
    sexist language, so it would teach a noisy profanity head; civil_spans gives a
    cleaner, span-grounded profanity signal.
  * civil_spans (soft): toxicity = 1 - not_toxic_votes/annotators (share of annotators
    who found something toxic - `all_toxic_votes` is not used, its semantics in the
    release are unclear and it tracks not_toxic_votes closely);
    insult/profanity/threat/identity_attack = share of annotators whose spans include
    that type ('Insult', 'Profane/Obscene', 'Threat', 'Identity based Attack').
    'Other Toxicity' feeds only the toxicity head (via the votes).
  * Toxic-span gold = characters selected by a strict majority of the comment's
    annotators (as in SemEval-2021 Task 5). A token is positive if any of its
    characters is gold.
Held-out slices for davidson/civil: 10% by SHA-1 of the id (see heldout_split).
"""

from __future__ import annotations

import collections
import pickle
import time

import numpy as np

import warden_common as W

TYPE_HEAD = {"Insult": "insult", "Profane/Obscene": "profanity",
             "Threat": "threat", "Identity based Attack": "identity_attack"}
H = {c: i for i, c in enumerate(W.CATEGORIES)}


def base(source, row, split):
    return {"source": source, "id": row["id"], "split": split, "text": row["text"],
            "y": np.zeros(len(W.CATEGORIES), np.float32),
            "m": np.zeros(len(W.CATEGORIES), np.float32)}


def civil_targets(row, ex):
    L = row["labels"]
    n = L["annotators"]
    ex["y"][H["toxicity"]] = 1.0 - L["not_toxic_votes"] / n
    ex["m"][H["toxicity"]] = 1
    by_type = collections.defaultdict(set)
    for s in row["spans"]:
        by_type[s["type"]].add(s["annotation"])
    for t, head in TYPE_HEAD.items():
        ex["y"][H[head]] = min(1.0, len(by_type[t]) / n)
        ex["m"][H[head]] = 1
    # Majority character gold: count distinct annotators covering each char.
    cover = collections.defaultdict(set)
    for s in row["spans"]:
        for c in range(s["start"], min(s["end"], len(row["text"]))):
            cover[c].add(s["annotation"])
    ex["gold_chars"] = sorted(c for c, a in cover.items() if 2 * len(a) > n)


def main():
    t0 = time.time()
    tok = W.load_tokenizer()
    d = W.data_dir() / "train"
    out = []
    for source in W.SOURCES:
        for row in W.read_jsonl(d / W.SOURCE_FILES[source]):
            split = row.get("split") or W.heldout_split(row["id"])
            ex = base(source, row, split)
            L = row["labels"]
            if source == "olid":
                ex["y"][H["toxicity"]] = L["offensive"]
                ex["m"][H["toxicity"]] = 1
            elif source == "hateval":
                ex["y"][H["identity_attack"]] = L["hate"]
                ex["m"][H["identity_attack"]] = 1
            elif source == "davidson":
                n = L["annotators"]
                ex["y"][H["toxicity"]] = (L["hate_votes"] + L["offensive_votes"]) / n
                ex["y"][H["identity_attack"]] = L["hate_votes"] / n
                ex["m"][[H["toxicity"], H["identity_attack"]]] = 1
            elif source == "civil":
                civil_targets(row, ex)
            out.append(ex)

    # Optional augmentation: benign statements about identity, all heads 0 and every
    # token 0. Only used when train.py runs with --augment-benign. Evaluation uses a
    # DIFFERENT file (benign_identity.txt) with different wording and templates.
    for n, line in enumerate(open(W.TRAINING / "benign_identity_train.txt", encoding="utf-8")):
        if line.strip():
            ex = base("benign", {"id": f"benign-{n}", "text": line.strip()}, "train")
            ex["m"][:] = 1
            out.append(ex)

    # Tokenize the preprocessed text; keep the char map for civil span labels.
    for ex in out:
        pp, cmap = W.preprocess_with_map(ex["text"])
        enc = tok.encode(pp)
        ex["ids"] = np.asarray(enc.ids, np.int32)
        if ex["source"] == "benign":
            ex["tok_y"] = np.where(np.asarray(enc.special_tokens_mask) == 1, -1, 0).astype(np.int8)
        if ex["source"] != "civil":
            continue
        gold = set(ex["gold_chars"])
        tok_y = np.full(len(enc.ids), -1, np.int8)
        spans = []
        for j, (special, (s, e)) in enumerate(zip(enc.special_tokens_mask, enc.offsets)):
            if special or e <= s:
                spans.append((0, 0))
                continue
            rs, re_ = cmap[s][0], cmap[e - 1][1]  # raw-text range of this token
            spans.append((rs, re_))
            tok_y[j] = int(any(c in gold for c in range(rs, re_)))
        ex["tok_y"] = tok_y
        ex["tok_spans"] = np.asarray(spans, np.int32)

    W.CACHE.mkdir(parents=True, exist_ok=True)
    with open(W.CACHE / "dataset.pkl", "wb") as f:
        pickle.dump(out, f, protocol=pickle.HIGHEST_PROTOCOL)

    # Summary for the log / model card.
    cnt = collections.Counter((e["source"], e["split"]) for e in out)
    lens = np.array([len(e["ids"]) for e in out])
    print("examples", dict(cnt))
    print("tokens total %d mean %.1f truncated(>=128) %d" % (lens.sum(), lens.mean(), (lens >= 128).sum()))
    for s in W.SOURCES:
        tr = [e for e in out if e["source"] == s and e["split"] == "train"]
        ys = np.stack([e["y"] for e in tr]); ms = np.stack([e["m"] for e in tr])
        print(s, "mean target per labelled head:",
              {c: round(float(ys[:, i][ms[:, i] > 0].mean()), 3) for i, c in enumerate(W.CATEGORIES) if ms[:, i].any()})
    civ = [e for e in out if e["source"] == "civil"]
    ty = np.concatenate([e["tok_y"] for e in civ])
    print("civil token positives %.3f of %d; posts with empty gold %d/%d" %
          ((ty == 1).sum() / (ty >= 0).sum(), (ty >= 0).sum(),
           sum(not e["gold_chars"] for e in civ), len(civ)))
    print("prepare wall %.1fs" % (time.time() - t0))


if __name__ == "__main__":
    main()
