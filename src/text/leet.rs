//! Leetspeak in words that no wordlist holds: "v3rm1n" is read as "vermin".
//!
//! The pattern stage reads leetspeak for the terms of its wordlists, and the classifier
//! then reads those terms spelled plainly. Hate rarely needs a listed word, though: "they
//! are 1nf3r10r v3rm1n" hides its meaning from a word-piece tokenizer, which cuts each
//! word into fragments it never saw in training. [`read_leet`] finds such words and says
//! which word each one spells, so that the classifier can read the sentence.
//!
//! A respelling is a guess, so it is made only where the letters and digits of one token
//! spell a word of `wordlists/words/en.tsv` and nothing else:
//!
//! * only the usual substitutions count: `0` o, `1` i or l, `3` e, `4` a, `5` s, `7` t,
//!   and inside a word `@` a and `$` s;
//! * the token is a word with at least two letters, at least four characters, and nothing
//!   but letters and those substitutes (punctuation around it is left where it is), so
//!   ordinals, versions, codes and prices ("4th", "v1.0", "mp3", "$50") are not read;
//! * a token that starts or ends with two digits is a number with a unit or a name with a
//!   number ("10am", "100s", "1970s", "room101"), not a word: "100s" spells "loos"; so is
//!   a capitalized token whose substitutes all come at its end ("Ford5", "COD4");
//! * a token that is itself a word stays as written, and so do hashtags, @mentions,
//!   URLs and handles, as in [`split_joined`](super::split_joined);
//! * where `1` could be "i" or "l" and both spell words, the more common word wins.
//!
//! The pattern stage never reads these respellings: they are for the classifier only.

use super::joined::dictionary;
use super::{tokens, Respelling};

/// Tokens longer than this are not words someone typed to be read.
const MAX_TOKEN: usize = 32;
/// Shorter tokens spell words by accident too easily ("t00", "1ce", "5am").
const MIN_TOKEN: usize = 4;
/// A `1` may be "i" or "l": a token with more of them has too many readings to try.
const MAX_ONES: usize = 4;

/// The words of `text` written in leetspeak, each with the word it spells, in order.
pub(crate) fn read_leet(text: &str) -> Vec<Respelling> {
    tokens(text)
        // Most tokens hold no digit or symbol at all: no work for them.
        .filter(|(_, word)| word.bytes().any(|b| matches!(b, b'0'..=b'9' | b'@' | b'$')))
        .filter_map(|(offset, word)| respell(word, offset))
        .collect()
}

/// The letters a substitute may stand for (empty: not a substitute). Fewer than the
/// pattern stage reads (`skeleton.rs`): there a reading must still match a listed term,
/// here any dictionary word would do, so only the substitutes that seldom stand for
/// themselves inside a word are read ("h8ters" has 8 for "ate", and "!" ends sentences).
fn stands_for(c: char) -> &'static [char] {
    match c {
        '0' => &['o'],
        '1' => &['i', 'l'],
        '3' => &['e'],
        '4' => &['a'],
        '5' => &['s'],
        '7' => &['t'],
        '@' => &['a'],
        '$' => &['s'],
        _ => &[],
    }
}

/// The respelling of one whitespace-separated token that starts at code point `offset`.
fn respell(token: &str, offset: u32) -> Option<Respelling> {
    // (The length bound in bytes only spares collecting the characters of a huge token.)
    if token.starts_with(['#', '@'])
        || token.contains(['/', '_', '\\'])
        || token.len() > MAX_TOKEN * 4
    {
        return None;
    }
    let chars: Vec<char> = token.chars().collect();
    let start = chars.iter().position(char::is_ascii_alphanumeric)?;
    let end = chars.iter().rposition(char::is_ascii_alphanumeric)? + 1;
    let word = &chars[start..end];
    let letters = word.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let ones = word.iter().filter(|&&c| c == '1').count();
    let two_digits = |two: &[char]| two.iter().all(char::is_ascii_digit);
    let is_substitute = |c: &char| !stands_for(*c).is_empty();
    let substitutes = word.iter().filter(|c| is_substitute(c)).count();
    let name_and_number = word[0].is_ascii_uppercase()
        && word
            .iter()
            .position(is_substitute)
            .is_some_and(|first| word[first..].iter().all(is_substitute));
    if !(MIN_TOKEN..=MAX_TOKEN).contains(&word.len())
        || two_digits(&word[..2])
        || two_digits(&word[word.len() - 2..])
        || letters < 2
        || substitutes == 0
        || letters + substitutes != word.len()
        || ones > MAX_ONES
        || name_and_number
    {
        return None;
    }
    let dictionary = dictionary();
    let lower: String = word.iter().map(char::to_ascii_lowercase).collect();
    if dictionary.is_word(&lower) {
        return None;
    }
    // A word in capitals gets capitals for its substitutes too.
    let capitals = word
        .iter()
        .filter(|c| c.is_ascii_alphabetic())
        .all(char::is_ascii_uppercase);
    let letter = |c: char| if capitals { c.to_ascii_uppercase() } else { c };
    // Every reading of the ones (bit k of `choice` picks the k-th one's second letter); of
    // the readings that are words, the most common.
    let mut best: Option<(f32, String)> = None;
    for choice in 0u32..(1 << ones) {
        let mut one = 0;
        let reading: String = word
            .iter()
            .map(|&c| match stands_for(c) {
                [] => c,
                [only] => letter(*only),
                either => {
                    let pick = (choice >> one) & 1;
                    one += 1;
                    letter(either[pick as usize])
                }
            })
            .collect();
        let lower = reading.to_ascii_lowercase();
        if !dictionary.is_word(&lower) {
            continue;
        }
        let cost = dictionary.piece_cost(&lower).unwrap_or(f32::INFINITY);
        if best.as_ref().is_none_or(|(best_cost, _)| cost < *best_cost) {
            best = Some((cost, reading));
        }
    }
    best.map(|(_, words)| Respelling {
        start: offset + start as u32,
        end: offset + end as u32,
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        crate::text::respelled(text, read_leet(text))
    }

    #[test]
    fn leet_words_are_read_plainly() {
        for (text, want) in [
            ("they are v3rm1n", "they are vermin"),
            ("1nf3r10r, all of them!", "inferior, all of them!"),
            ("\"D1SGUST1NG\" people", "\"DISGUSTING\" people"),
            // A one that reads as "l", and one that could be either.
            ("k1ll them", "kill them"),
            ("what a 5c@m", "what a scam"),
            ("h3ll0 fr13nds", "hello friends"),
        ] {
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn numbers_codes_identifiers_and_words_stay_as_written() {
        for text in [
            // Times, ordinals, decades, versions, codes, prices, units.
            "at 10am on the 4th, back in the 1970s, 100s of them, room101",
            "my old Ford5 and COD4 on the Xbox",
            "v1.0 of the mp3 player, $50 or 100k",
            "win10 on my 3080, 1080p at 144hz",
            // Too short to tell.
            "t00 l8 b4 1ce 5am",
            // Identifiers.
            "#l0ser @v3rm1n https://example.com/v3rm1n user_n4me",
            // All digits, or a single letter among them.
            "1337 7h3",
            // Spells no word.
            "xXsn1perXx k1ng0fk1ngs",
        ] {
            assert_eq!(read(text), text, "{text}");
        }
    }

    #[test]
    fn offsets_are_code_points() {
        assert_eq!(
            read_leet("ßß v3rm1n."),
            vec![Respelling {
                start: 3,
                end: 9,
                words: "vermin".to_string()
            }]
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        for text in [
            "",
            "1",
            "$",
            "@@@@",
            "1111111111111111",
            "a1a1a1a1a1a1a1a1a1a1a1a1",
            "🙂v3rm1n🙂",
            "a\u{300}1bcd",
            &"a1".repeat(100),
        ] {
            let _ = read_leet(text);
        }
    }
}
