#!/usr/bin/env python3
"""Build wordlists/words/en.tsv: the English words Warden's reading of run-together text
knows, with how often each occurs in real user text.

Usage:
    python3 wordlists/build_words.py [--data DIR] [--dict FILE]

The classifier reads "Ihatetranspeople" as pieces that mean nothing; Warden splits such a
run into the words it most likely is (src/text/words.rs). That needs two things: which
strings are words (so that a word is never split, and a split is made of words only), and
how common each word is (so that "the rapist" never beats "therapist").

Inputs (read-only):
    /usr/share/dict/american-english   Debian's wamerican (SCOWL; see SOURCES.md): which
                                       strings are English words
    <data>/train/*.jsonl               the training texts (../shared/data): counts of each
                                       word in real user content, and the slang, slurs and
                                       insults a dictionary lacks (kept when seen >= 5 times)
    models/warden-minilm/tokenizer.json  whole-word entries of the classifier's vocabulary
    wordlists/identity/en.tsv          identity terms: always words, never split
                                       ("intersex" must not be read as "inter sex")

Counting skips URLs, #hashtags and @mentions: a hashtag is run-together text itself
("#buildthewall"), and counting it as a word would stop it from ever being split.

Output rows: word<TAB>count, sorted by word; count is the number of occurrences in the
training texts, 0 for a dictionary word never seen there. Lowercase ASCII letters only,
2-24 letters (plus "a" and "i"). Stdlib only; no clock; same inputs, same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MIN_CORPUS_ONLY = 5  # a string seen this often in user text is a word even if no dictionary has it
MAX_LEN = 24

SKIP = re.compile(r"https?://\S+|www\.\S+|[#@]\w+")
WORD = re.compile(r"[A-Za-z]+")


def shape_ok(w: str) -> bool:
    return w.isascii() and w.isalpha() and (2 <= len(w) <= MAX_LEN or w in ("a", "i"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--dict", default="/usr/share/dict/american-english")
    args = ap.parse_args()

    counts: Counter[str] = Counter()
    for path in sorted(Path(args.data, "train").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                text = SKIP.sub(" ", json.loads(line)["text"])
                counts.update(w.lower() for w in WORD.findall(text))

    words: dict[str, int] = {}
    with open(args.dict, encoding="utf-8") as f:
        for line in f:
            w = line.strip().lower()
            if shape_ok(w):
                words[w] = counts.get(w, 0)
    vocab = json.load(open(REPO / "models" / "warden-minilm" / "tokenizer.json", encoding="utf-8"))
    for w in vocab["model"]["vocab"]:
        if shape_ok(w):
            words[w] = counts.get(w, 0)
    with open(HERE / "identity" / "en.tsv", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            for w in line.split("\t")[0].split():
                w = w.lower()
                if shape_ok(w):
                    words[w] = counts.get(w, 0)
    for w, n in counts.items():
        if n >= MIN_CORPUS_ONLY and shape_ok(w):
            words[w] = n

    out = HERE / "words" / "en.tsv"
    out.parent.mkdir(exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for w in sorted(words):
            f.write(f"{w}\t{words[w]}\n")
    print(f"{out.relative_to(REPO)}: {len(words)} words, {sum(1 for n in words.values() if n)} seen in user text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
