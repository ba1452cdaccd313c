//! The de-obfuscated reading of a text: what the classifier reads.
//!
//! The pattern stage sees through evasions ("wh0re", "c u n t", "fuuuuck"); the classifier,
//! reading the raw text, mostly cannot: a tokenizer splits "a55hole" into pieces that mean
//! nothing. So where a harm match needed evasions to be seen, the classifier reads the
//! matched term spelled plainly instead. Likewise words run together to hide them
//! ("killallwheelchairusers") are read with their spaces back ([`crate::text`]'s
//! `split_joined`, whose rules keep real words, typos and names whole), and words in
//! leetspeak that no wordlist holds ("1nf3r10r v3rm1n") are read as the words they spell
//! (`read_leet`, which leaves numbers, codes and identifiers alone), and so are words
//! spelled out letter by letter ("m i g r a n t s", `read_spaced`). Emoji, which the
//! classifier's vocabulary lacks, are read as their names ("🔪": "kitchen knife",
//! `read_emoji`) for a model trained on that reading (its `labels.json` says so). The
//! classifier's toxic spans are mapped back onto the original text. A text with nothing
//! hidden is scored exactly as written.

use std::borrow::Cow;

use crate::text::{read_emoji, read_leet, read_spaced, split_joined};
use crate::verdict::{Category, Match, Source};

/// A text with some code-point ranges rewritten, and the map back to the original.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reading {
    pub text: String,
    /// Rewritten ranges, in order: (start in `text`, end in `text`, original start,
    /// original end), all code points.
    edits: Vec<(u32, u32, u32, u32)>,
}

impl Reading {
    /// The reading of `original` given its pattern matches, or `None` when nothing in it
    /// was hidden (the text is read as written). Emoji are read as their names only for a
    /// model trained that way (`emoji_names`).
    pub fn of(original: &str, matches: &[Match], emoji_names: bool) -> Option<Reading> {
        let spelled_out: Vec<(u32, u32, Cow<'_, str>)> = matches
            .iter()
            .filter(|m| {
                !m.evasions.is_empty()
                    && m.category != Category::Pii
                    && matches!(m.source, Source::Wordlist | Source::Custom)
            })
            .filter_map(|m| {
                // Rules are "<list>:<term>"; the term is the plain spelling.
                let term = m.rule.split_once(':').map(|(_, t)| t)?;
                (!term.is_empty()).then_some((m.start, m.end, Cow::Borrowed(term)))
            })
            .collect();
        // A run that a match already spells out is not respelled again. Between a split
        // and a leet word, `rewrite` keeps the earlier; they rarely meet, since a split
        // skips every token with a digit (and spaced letters are tokens of one letter,
        // which neither reads).
        let respellings = split_joined(original)
            .into_iter()
            .chain(read_leet(original))
            .chain(read_spaced(original))
            .chain(if emoji_names {
                read_emoji(original)
            } else {
                Vec::new()
            })
            .map(|r| (r.start, r.end, Cow::Owned(r.words)));
        let rewrites = giving_way(spelled_out, respellings);
        if rewrites.is_empty() {
            return None;
        }
        let (text, edits) = rewrite(original, rewrites, |term, _| term);
        Some(Reading { text, edits })
    }

    /// Maps a code-point offset of the reading onto the original text. An offset inside
    /// a rewritten term maps to that term's original start (or end, for `end` offsets).
    pub fn to_original(&self, offset: u32, is_end: bool) -> u32 {
        let mut delta: i64 = 0;
        for &(start, end, orig_start, orig_end) in &self.edits {
            if offset < start || (is_end && offset == start) {
                break;
            }
            if offset < end || (is_end && offset == end) {
                return if is_end { orig_end } else { orig_start };
            }
            delta = i64::from(orig_end) - i64::from(end);
        }
        (i64::from(offset) + delta).max(0) as u32
    }
}

/// `original` as `reading` read it (as written where `reading` is `None`), but with each
/// of `swaps` (code-point ranges of the original) replaced by `swap(the range as written)`.
/// A respelling of the reading that overlaps a swap gives way to it: every swap is made.
pub(super) fn read_with_swaps(
    original: &str,
    reading: Option<&Reading>,
    swaps: Vec<(u32, u32)>,
    swap: impl Fn(&str) -> &'static str,
) -> String {
    enum Piece {
        Respelled(String),
        Swapped,
    }
    let swaps = swaps
        .into_iter()
        .map(|(start, end)| (start, end, Piece::Swapped))
        .collect();
    let mut respelled = Vec::new();
    if let Some(reading) = reading {
        let read: Vec<char> = reading.text.chars().collect();
        for &(start, end, original_start, original_end) in &reading.edits {
            let words = read[start as usize..end as usize].iter().collect();
            respelled.push((original_start, original_end, Piece::Respelled(words)));
        }
    }
    let ranges = giving_way(swaps, respelled);
    rewrite(original, ranges, |piece, word| match piece {
        Piece::Respelled(words) => Cow::Owned(words),
        Piece::Swapped => Cow::Borrowed(swap(word)),
    })
    .0
}

/// The ranges of `first`, then those of `rest` that overlap none of them: where a range of
/// `rest` meets one of `first`, it gives way. O(log n) a range of `rest` (`first` by start,
/// and the furthest end among the first k of them): a long text with many of both is not
/// quadratic.
fn giving_way<T>(
    mut first: Vec<(u32, u32, T)>,
    rest: impl IntoIterator<Item = (u32, u32, T)>,
) -> Vec<(u32, u32, T)> {
    first.sort_unstable_by_key(|&(start, end, _)| (start, end));
    let furthest_end: Vec<u32> = first
        .iter()
        .scan(0, |furthest, &(start, end, _)| {
            // An empty or reversed range replaces nothing, so nothing gives way to it.
            if end > start {
                *furthest = end.max(*furthest);
            }
            Some(*furthest)
        })
        .collect();
    let overlaps_first = |start: u32, end: u32| {
        let before_end = first.partition_point(|&(first_start, _, _)| first_start < end);
        before_end > 0 && furthest_end[before_end - 1] > start
    };
    let kept: Vec<(u32, u32, T)> = rest
        .into_iter()
        .filter(|&(start, end, _)| !overlaps_first(start, end))
        .collect();
    first.extend(kept);
    first
}

/// `original` with code-point ranges replaced, and the edits made (as [`Reading`] keeps
/// them). Each range's replacement is `replace(payload, the range as written)`. The earlier
/// range wins, and at the same start the longer one; a range that overlaps one already
/// replaced, or is empty, is skipped; a range past the end stops there.
pub(super) fn rewrite<'a, T>(
    original: &str,
    mut ranges: Vec<(u32, u32, T)>,
    mut replace: impl FnMut(T, &str) -> Cow<'a, str>,
) -> (String, Vec<(u32, u32, u32, u32)>) {
    ranges.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
    let mut text = String::with_capacity(original.len());
    let mut edits = Vec::new();
    let mut chars = original.char_indices().peekable();
    let (mut pos, mut out_pos) = (0u32, 0u32);
    for (start, end, payload) in ranges {
        if start < pos || end <= start {
            continue; // overlaps one already rewritten
        }
        for (_, c) in chars.by_ref().take((start - pos) as usize) {
            text.push(c);
        }
        out_pos += start - pos;
        let byte = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            chars.peek().map_or(original.len(), |&(b, _)| b)
        };
        let from = byte(&mut chars);
        // Skip the spelling as written.
        chars.by_ref().take((end - start) as usize).for_each(drop);
        let term = replace(payload, &original[from..byte(&mut chars)]);
        let len = term.chars().count() as u32;
        text.push_str(&term);
        edits.push((out_pos, out_pos + len, start, end));
        out_pos += len;
        pos = end;
    }
    text.extend(chars.map(|(_, c)| c));
    (text, edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Severity;

    fn m(start: u32, end: u32, rule: &str, evasions: &[&str]) -> Match {
        Match {
            start,
            end,
            category: Category::Profanity,
            severity: Severity::Medium,
            rule: rule.to_string(),
            source: Source::Wordlist,
            kind: None,
            evasions: evasions.iter().map(|s| s.to_string()).collect(),
            score: None,
        }
    }

    #[test]
    fn plain_matches_leave_the_text_alone() {
        assert_eq!(
            Reading::of("fuck this", &[m(0, 4, "en:fuck", &[])], false),
            None
        );
    }

    #[test]
    fn obfuscated_terms_are_spelled_out_and_mapped_back() {
        let text = "you b1tch, c u n t!";
        let r = Reading::of(
            text,
            &[
                m(4, 9, "en:bitch", &["leet"]),
                m(11, 18, "en:cunt", &["separator"]),
            ],
            false,
        )
        .unwrap();
        assert_eq!(r.text, "you bitch, cunt!");
        // "bitch" in the reading is 4..9; "cunt" 11..15 -> original 11..18.
        assert_eq!((r.to_original(4, false), r.to_original(9, true)), (4, 9));
        assert_eq!(
            (r.to_original(11, false), r.to_original(15, true)),
            (11, 18)
        );
        assert_eq!(r.to_original(16, true), 19); // after the last edit: shifted by 3
        assert_eq!(r.to_original(0, false), 0);
    }

    #[test]
    fn overlapping_matches_rewrite_once() {
        let r = Reading::of(
            "fuuuuckers",
            &[
                m(0, 10, "en:fuckers", &["elongation"]),
                m(0, 7, "en:fuck", &["elongation"]),
            ],
            false,
        )
        .unwrap();
        assert_eq!(r.text, "fuckers");
    }

    #[test]
    fn run_together_words_are_read_apart_and_mapped_back() {
        let text = "ok killallpeople, you b1tch";
        let r = Reading::of(text, &[m(22, 27, "en:bitch", &["leet"])], false).unwrap();
        assert_eq!(r.text, "ok kill all people, you bitch");
        // "all" (reading 8..11) lies inside the run: it maps onto the whole run 3..16.
        assert_eq!((r.to_original(8, false), r.to_original(11, true)), (3, 16));
        assert_eq!(
            (r.to_original(24, false), r.to_original(29, true)),
            (22, 27)
        );
        // Nothing hidden, nothing rewritten.
        assert_eq!(Reading::of("kill all people", &[], false), None);
    }

    #[test]
    fn leet_words_are_read_plainly_and_mapped_back() {
        let text = "they are 1nf3r10r v3rm1n";
        let r = Reading::of(text, &[], false).unwrap();
        assert_eq!(r.text, "they are inferior vermin");
        assert_eq!(
            (r.to_original(18, false), r.to_original(24, true)),
            (18, 24)
        );
        // A listed term in leet is the match's to spell out.
        let r = Reading::of("you b1tch", &[m(4, 9, "en:bitch", &["leet"])], false).unwrap();
        assert_eq!(r.text, "you bitch");
    }

    #[test]
    fn emoji_are_read_as_names_only_for_a_model_trained_so() {
        assert_eq!(Reading::of("they belong in the 🗑️🗑️", &[], false), None);
        let text = "they belong in the 🗑️🗑️, b1tch";
        let r = Reading::of(text, &[m(25, 30, "en:bitch", &["leet"])], true).unwrap();
        // The run touches the comma, so its name is followed by a space.
        assert_eq!(r.text, "they belong in the wastebasket , bitch");
        // "wastebasket" (reading 19..30) is the run of two emoji, four code points.
        assert_eq!(
            (r.to_original(19, false), r.to_original(30, true)),
            (19, 23)
        );
        assert_eq!(
            (r.to_original(33, false), r.to_original(38, true)),
            (25, 30)
        );
    }

    #[test]
    fn a_match_wins_over_a_split_of_the_same_run() {
        let r = Reading::of(
            "shitfaces",
            &[m(0, 9, "en:shitface", &["elongation"])],
            false,
        )
        .unwrap();
        assert_eq!(r.text, "shitface");
    }

    #[test]
    fn ranges_give_way_to_the_first_kind_only_where_they_overlap() {
        let first = vec![(10, 20, 'a'), (2, 4, 'b'), (30, 30, 'e')];
        let rest = [
            (0, 2, 'c'),
            (3, 5, 'd'),
            (20, 25, 'f'),
            (15, 40, 'g'),
            (29, 31, 'h'),
        ];
        let kept: Vec<char> = giving_way(first, rest).into_iter().map(|r| r.2).collect();
        // 'd' and 'g' overlap 'b' and 'a'; touching is not overlapping; the empty 'e'
        // replaces nothing, so 'h' stays.
        assert_eq!(kept, vec!['b', 'a', 'e', 'c', 'f', 'h']);
        // Many of both: one sorted pass, not one scan of `first` per range (which would
        // take minutes here).
        let n = 200_000u32;
        let first: Vec<(u32, u32, ())> = (0..n).map(|i| (i * 10, i * 10 + 5, ())).collect();
        let rest = (0..n).map(|i| (i * 10 + 5, i * 10 + 10 + i % 2, ()));
        // Every even range of `rest` only touches the next of `first`; every odd one but
        // the last (there is no next) overlaps it.
        assert_eq!(giving_way(first, rest).len() as u32, n + n / 2 + 1);
    }

    #[test]
    fn swaps_are_made_in_the_reading_and_win_over_its_respellings() {
        let text = "Th3y said the dykes are v3rm1n, killallthem";
        let reading = Reading::of(text, &[], false).unwrap();
        assert_eq!(
            reading.text,
            "They said the dykes are vermin, kill all them"
        );
        let to = |word: &str| if word.ends_with('s') { "people" } else { "X" };
        assert_eq!(
            read_with_swaps(text, Some(&reading), vec![(14, 19)], to),
            "They said the people are vermin, kill all them"
        );
        // A swap inside a respelled run: the run is read as written around it.
        assert_eq!(
            read_with_swaps(text, Some(&reading), vec![(36, 39)], to),
            "They said the dykes are vermin, killXthem"
        );
        // No reading: the swaps alone.
        assert_eq!(read_with_swaps("the dyke", None, vec![(4, 8)], to), "the X");
    }

    /// Texts stitched at random from pieces that the respellings look for, odd characters
    /// and separators: reading them never panics, and every offset of a reading maps inside
    /// the original.
    #[test]
    fn random_texts_read_without_panic_and_map_inside() {
        const PIECES: &[&str] = &[
            "v3rm1n",
            "s c u m",
            "killallpeople",
            "h e l l o",
            "10am",
            "COD4",
            "a",
            "I",
            "b",
            " ",
            " ",
            "  ",
            "\t",
            "@",
            "$",
            "1",
            "0",
            ".",
            ",",
            "\"",
            "é",
            "ß",
            "🙂",
            "🏳️‍🌈",
            "👍🏿",
            "\u{fe0f}",
            "\u{200d}",
            "\u{300}",
            "\u{200b}",
            "x1",
            "t h e y a r e",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            // xorshift64: a fixed sequence, so a failure reproduces.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut read = 0;
        for _ in 0..20_000 {
            let pieces = next() % 12;
            let text: String = (0..pieces)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let n = text.chars().count() as u32;
            let emoji_names = next() % 2 == 0;
            if let Some(r) = Reading::of(&text, &[], emoji_names) {
                read += 1;
                for offset in 0..=r.text.chars().count() as u32 {
                    let (start, end) = (r.to_original(offset, false), r.to_original(offset, true));
                    assert!(start <= n && end <= n, "{text:?} -> {:?}: {offset}", r.text);
                }
            }
        }
        // The sweep reached the respellings, not only texts read as written.
        assert!(read > 1_000, "only {read} texts were respelled");
    }

    #[test]
    fn multibyte_text_is_cut_on_code_points() {
        let r = Reading::of("ßß wh0re ßß", &[m(3, 8, "en:whore", &["leet"])], false).unwrap();
        assert_eq!(r.text, "ßß whore ßß");
    }
}
