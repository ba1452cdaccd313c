//! Words spelled out letter by letter: "m i g r a n t s" is read as "migrants".
//!
//! Adding a space between the letters of a word hides it from a word-piece tokenizer,
//! which then sees single letters. The pattern stage reads such spellings for the terms of
//! its wordlists ("c u n t"); [`read_spaced`] does it for any word, for the classifier only:
//!
//! * a run is at least four single ASCII letters, each a token of its own, one space
//!   apart (punctuation may open the run and close it: `"w o m e n."`);
//! * the letters must spell a word of `wordlists/words/en.tsv`, or, from six letters on,
//!   words run together by the rules of [`split_joined`](super::split_joined) ("t h e y a
//!   r e v e r m i n" is "they are vermin"); initials, grades and lists ("J R R", "A B C
//!   D") spell nothing and stay as written.

use super::joined::{dictionary, split_run};
use super::Respelling;

/// Shorter runs spell an entry of the list by accident too often ("I a m": "iam").
const MIN_LETTERS: usize = 4;
/// Longer runs are not a sentence someone spaced out to be read.
const MAX_LETTERS: usize = 64;

/// The runs of spaced-out letters in `text` that spell words, each with those words.
pub(crate) fn read_spaced(text: &str) -> Vec<Respelling> {
    // Without a space there are no letters spaced out.
    if !text.contains(' ') {
        return Vec::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let word_char = |i: usize| chars.get(i).is_some_and(|c| c.is_alphanumeric());
    // An ASCII letter with nothing alphanumeric right before or after it.
    let lone_letter = |i: usize| {
        chars[i].is_ascii_alphabetic() && !word_char(i + 1) && (i == 0 || !word_char(i - 1))
    };
    let mut respellings = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !lone_letter(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut letters = String::from(chars[i]);
        while chars.get(i + 1) == Some(&' ') && i + 2 < chars.len() && lone_letter(i + 2) {
            i += 2;
            letters.push(chars[i]);
        }
        if let Some(words) = spelled(letters) {
            respellings.push(Respelling {
                start: start as u32,
                end: i as u32 + 1,
                words,
            });
        }
        i += 1;
    }
    respellings
}

/// The words a run of letters spells, if any.
fn spelled(letters: String) -> Option<String> {
    if !(MIN_LETTERS..=MAX_LETTERS).contains(&letters.len()) {
        return None;
    }
    let dictionary = dictionary();
    if dictionary.is_word(&letters.to_ascii_lowercase()) {
        return Some(letters);
    }
    split_run(dictionary, &letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        crate::text::respelled(text, read_spaced(text))
    }

    #[test]
    fn spaced_words_are_read_whole() {
        for (text, want) in [
            ("I hate m i g r a n t s", "I hate migrants"),
            ("\"W O M E N.\" are the worst", "\"WOMEN.\" are the worst"),
            (
                "they are v e r m i n, all of them",
                "they are vermin, all of them",
            ),
            ("t h e y a r e v e r m i n", "they are vermin"),
            ("k i l l them and s c u m too", "kill them and scum too"),
        ] {
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn initials_lists_and_ordinary_letters_stay_as_written() {
        for text in [
            "J R R Tolkien wrote it",
            "grades A B C D and E",
            "I a m not sure",
            "options a, b, c",
            "plan B is fine",
            "a b c d e f g",
            "x  y  z spaced twice",
            "é a t not ASCII",
            "the d o g's bowl",
        ] {
            assert_eq!(read(text), text, "{text}");
        }
    }

    #[test]
    fn offsets_are_code_points() {
        assert_eq!(
            read_spaced("ßß s c u m"),
            vec![Respelling {
                start: 3,
                end: 10,
                words: "scum".to_string()
            }]
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        for text in [
            "",
            " ",
            "a",
            "a ",
            " a b",
            "a b c ",
            "🙂 a b c 🙂",
            &"a ".repeat(200),
        ] {
            let _ = read_spaced(text);
        }
    }
}
