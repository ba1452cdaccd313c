//! Run-together words: "Ihatetranspeople" is read as "I hate trans people".
//!
//! Deleting the spaces between words is a cheap evasion: a word-piece tokenizer cuts
//! "killallwheelchairusers" into fragments the classifier has never seen as a sentence.
//! [`split_joined`] finds such runs and says which words they most likely are, so that the
//! classifier can read the words (the pattern stage is not fed this reading: a wordlist
//! term found inside a split would be the Scunthorpe problem again).
//!
//! A split is a guess, so it is made only when the words explain the run far better than
//! "an unknown word" does:
//!
//! * a word (in `wordlists/words/en.tsv`: an English dictionary, the classifier's
//!   vocabulary, the identity terms and what real user text says often) is never split:
//!   "therapist" stays one word however likely "the rapist" is;
//! * a string one edit away from a word (deleted, added, swapped or changed letter) is a
//!   typo or an obfuscation of that word, not run-together words ("pathetc" is not
//!   "path etc");
//! * pieces are words: one letter only "a" or "I", two letters only common function
//!   words, and never a bare suffix ("ing", "est");
//! * the most likely split (word frequencies from user text, a fixed cost per piece) must
//!   cost less than an unknown word of that length, so a rare name is left alone;
//! * hashtags, @mentions, URLs, and tokens with digits or underscores are left alone:
//!   they are identifiers, not sentences, and the classifier learned them as written;
//! * camel case is split only together with a real split ("IloatheBlack" becomes
//!   "I loathe Black"; "JavaScript" stays as it is).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{tokens, Respelling};

const WORDS: &str = include_str!("../../wordlists/words/en.tsv");

/// Runs shorter than this are left alone: short strings split into function words too
/// easily ("thetic" -> "the tic").
const MIN_RUN: usize = 6;
/// Longer runs are not text someone typed to be read (base64, keys, keyboard mashing),
/// and the split's cost grows with the length.
const MAX_RUN: usize = 64;
/// The longest word in the list.
const MAX_WORD: usize = 24;
/// Each piece costs this much beyond its frequency: of two splits that explain a run
/// about equally, the one with fewer pieces wins.
const PIECE_COST: f32 = 3.0;
/// What an unknown word of `n` letters costs: `UNKNOWN_BASE + UNKNOWN_PER_LETTER * n`.
/// A split must cost less. Chosen so that names and dictionary gaps ("chinkapin",
/// "paparazzi", "spasticity") stay whole while sentences of common words split.
const UNKNOWN_BASE: f32 = 10.0;
const UNKNOWN_PER_LETTER: f32 = 2.5;
/// The only two-letter pieces: common function words. Other two-letter strings in the
/// list (abbreviations, interjections) make too many accidental splits.
const TWO_LETTER_PIECES: &[&str] = &[
    "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my", "no",
    "of", "oh", "on", "or", "so", "to", "up", "us", "we",
];
/// Suffixes that the word list holds as strings (as abbreviations, names or rare words)
/// but that, at the end of a run, are part of the word before them: "whoredom" is one word
/// the dictionary lacks, not "whore dom".
const SUFFIXES: &[&str] = &[
    "able", "ance", "ant", "ary", "dom", "ed", "ence", "ent", "er", "ers", "ery", "es", "est",
    "ful", "hood", "ian", "ing", "ings", "ise", "ish", "ism", "ist", "ity", "ive", "ize", "less",
    "ly", "ment", "ness", "ous", "tion",
];

/// The runs of `text` that read as several words, in order; each respelling holds the
/// words separated by single spaces, with the run's letters and case.
pub(crate) fn split_joined(text: &str) -> Vec<Respelling> {
    let dictionary = dictionary();
    let mut splits = Vec::new();
    for (offset, word) in tokens(text) {
        // Most tokens are too short to hold a run: no work for them.
        if word.len() >= MIN_RUN && !is_identifier(word) {
            split_token(dictionary, word, offset, &mut splits);
        }
    }
    splits
}

/// Hashtags, mentions, URLs, handles and codes: left as written.
fn is_identifier(token: &str) -> bool {
    let contains = |needle: &[u8]| {
        token
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    token
        .chars()
        .any(|c| matches!(c, '#' | '@' | '/' | '_' | '\\') || c.is_ascii_digit())
        || contains(b"http")
        || contains(b"www.")
}

/// Splits the ASCII letter runs of one token (a run touching any other letter, as in
/// "naïvely", belongs to a word Warden cannot read and is left alone).
fn split_token(dictionary: &Dictionary, token: &str, offset: u32, out: &mut Vec<Respelling>) {
    let chars: Vec<char> = token.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphabetic() {
            i += 1;
        }
        let touches_letter = (start > 0 && chars[start - 1].is_alphabetic())
            || chars.get(i).is_some_and(|c| c.is_alphabetic());
        let run = &chars[start..i];
        if touches_letter || !(MIN_RUN..=MAX_RUN).contains(&run.len()) {
            continue;
        }
        let run: String = run.iter().collect();
        if let Some(words) = split_run(dictionary, &run) {
            out.push(Respelling {
                start: offset + start as u32,
                end: offset + i as u32,
                words,
            });
        }
    }
}

/// The words of one run of ASCII letters, or `None` when it is not run-together words.
pub(super) fn split_run(dictionary: &Dictionary, run: &str) -> Option<String> {
    let mut words = Vec::new();
    let mut split_any = false;
    for part in camel_parts(run) {
        match split_part(dictionary, part) {
            Some(pieces) => {
                split_any = true;
                words.extend(pieces);
            }
            None => words.push(part),
        }
    }
    split_any.then(|| words.join(" "))
}

/// "IloatheBlack" -> ["Iloathe", "Black"]: a lowercase letter followed by an uppercase one
/// starts a new part.
fn camel_parts(run: &str) -> Vec<&str> {
    let bytes = run.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..bytes.len() {
        if bytes[i - 1].is_ascii_lowercase() && bytes[i].is_ascii_uppercase() {
            parts.push(&run[start..i]);
            start = i;
        }
    }
    parts.push(&run[start..]);
    parts
}

/// The pieces of one camel-case part, when it splits (see the module docs for the rules).
fn split_part<'a>(dictionary: &Dictionary, part: &'a str) -> Option<Vec<&'a str>> {
    if part.len() < 3 {
        return None;
    }
    let lower = part.to_ascii_lowercase();
    if dictionary.is_word(&lower) {
        return None;
    }
    let n = lower.len();
    // best[j]: the cheapest split of lower[..j] and where its last piece starts.
    let mut best: Vec<(f32, usize)> = vec![(f32::INFINITY, 0); n + 1];
    best[0] = (0.0, 0);
    for j in 1..=n {
        for i in j.saturating_sub(MAX_WORD)..j {
            if best[i].0.is_infinite() {
                continue;
            }
            if let Some(cost) = dictionary.piece_cost(&lower[i..j]) {
                let total = best[i].0 + cost;
                if total < best[j].0 {
                    best[j] = (total, i);
                }
            }
        }
    }
    let unknown = UNKNOWN_BASE + UNKNOWN_PER_LETTER * n as f32;
    if best[n].0 >= unknown {
        return None;
    }
    let mut pieces = Vec::new();
    let mut j = n;
    while j > 0 {
        let i = best[j].1;
        pieces.push(&part[i..j]);
        j = i;
    }
    pieces.reverse();
    // Checked last, as it is the dearest test and most parts never get here.
    (pieces.len() > 1 && !dictionary.one_edit_from_word(&lower)).then_some(pieces)
}

pub(super) struct Dictionary {
    /// Every word, with its cost as a piece (`None`: a word that is never a piece).
    words: HashMap<&'static str, Option<f32>>,
}

pub(super) fn dictionary() -> &'static Dictionary {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    DICTIONARY.get_or_init(|| {
        let rows: Vec<(&'static str, u64)> = WORDS
            .lines()
            .filter_map(|line| {
                let (word, count) = line.split_once('\t')?;
                Some((word, count.parse().ok()?))
            })
            .collect();
        // Add-one smoothing: a dictionary word never seen in user text is rare, not
        // impossible.
        let total: f64 = rows.iter().map(|&(_, n)| (n + 1) as f64).sum();
        let words = rows
            .into_iter()
            .map(|(word, n)| {
                let piece = match word.len() {
                    1 => matches!(word, "a" | "i"),
                    2 => TWO_LETTER_PIECES.contains(&word),
                    _ => !SUFFIXES.contains(&word),
                };
                let cost = -(((n + 1) as f64 / total).ln()) as f32 + PIECE_COST;
                (word, piece.then_some(cost))
            })
            .collect();
        Dictionary { words }
    })
}

impl Dictionary {
    /// Whether `lower` (lowercase) is in the list.
    pub(super) fn is_word(&self, lower: &str) -> bool {
        self.words.contains_key(lower)
    }

    /// What `lower` costs as a piece of a split (the more common, the cheaper); `None` when
    /// it is not a word or never a piece.
    pub(super) fn piece_cost(&self, lower: &str) -> Option<f32> {
        self.words.get(lower).copied().flatten()
    }

    /// Whether one deleted, added, swapped or changed letter makes `lower` a word of at
    /// least five letters (shorter words are too easy to reach by accident). Deleting a
    /// leading "a" or "i" does not count: "iloathe" is "I loathe", not a typo of "loathe".
    fn one_edit_from_word(&self, lower: &str) -> bool {
        const MIN_WORD: usize = 5;
        let bytes = lower.as_bytes();
        let n = bytes.len();
        let mut candidate: Vec<u8> = Vec::with_capacity(n + 1);
        let is_word = |candidate: &[u8]| {
            candidate.len() >= MIN_WORD
                && std::str::from_utf8(candidate).is_ok_and(|s| self.is_word(s))
        };
        for i in 0..n {
            // Deleted letter (the run has one too many).
            if !(i == 0 && matches!(bytes[0], b'a' | b'i')) {
                candidate.clear();
                candidate.extend_from_slice(&bytes[..i]);
                candidate.extend_from_slice(&bytes[i + 1..]);
                if is_word(&candidate) {
                    return true;
                }
            }
            // Swapped neighbours.
            if i + 1 < n {
                candidate.clear();
                candidate.extend_from_slice(bytes);
                candidate.swap(i, i + 1);
                if is_word(&candidate) {
                    return true;
                }
            }
            // Changed letter.
            for letter in b'a'..=b'z' {
                if letter != bytes[i] {
                    candidate.clear();
                    candidate.extend_from_slice(bytes);
                    candidate[i] = letter;
                    if is_word(&candidate) {
                        return true;
                    }
                }
            }
        }
        // Added letter (the run misses one).
        for i in 0..=n {
            for letter in b'a'..=b'z' {
                candidate.clear();
                candidate.extend_from_slice(&bytes[..i]);
                candidate.push(letter);
                candidate.extend_from_slice(&bytes[i..]);
                if is_word(&candidate) {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        crate::text::respelled(text, split_joined(text))
    }

    #[test]
    fn run_together_sentences_are_split() {
        for (text, want) in [
            (
                "Weneedtokillallpeoplewithdisabilities.",
                "We need to kill all people with disabilities.",
            ),
            ("Honestly IloatheBlack men", "Honestly I loathe Black men"),
            ("you filthyspastics", "you filthy spastics"),
            (
                "Getoutofmycountry,youfilthyidiots.",
                "Get out of my country,you filthy idiots.",
            ),
            ("IHATEEVERYONE here", "I HATE EVERYONE here"),
        ] {
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn words_typos_names_and_identifiers_stay_whole() {
        for text in [
            // Words, however they would split.
            "My therapist says hi",
            "an intersex genderqueer friend",
            "Scunthorpe United",
            "together",
            // Typos and obfuscations of one word.
            "they are pathetc",
            "the whoredom of words",
            "cockroches everywhere",
            // Names and gaps in the dictionary.
            "Schwarzenegger",
            "a chinkapin oak",
            // Camel case alone, identifiers.
            "I write JavaScript on my MacBook",
            "#buildthewall @someuser https://example.com/killallpeople user_name1",
            // Short runs, long runs, runs inside non-ASCII words.
            "Ihate",
            "naïvelyhatepeople",
            &"ab".repeat(40),
        ] {
            assert_eq!(read(text), text, "{text}");
        }
    }

    #[test]
    fn offsets_are_code_points() {
        let splits = split_joined("ßß killallpeople");
        assert_eq!(
            splits,
            vec![Respelling {
                start: 3,
                end: 16,
                words: "kill all people".to_string()
            }]
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        for text in [
            "",
            " ",
            "\u{0}",
            "a\u{300}bcdefgh",
            "🙂killallpeople🙂",
            "\t\n",
        ] {
            let _ = split_joined(text);
        }
    }
}
