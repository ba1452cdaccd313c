"""Emoji read as their names: the same reading as Warden's src/text/emoji.rs.

The classifier's vocabulary has no emoji ("I would love to 🔪 some 👳🏾" is read as
"I would love to [UNK] some [UNK]"), so Warden gives the classifier each emoji's English
name instead, from wordlists/emoji/en.tsv (wordlists/build_emoji.py). Training and
evaluation texts go through this function so the model learns the reading it will get.

The rules, which src/text/emoji.rs follows exactly:
  * at each position the longest sequence of the table that starts there is taken (skin
    tones, ZWJ sequences and flags are one sequence each); scanning goes on after it;
  * sequences with nothing between them form a run, read as the names of its distinct
    sequences in order of first appearance, one space apart ("😂😂😂" is read once:
    repetition is emphasis, and each repeat would cost the model several tokens);
  * a space is added before a run that follows a non-space character and after one that
    is followed by a non-space character ("🔪some🦊" -> "kitchen knife some fox").
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "wordlists" / "emoji" / "en.tsv"

# Rust's char::is_whitespace (the Unicode White_Space property), so both sides pad alike.
WHITE_SPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                        "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@lru_cache(maxsize=1)
def table() -> tuple[dict[str, str], int, str]:
    names = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            sequence, name = line.split("\t")
            names[sequence] = name
    first_chars = "".join(sorted({s[0] for s in names}))
    return names, max(map(len, names)), first_chars


def read_emoji(text: str) -> str:
    names, longest, first_chars = table()
    if not any(c in first_chars for c in text):
        return text
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] not in first_chars:
            out.append(text[i])
            i += 1
            continue
        run_start, run = i, []
        while i < n:
            found = next((text[i:i + k] for k in range(min(longest, n - i), 0, -1)
                          if text[i:i + k] in names), None)
            if found is None:
                break
            if names[found] not in run:
                run.append(names[found])
            i += len(found)
        if not run:  # a first character of some sequence, but no sequence here
            out.append(text[i])
            i += 1
            continue
        before = " " if run_start > 0 and text[run_start - 1] not in WHITE_SPACE else ""
        after = " " if i < n and text[i] not in WHITE_SPACE else ""
        out.append(before + " ".join(run) + after)
    return "".join(out)


if __name__ == "__main__":
    for t in ["I would love to 🔪 some 👳🏾", "🔪some🦊", "😂😂😂 lol", "🏳️‍🌈 pride 🇺🇸🇺🇸", "no emoji",
              "❤️❤", "ok 👍🏿👍🏿😂👍🏿"]:
        print(repr(t), "->", repr(read_emoji(t)))
