//! Identity mentions and their neutral counterfactual, for the identity guard.
//!
//! The terms are data (`wordlists/identity/en.tsv`, the same list the classifier's
//! counterfactual training used): words that *name* a group of people — sexual
//! orientation, gender identity, gender, religion, ethnicity, nationality, disability, age.
//! None is a slur, and none is ever evidence of harm by itself; the guard uses them only
//! to ask "would the classifier still say this without the identity word?".
//!
//! The counterfactual replaces each mention with a neutral noun phrase:
//! a plural noun ("Muslims", "gay people") becomes "people"; an adjective before another
//! word ("a transgender nurse") is dropped; an adjective standing alone ("I am queer")
//! becomes "a person" ("person" after an article).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

const TERMS: &str = include_str!("../../wordlists/identity/en.tsv");

/// Words after an identity adjective that show it stands alone ("gay and proud"), so it
/// is replaced rather than dropped.
const NOT_A_NOUN: &[&str] = &[
    "and",
    "or",
    "but",
    "nor",
    "who",
    "that",
    "which",
    "is",
    "are",
    "was",
    "were",
    "be",
    "am",
    "because",
    "since",
    "so",
    "too",
    "as",
    "if",
    "when",
    "while",
    "than",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "of",
    "like",
    "myself",
    "yourself",
    "himself",
    "herself",
    "themselves",
    "now",
    "today",
    "here",
    "there",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Adjective,
    PluralNoun,
}

/// The identity term list, compiled once.
pub(crate) struct IdentityTerms {
    automaton: AhoCorasick,
    /// Term text (as written in the list) and kind, by automaton pattern id.
    terms: Vec<(String, Kind)>,
}

/// One identity mention: byte range in the text and the listed term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mention<'t> {
    pub start: usize,
    pub end: usize,
    pub term: &'t str,
    kind: Kind,
}

impl IdentityTerms {
    /// The shipped list.
    pub fn shipped() -> IdentityTerms {
        IdentityTerms::parse(TERMS)
    }

    fn parse(tsv: &str) -> IdentityTerms {
        let mut terms = Vec::new();
        for line in tsv.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut columns = line.split('\t');
            let (Some(term), Some(_group), Some(kind)) =
                (columns.next(), columns.next(), columns.next())
            else {
                continue;
            };
            let kind = match kind {
                "plural_noun" => Kind::PluralNoun,
                "adj" => Kind::Adjective,
                _ => continue,
            };
            if !term.is_empty() && term != "term" {
                terms.push((term.to_string(), kind));
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(terms.iter().map(|(t, _)| t.as_str()))
            .expect("the identity term list compiles");
        IdentityTerms { automaton, terms }
    }

    /// Whole-word mentions, left to right, longest first ("gay people" over "gay").
    pub fn mentions<'s>(&'s self, text: &str) -> Vec<Mention<'s>> {
        let bytes = text.as_bytes();
        let is_word = |i: Option<&u8>| i.is_some_and(|b| b.is_ascii_alphanumeric() || *b >= 0x80);
        self.automaton
            .find_iter(text)
            .filter(|m| {
                let before = m.start().checked_sub(1).and_then(|i| bytes.get(i));
                !is_word(before) && !is_word(bytes.get(m.end()))
            })
            .map(|m| {
                let (term, kind) = &self.terms[m.pattern().as_usize()];
                Mention {
                    start: m.start(),
                    end: m.end(),
                    term: term.as_str(),
                    kind: *kind,
                }
            })
            .collect()
    }

    /// `text` with every identity mention replaced by a neutral noun phrase, or `None`
    /// when it mentions no identity.
    pub fn counterfactual(&self, text: &str) -> Option<String> {
        let mentions = self.mentions(text);
        if mentions.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut pos = 0;
        for m in &mentions {
            out.push_str(&text[pos..m.start]);
            let rest = &text[m.end..];
            pos = m.end;
            match m.kind {
                Kind::PluralNoun => out.push_str("people"),
                Kind::Adjective => {
                    let next = rest.trim_start_matches([' ', '-']);
                    let next_word: String = next
                        .chars()
                        .take_while(|c| c.is_alphanumeric())
                        .collect::<String>()
                        .to_lowercase();
                    let before_noun = !next_word.is_empty()
                        && rest.starts_with([' ', '-'])
                        && !NOT_A_NOUN.contains(&next_word.as_str());
                    if before_noun {
                        // Drop the adjective and the space or hyphen after it.
                        pos += rest.len() - next.len();
                    } else {
                        let previous = out.trim_end().rsplit(' ').next().unwrap_or("");
                        let article = ["a", "an", "the"]
                            .iter()
                            .any(|a| previous.eq_ignore_ascii_case(a));
                        out.push_str(if article { "person" } else { "a person" });
                    }
                }
            }
        }
        out.push_str(&text[pos..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_loads_and_holds_no_slur() {
        let terms = IdentityTerms::shipped();
        assert!(terms.terms.len() >= 60, "{}", terms.terms.len());
        // The list names groups; slurs belong to the wordlists, never here.
        for slur in [
            "fag", "faggot", "dyke", "tranny", "nigger", "kike", "retard",
        ] {
            assert!(terms
                .terms
                .iter()
                .all(|(t, _)| !t.eq_ignore_ascii_case(slur)));
        }
    }

    #[test]
    fn counterfactuals() {
        let terms = IdentityTerms::shipped();
        let table = [
            ("Maria is a transgender nurse", "Maria is a nurse"),
            ("I am queer and proud", "I am a person and proud"),
            ("She is a lesbian.", "She is a person."),
            ("Muslims are vermin", "people are vermin"),
            ("gay people should go back", "people should go back"),
            ("I love my gay-friendly cafe", "I love my friendly cafe"),
            ("what a straightforward plan", "what a straightforward plan"),
        ];
        for (text, expected) in table {
            let got = terms
                .counterfactual(text)
                .unwrap_or_else(|| text.to_string());
            assert_eq!(got, expected, "{text}");
        }
        assert_eq!(terms.counterfactual("have a nice day"), None);
    }

    #[test]
    fn mentions_are_whole_words_and_case_insensitive() {
        let terms = IdentityTerms::shipped();
        let found: Vec<_> = terms
            .mentions("GAY people, Transgender folks, megayacht")
            .into_iter()
            .map(|m| m.term)
            .collect();
        assert_eq!(found, ["gay people", "transgender"]);
    }
}
