//! Text normalization: turns what a user typed into something matchers can compare, and
//! keeps a map back to the original so every finding points at the characters the user
//! actually typed.
//!
//! Two views are built from the same folding rules:
//!
//! * [`fold`] gives a character-level view (NFKC, case folding, look-alikes folded to
//!   Latin, diacritics and invisible characters removed) with one original code-point
//!   offset per folded character. The classifier reads this view.
//! * [`normalize`] goes further for the pattern matchers: it splits the folded text into
//!   tokens, reads leetspeak and symbol substitutions (all readings of an ambiguous
//!   character), joins words spelled out with separators (`f.u.c.k`), collapses elongation
//!   (`fuuuck`, keeping run lengths) and marks masked words (`f*ck`).
//!
//! Offsets everywhere in Warden's output are Unicode code-point offsets into the original
//! text, end exclusive.
//!
//! ```
//! use warden::text::fold;
//!
//! let folded = fold("Ｆüсk");            // fullwidth F, diacritic, Cyrillic с
//! assert_eq!(folded.as_str(), "fuck");
//! assert_eq!(folded.origin(2), 2);        // the `c` came from code point 2
//! ```

mod emoji;
mod fold;
mod joined;
mod leet;
mod skeleton;
mod spaced;

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

pub(crate) use emoji::read_emoji;
pub(crate) use fold::fold_char;
pub(crate) use joined::split_joined;
pub(crate) use leet::read_leet;
pub use skeleton::{normalize, normalize_into, Normalized};
pub(crate) use skeleton::{Stream, Unit};
pub(crate) use spaced::read_spaced;

/// A stretch of a text that reads as other words: code points `start..end` of the text, and
/// the words to read there instead (what [`split_joined`], [`read_leet`], [`read_spaced`]
/// and [`read_emoji`] find).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Respelling {
    pub start: u32,
    pub end: u32,
    pub words: String,
}

/// The whitespace-separated tokens of `text` (trailing whitespace trimmed), each with the
/// code-point offset where it starts: what the respellings look at.
fn tokens(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let mut offset = 0u32;
    text.split_inclusive(char::is_whitespace).map(move |token| {
        let start = offset;
        offset += token.chars().count() as u32;
        (start, token.trim_end_matches(char::is_whitespace))
    })
}

/// `text` with each respelling's words in place of its range (respellings in order).
#[cfg(test)]
pub(crate) fn respelled(text: &str, respellings: Vec<Respelling>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    for respelling in respellings {
        out.extend(&chars[pos..respelling.start as usize]);
        out.push_str(&respelling.words);
        pos = respelling.end as usize;
    }
    out.extend(&chars[pos..]);
    out
}

/// The evasion techniques that had to be undone to read a span, reported with each match
/// so moderators see why a strange-looking string was flagged.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Evasions(u16);

impl Evasions {
    pub const NONE: Evasions = Evasions(0);
    /// Zero-width, bidi or other invisible characters were removed.
    pub const INVISIBLE: Evasions = Evasions(1);
    /// Look-alike letters from other scripts (Cyrillic `а`, Greek `ο`, 🇦).
    pub const HOMOGLYPH: Evasions = Evasions(1 << 1);
    /// Accents or stacked combining marks (`Fück`, zalgo).
    pub const DIACRITIC: Evasions = Evasions(1 << 2);
    /// Compatibility forms: fullwidth, circled, mathematical, superscript letters.
    pub const COMPAT: Evasions = Evasions(1 << 3);
    /// Digits or symbols read as letters (`sh1t`, `a$$`).
    pub const LEET: Evasions = Evasions(1 << 4);
    /// Letters spelled out with separators (`f.u.c.k`, `f u c k`).
    pub const SEPARATOR: Evasions = Evasions(1 << 5);
    /// Repeated letters (`fuuuuck`).
    pub const ELONGATION: Evasions = Evasions(1 << 6);
    /// Letters hidden behind `*` or `#` (`f*ck`).
    pub const MASK: Evasions = Evasions(1 << 7);

    const NAMES: [(Evasions, &'static str); 8] = [
        (Evasions::INVISIBLE, "invisible"),
        (Evasions::HOMOGLYPH, "homoglyph"),
        (Evasions::DIACRITIC, "diacritic"),
        (Evasions::COMPAT, "compatibility"),
        (Evasions::LEET, "leet"),
        (Evasions::SEPARATOR, "separator"),
        (Evasions::ELONGATION, "elongation"),
        (Evasions::MASK, "mask"),
    ];

    pub fn contains(self, other: Evasions) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Stable names of the techniques present, in a fixed order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(flag, _)| self.contains(*flag))
            .map(|(_, name)| name)
    }
}

impl BitOr for Evasions {
    type Output = Evasions;
    fn bitor(self, rhs: Evasions) -> Evasions {
        Evasions(self.0 | rhs.0)
    }
}

impl BitOrAssign for Evasions {
    fn bitor_assign(&mut self, rhs: Evasions) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Evasions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// The character-level folded view of a text. See [`fold`].
#[derive(Debug, Clone)]
pub struct Folded {
    text: String,
    origins: Vec<u32>,
    original_len: u32,
}

impl Folded {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The original code-point offset of the folded character at code-point index `i`.
    ///
    /// # Panics
    /// When `i` is out of range.
    pub fn origin(&self, i: usize) -> u32 {
        self.origins[i]
    }

    /// Code-point offsets into the original text, one per folded character.
    pub fn origins(&self) -> &[u32] {
        &self.origins
    }

    /// Length of the original text in code points.
    pub fn original_len(&self) -> u32 {
        self.original_len
    }
}

/// Folds `text` character by character: NFKC, lowercase, look-alikes to Latin, diacritics
/// and invisible characters removed. Word structure is untouched.
pub fn fold(text: &str) -> Folded {
    let mut folded = String::with_capacity(text.len());
    let mut origins = Vec::with_capacity(text.len());
    let mut index = 0u32;
    for c in text.chars() {
        fold_char(c, &mut |f, _| {
            folded.push(f);
            origins.push(index);
        });
        index += 1;
    }
    Folded {
        text: folded,
        origins,
        original_len: index,
    }
}

/// Runs `f` on the normalized form of `text`, built in a per-thread buffer that is reused
/// from call to call: every matcher of one text shares one normalization, and scoring
/// many texts writes into memory that is already allocated and cached.
pub fn with_normalized<R>(text: &str, f: impl FnOnce(&Normalized) -> R) -> R {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Normalized> = std::cell::RefCell::default();
    }
    SCRATCH.with_borrow_mut(|normalized| {
        normalize_into(text, normalized);
        f(normalized)
    })
}

/// Converts a code-point offset into a byte offset of `text` (clamped to its length).
pub fn byte_offset(text: &str, code_point: usize) -> usize {
    text.char_indices()
        .nth(code_point)
        .map_or(text.len(), |(byte, _)| byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_origins_for_expansions() {
        let f = fold("Aß!");
        assert_eq!(f.as_str(), "ass!");
        assert_eq!(f.origins(), &[0, 1, 1, 2]);
        assert_eq!(f.original_len(), 3);
    }

    #[test]
    fn fold_drops_invisible_and_keeps_origin_of_next() {
        let f = fold("a\u{200B}b");
        assert_eq!(f.as_str(), "ab");
        assert_eq!(f.origins(), &[0, 2]);
    }

    #[test]
    fn evasion_names_are_ordered() {
        let e = Evasions::MASK | Evasions::LEET;
        assert_eq!(e.names().collect::<Vec<_>>(), vec!["leet", "mask"]);
        assert!(Evasions::NONE.is_empty());
    }

    #[test]
    fn byte_offsets() {
        assert_eq!(byte_offset("héllo", 2), 3);
        assert_eq!(byte_offset("héllo", 99), 6);
    }
}
