//! Emoji read by their names: "I would love to 🔪 some 👳🏾" is read as "I would love to
//! kitchen knife some person wearing turban medium-dark skin tone".
//!
//! The classifier's word-piece vocabulary has no emoji, so without this reading every
//! emoji reaches the model as the same unknown token, and hate carried by emoji (a knife
//! next to a group, a monkey for a person) cannot be read at all. [`read_emoji`] gives the
//! classifier each emoji's English name from `wordlists/emoji/en.tsv` (Unicode CLDR short
//! names, built by `wordlists/build_emoji.py`). The model is trained on this reading
//! (`training/emoji_reading.py` follows exactly these rules):
//!
//! * at each position the longest listed sequence that starts there is one emoji: a person
//!   with a skin tone, a ZWJ family, a flag ("🏳️‍🌈" is "rainbow flag", not a white flag and
//!   a rainbow); the sequences are listed with and without their variation selectors;
//! * emoji with nothing between them are one run, read as the names of its distinct
//!   emoji in order of first appearance ("😂😂😂" once: a repeat adds emphasis, not meaning,
//!   and each would cost the model several tokens);
//! * a run that touches a word gets a space on that side ("🔪some🦊": "kitchen knife some
//!   fox").
//!
//! Keycaps and the text symbols before U+231A ("©", "™", "↔") are not in the list: they
//! read fine as written. The pattern stage never reads these names: they are for the
//! classifier only.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::Respelling;

const TABLE: &str = include_str!("../../wordlists/emoji/en.tsv");
/// Every listed sequence starts at or after this code point (`build_emoji.py` keeps no
/// other), so a text without one holds no emoji.
const FIRST_LISTED: char = '\u{231A}';

struct Names {
    /// Finds the listed sequences, leftmost first and longest among those.
    sequences: AhoCorasick,
    /// The name of each sequence, by pattern index.
    names: Vec<&'static str>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let (sequences, names): (Vec<&str>, Vec<&str>) = TABLE
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .unzip();
        let sequences = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(sequences)
            .expect("the emoji table is a valid set of patterns");
        Names { sequences, names }
    })
}

/// The runs of emoji in `text`, each with the names to read there, in order.
pub(crate) fn read_emoji(text: &str) -> Vec<Respelling> {
    if !text.chars().any(|c| c >= FIRST_LISTED) {
        return Vec::new();
    }
    let names = names();
    // Byte offsets to code points, counted forward as the matches come in order.
    let (mut counted_bytes, mut counted_chars) = (0, 0u32);
    let mut code_point = |byte: usize| {
        counted_chars += text[counted_bytes..byte].chars().count() as u32;
        counted_bytes = byte;
        counted_chars
    };
    let mut respellings = Vec::new();
    // The run being read: byte start, byte end, its distinct names.
    let mut run: Option<(usize, usize, Vec<&str>)> = None;
    for found in names.sequences.find_iter(text) {
        let name = names.names[found.pattern().as_usize()];
        match &mut run {
            Some((_, end, run_names)) if *end == found.start() => {
                *end = found.end();
                if !run_names.contains(&name) {
                    run_names.push(name);
                }
            }
            _ => {
                if let Some((start, end, run_names)) = run.take() {
                    respellings.push(respelling(text, start, end, &run_names, &mut code_point));
                }
                run = Some((found.start(), found.end(), vec![name]));
            }
        }
    }
    if let Some((start, end, run_names)) = run {
        respellings.push(respelling(text, start, end, &run_names, &mut code_point));
    }
    respellings
}

/// The respelling of the run at bytes `start..end`: its names, with a space on each side
/// where the run touches a word.
fn respelling(
    text: &str,
    start: usize,
    end: usize,
    names: &[&str],
    code_point: &mut impl FnMut(usize) -> u32,
) -> Respelling {
    let touches = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
    let mut words = String::new();
    if touches(text[..start].chars().next_back()) {
        words.push(' ');
    }
    words.push_str(&names.join(" "));
    if touches(text[end..].chars().next()) {
        words.push(' ');
    }
    Respelling {
        start: code_point(start),
        end: code_point(end),
        words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        crate::text::respelled(text, read_emoji(text))
    }

    #[test]
    fn emoji_are_read_as_their_names() {
        for (text, want) in [
            (
                "I would love to 🔪 some 👳🏾",
                "I would love to kitchen knife some person wearing turban medium-dark skin tone",
            ),
            ("🔪some🦊", "kitchen knife some fox"),
            ("😂😂😂 lol", "face with tears of joy lol"),
            ("🏳️‍🌈 pride", "rainbow flag pride"),
            (
                "🏳‍🌈 without its selector",
                "rainbow flag without its selector",
            ),
            ("go 🇺🇸🇺🇸!", "go flag United States !"),
            (
                "ok 👍🏿👍🏿😂👍🏿",
                "ok thumbs up dark skin tone face with tears of joy",
            ),
            ("❤️❤ you", "red heart you"),
            ("a 🦊 and a 🦊", "a fox and a fox"),
        ] {
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn text_symbols_and_keycaps_stay_as_written() {
        for text in ["© 2026 ACME™", "a ↔ b", "press 1️⃣ now", "no emoji here", ""] {
            assert_eq!(read(text), text, "{text}");
        }
    }

    #[test]
    fn offsets_are_code_points() {
        assert_eq!(
            read_emoji("ßß 🔪x"),
            vec![Respelling {
                start: 3,
                end: 4,
                words: "kitchen knife ".to_string()
            }]
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        for text in [
            "\u{200d}",
            "\u{fe0f}🔪\u{200d}",
            "🏳\u{fe0f}\u{200d}",
            "🇺",
            "🇺🇸🇺",
            "👍🏿🏿🏿",
            &"🔪".repeat(10_000),
        ] {
            let _ = read_emoji(text);
        }
    }
}
