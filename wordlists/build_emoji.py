#!/usr/bin/env python3
"""Build wordlists/emoji/en.tsv: the English name of every emoji, for the classifier's
reading of emoji (src/text/emoji.rs, training/emoji_reading.py).

Usage:
    pip install emoji==2.16.0      # once; training/requirements.txt pins it
    python3 wordlists/build_emoji.py

Why: the classifier's WordPiece vocabulary has no emoji, so "I would love to 🔪 some 👳🏾"
reaches it as "I would love to [UNK] some [UNK]", and emoji-borne hate is read at chance.
Warden reads each emoji as its name instead ("kitchen knife", "person wearing turban
medium-dark skin tone"), and the model is trained on that reading.

Input: the `emoji` package's EMOJI_DATA (BSD-3-Clause), whose English names are the
Unicode CLDR short names (Unicode licence, see SOURCES.md). Every fully qualified,
minimally qualified and unqualified sequence is listed, so a sequence is found whether or
not its variation selectors were typed.

Kept: sequences whose first code point is U+231A (watch) or later: pictographs, dingbats,
flags, people with skin tones and their ZWJ sequences. Left out: keycaps ("1️⃣": a digit
with marks) and the text symbols before U+231A ("©", "™", "↔"), which read fine as
written or are not emoji in running text.

Names: CLDR's short name with `_` as a space; country and subdivision flags, which the
package names after the place alone (":United_States:"), get "flag " in front, as CLDR's
own "flag: United States" does.

Output rows: sequence<TAB>name, sorted by sequence. Same package version, same bytes.
"""

from __future__ import annotations

from pathlib import Path

from emoji import EMOJI_DATA, __version__

OUT = Path(__file__).resolve().parent / "emoji" / "en.tsv"
FIRST_KEPT = 0x231A
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
BLACK_FLAG = 0x1F3F4
TAGS = range(0xE0020, 0xE0080)


def is_place_flag(sequence: str) -> bool:
    points = [ord(c) for c in sequence]
    pair = len(points) == 2 and all(p in REGIONAL_INDICATORS for p in points)
    subdivision = points[0] == BLACK_FLAG and len(points) > 2 and all(p in TAGS for p in points[1:])
    return pair or subdivision


def name(sequence: str, short_name: str) -> str:
    words = short_name.strip(":").replace("_", " ")
    return f"flag {words}" if is_place_flag(sequence) else words


def main() -> None:
    rows = sorted(
        (sequence, name(sequence, data["en"]))
        for sequence, data in EMOJI_DATA.items()
        if ord(sequence[0]) >= FIRST_KEPT
    )
    for sequence, words in rows:
        assert "\t" not in sequence + words and "\n" not in sequence + words, sequence
    header = (
        f"# wordlists/emoji/en.tsv -- built by wordlists/build_emoji.py from emoji {__version__}"
        " (names: Unicode CLDR). Columns: sequence<TAB>name\n"
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(header + "".join(f"{s}\t{w}\n" for s, w in rows), encoding="utf-8")
    print(f"{OUT}: {len(rows)} sequences")


if __name__ == "__main__":
    main()
