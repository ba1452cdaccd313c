#!/usr/bin/env python3
"""Quick Python approximation of Warden's wordlist matcher, for tuning the lists.

Usage:
    python3 wordlists/check.py                  # dictionary false positives + assertions
    python3 wordlists/check.py --text "..."     # show what a text matches
    python3 wordlists/check.py --list wordlists/de.tsv --text "..."

Matching (a simplification of src/patterns/matcher.rs, with no de-obfuscation):
a text is lowercased (after NFKC), diacritics are removed, apostrophes are dropped and it
is split into tokens of letters/marks/digits. A single-token term matches a token when their run-length
encodings line up (same letters; every token run at least as long as the term's run, so
"shiitake" reads as "shitake" but "as" is not "ass"): `word` over the whole token,
`prefix` at its start, `suffix` at its end, `any` anywhere. A phrase term matches a
sequence of tokens that each match its words as `word`. A `prefix`/`suffix`/`any` match
that does not cover the whole token is ignored when the token is in allow.tsv.

The dictionary check scores every word of /usr/share/dict/words (Debian's wamerican) that
is not itself a list term, alone, and reports the share that matches anything. It exits
non-zero when that share is 0.5% or more, or when an assertion fails.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DICT = Path("/usr/share/dict/words")
APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc"
MAX_RATE = 0.005

# From the brief and tests/evasion.rs: single words and short texts.
MUST_NOT_MATCH = [
    "Scunthorpe", "assassin", "cocktail", "shiitake", "analysis", "therapist", "Penistone",
    "Middlesex", "cockpit", "grass", "class", "compass", "bass", "passage", "Essex", "Sussex",
    "Dickens", "hancock", "cumulative", "document", "title", "button", "shitake",
    "classic", "embarrass", "bassist", "Dickensian", "peacock", "Wessex", "sextant", "sextet",
    "Mississippi", "Titanic", "constitution", "petition", "competition", "repetition",
    "rapeseed", "grape", "drape", "scrape", "skyscraper", "scrapbook", "buttress", "butter",
    "rebuttal", "cucumber", "circumstance", "accumulate", "penal", "penalty", "peninsula",
    "shell", "analyst", "analog", "canal", "banal", "assume", "assess", "assignment",
    "associate", "bass guitar", "Massachusetts", "ambassador", "harass", "crass", "brass",
    "glass", "molasses", "cassette", "sassy", "lasso", "tassel", "hassle", "vassal",
    "cockroach", "cockatoo", "Hitchcock", "woodcock", "shuttlecock", "Dickinson", "titmouse",
    "tithe", "titular", "arsenal", "arsenic", "cunning", "Cunningham", "scunner", "sextuple",
    "hello", "shellfish", "mishit", "pitch", "witch", "kitchen", "hitch", "stitch", "bitcoin",
    "spice", "niger river", "Nigeria", "snigger", "kill the lights", "this song kills",
    "killer app", "dying to see it", "cut the cake", "whoredom of words", "retardant",
    "Scunthorpe United won", "Assassin's Creed", "cocktail party", "shiitake mushrooms",
    "data analysis", "my therapist says", "Penistone Road", "Middlesex University",
    "cockpit voice recorder", "shitake soup", "I am a gay man and proud of it",
    "As a Muslim woman I fast during Ramadan", "Black lives matter",
    "She is bisexual and he is transgender", "My Jewish grandmother makes the best latkes",
    "The bass player passed the class", "I'll pass the assessment", "Do your homework",
    "Dickens wrote about Essex", "her analysis of the cocktail menu",
    "the therapist in Scunthorpe", "we went to Penistone and Middlesex",
    "an assassin in the cockpit", "shiitake and Sussex", "Titles and subtitles",
    "The analyst's assessment", "as soon as possible", "Skipping class to study for the exam",
    "He ran a marathon in Massachusetts", "Pass the salt please", "Assume good faith",
    "Straße in München", "Yamashita and Kinoshita", "a queer theory seminar",
]
# (text, category that must be among the matches)
MUST_MATCH = [
    ("dumbass", "insult"), ("motherfucker", "profanity"), ("fucking", "profanity"),
    ("fuckface", "insult"), ("shithead", "profanity"), ("bitches", "insult"),
    ("fuck off", "profanity"), ("What The Fuck", "profanity"), ("you bitch", "insult"),
    ("stupid cunt", "profanity"), ("what a dumbass", "insult"), ("go kill yourself", "threat"),
    ("I will kill you", "threat"), ("I want to kill myself", "self_harm"),
    ("fucking hell", "profanity"), ("asshole", "insult"), ("whore", "insult"),
    ("slut", "insult"), ("twat", "insult"), ("dick", "sexual"), ("porn", "sexual"),
    ("pussy", "sexual"), ("nigger", "identity_attack"), ("faggot", "identity_attack"),
    ("retard", "identity_attack"), ("idiot", "insult"), ("kys", "threat"),
    ("kill urself", "threat"), ("I want to die", "self_harm"),
    ("thinking about suicide", "self_harm"), ("going to cut myself tonight", "self_harm"),
    ("i will find you", "threat"), ("fuuuuck", "profanity"), ("shiiiit", "profanity"),
    ("whoooore", "insult"), ("sluuuut", "insult"), ("diiiick", "sexual"),
    ("asssshole", "insult"), ("cuuunt", "profanity"), ("fuckkkk", "profanity"),
]


# Masked tokens from tests/evasion.rs: (token, category of the best candidate, expected
# matched prefix of the token or None for the whole token). Warden compares a masked token
# with the word/prefix single-token terms sharing its first letter, each `*` standing for
# exactly one letter, and keeps the candidate with the highest (severity, term length).
MASKED = [
    ("f*ck", "profanity", None), ("f**k", "profanity", None), ("sh*t", "profanity", None),
    ("b*tch", "insult", None), ("a**hole", "insult", None), ("c*nt", "profanity", None),
    ("wh*re", "insult", None), ("motherf*cker", "profanity", None), ("f#ck", "profanity", None),
    ("d*ck", "sexual", None), ("f*cking", "profanity", "f*ck"), ("b**ch", "insult", None),
    ("sl*t", "insult", None), ("n*gger", "identity_attack", None), ("fu*k", "profanity", None),
]
SEV = {"low": 0, "medium": 1, "high": 2}


def glob(token: str, spelled: str, prefix: bool) -> int | None:
    """Port of glob_match in src/patterns/matcher.rs over raw characters (masks `*`/`#`
    consume exactly one letter each; a letter run consumes 1..run copies)."""
    units = []
    for ch in token.replace("#", "*"):
        if units and units[-1][0] == ch:
            units[-1][1] += 1
        else:
            units.append([ch, 1])
    n = len(spelled)
    reach, letters, consumed_chars = {0}, 0, 0
    for ch, run in units:
        nxt = set()
        for j in reach:
            if ch == "*":
                if j + run <= n:
                    nxt.add(j + run)
            else:
                k = 1
                while k <= run and j + k <= n and spelled[j + k - 1] == ch:
                    nxt.add(j + k)
                    k += 1
        consumed_chars += run
        if ch != "*":
            letters += 1
        reach = nxt
        if not reach:
            return None
        if prefix and n in reach and letters >= 2:
            return consumed_chars
    return consumed_chars if n in reach else None


def masked_best(rows, token: str):
    best = None
    for term, cat, sev, mode in rows:
        if mode not in ("word", "prefix") or " " in term or term[0] != token[0]:
            continue
        got = glob(token, term, mode == "prefix")
        if got is None:
            continue
        if best is None or (SEV[sev], len(term)) > (SEV[best[2]], len(best[0])):
            best = (term, cat, sev, mode, token[:got])
    return best


def norm(text: str) -> str:
    """NFKC, lowercase, diacritics removed (like Warden's fold), apostrophes dropped."""
    s = unicodedata.normalize("NFKC", text).lower().replace("ß", "ss")
    out, base = [], ""
    for c in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(c) and base and ord(base) < 0x0530:
            continue  # accents on Latin, Greek, Cyrillic letters; other scripts keep marks
        out.append(c)
        if not unicodedata.combining(c):
            base = c
    s = unicodedata.normalize("NFC", "".join(out))
    for a in APOSTROPHES:
        s = s.replace(a, "")
    return s


def tokenize(text: str) -> list[str]:
    out, cur = [], []
    for ch in norm(text):
        if unicodedata.category(ch)[0] in "LMN":
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def rle(s: str) -> tuple[str, tuple[int, ...]]:
    chars, runs = [], []
    for ch in s:
        if chars and chars[-1] == ch:
            runs[-1] += 1
        else:
            chars.append(ch)
            runs.append(1)
    return "".join(chars), tuple(runs)


class Matcher:
    def __init__(self, rows: list[tuple[str, str, str, str]], allow: set[str]):
        self.rows = rows
        self.terms = {r[0] for r in rows}
        self.allow = {rle(norm(a))[0] for a in allow}
        # single-token terms indexed by collapsed text, per mode
        self.index: dict[str, dict[str, list[tuple[int, tuple[int, ...]]]]] = {
            m: defaultdict(list) for m in ("word", "prefix", "suffix", "any")}
        self.any_lengths: set[int] = set()
        self.phrases: list[tuple[int, list[tuple[str, tuple[int, ...]]]]] = []
        for i, (term, _cat, _sev, mode) in enumerate(rows):
            words = norm(term).split()
            if len(words) > 1:
                self.phrases.append((i, [rle(w) for w in words]))
                continue
            key, runs = rle(words[0])
            self.index[mode][key].append((i, runs))
            if mode == "any":
                self.any_lengths.add(len(key))

    def token_hits(self, token: str) -> list[int]:
        key, runs = rle(token)
        n = len(key)
        hits = []
        allowed = key in self.allow

        def check(mode: str, start: int, length: int) -> None:
            for i, truns in self.index[mode].get(key[start:start + length], ()):
                if all(r >= t for r, t in zip(runs[start:start + length], truns)):
                    if length != n and allowed:
                        continue
                    hits.append(i)

        check("word", 0, n)
        for length in range(1, n + 1):
            check("prefix", 0, length)
            check("suffix", n - length, length)
        for length in self.any_lengths:
            for start in range(0, n - length + 1):
                check("any", start, length)
        return sorted(set(hits))

    def text_hits(self, text: str) -> list[int]:
        toks = tokenize(text)
        hits = set()
        for t in toks:
            hits.update(self.token_hits(t))
        enc = [rle(t) for t in toks]
        for i, words in self.phrases:
            for s in range(len(enc) - len(words) + 1):
                if all(e[0] == w[0] and all(a >= b for a, b in zip(e[1], w[1]))
                       for e, w in zip(enc[s:s + len(words)], words)):
                    hits.add(i)
                    break
        return sorted(hits)


def read_rows(path: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        rows.append((cols[0], cols[1], cols[2], cols[3] if len(cols) > 3 and cols[3] else "word"))
    return rows


def read_allow(path: Path) -> set[str]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.add(line.split("\t")[0].strip())
    return out


def describe(m: Matcher, hits: list[int]) -> str:
    return ", ".join(f"{m.rows[i][0]} ({m.rows[i][1]}/{m.rows[i][2]}/{m.rows[i][3]})" for i in hits)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", type=Path, action="append",
                    help="wordlist TSV (repeatable; default wordlists/en.tsv)")
    ap.add_argument("--allow", type=Path, default=HERE / "allow.tsv")
    ap.add_argument("--text", action="append", help="show the matches of a text (repeatable)")
    ap.add_argument("--dict", type=Path, default=DICT)
    args = ap.parse_args()
    rows = []
    for p in args.list or [HERE / "en.tsv"]:
        rows.extend(read_rows(p))
    m = Matcher(rows, read_allow(args.allow))

    if args.text:
        for t in args.text:
            print(f"{t!r}: {describe(m, m.text_hits(t)) or 'nothing'}")
        return 0

    ok = True
    if not args.dict.is_file():
        print(f"{args.dict} missing: apt-get install -y wamerican", file=sys.stderr)
        return 2
    seen, scored, flagged = set(), 0, []
    for w in args.dict.read_text(encoding="utf-8", errors="replace").splitlines():
        w = w.strip()
        if not w:
            continue
        key = norm(w)
        if key in m.terms or key in seen:
            continue
        seen.add(key)
        scored += 1
        hits = m.text_hits(w)
        if hits:
            flagged.append((w, hits))
    rate = len(flagged) / scored
    print(f"dictionary: {len(flagged)} of {scored} words matched ({rate * 100:.3f}%), limit 0.5%, aim < 0.2%")
    for w, hits in flagged:
        print(f"  {w}: {describe(m, hits)}")
    if rate >= MAX_RATE:
        ok = False
        print("FAIL: dictionary false-positive rate too high")

    bad = [(t, m.text_hits(t)) for t in MUST_NOT_MATCH]
    bad = [(t, h) for t, h in bad if h]
    print(f"must not match: {len(MUST_NOT_MATCH) - len(bad)}/{len(MUST_NOT_MATCH)} clean")
    for t, h in bad:
        ok = False
        print(f"  FAIL {t!r}: {describe(m, h)}")
    misses = []
    for t, cat in MUST_MATCH:
        hits = m.text_hits(t)
        if not any(m.rows[i][1] == cat for i in hits):
            misses.append((t, cat, hits))
    print(f"must match: {len(MUST_MATCH) - len(misses)}/{len(MUST_MATCH)} caught")
    for t, cat, h in misses:
        ok = False
        print(f"  FAIL {t!r}: wanted {cat}, got {describe(m, h) or 'nothing'}")
    mfail = []
    for token, cat, span in MASKED:
        best = masked_best(m.rows, token)
        if best is None or best[1] != cat or best[4] != (span or token):
            mfail.append((token, cat, span, best))
    print(f"masked tokens: {len(MASKED) - len(mfail)}/{len(MASKED)} as expected")
    for token, cat, span, best in mfail:
        ok = False
        print(f"  FAIL {token!r}: wanted {cat} over {span or token!r}, got {best}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
