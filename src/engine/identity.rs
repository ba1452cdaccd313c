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

use std::str::FromStr;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::error::{Error, Result};
use crate::patterns::Row;

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

/// How a term stands in a sentence, which decides its neutral replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Adjective,
    PluralNoun,
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        match s {
            "adj" => Ok(Kind::Adjective),
            "plural_noun" => Ok(Kind::PluralNoun),
            _ => Err(format!("unknown kind `{s}` (expected adj or plural_noun)")),
        }
    }
}

/// The groups the list covers; parsed so that a typo in the data fails its test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    SexualOrientation,
    GenderIdentity,
    Gender,
    Religion,
    Ethnicity,
    Nationality,
    Disability,
    Age,
}

impl FromStr for Group {
    type Err = String;
    fn from_str(s: &str) -> Result<Group, String> {
        Ok(match s {
            "sexual_orientation" => Group::SexualOrientation,
            "gender_identity" => Group::GenderIdentity,
            "gender" => Group::Gender,
            "religion" => Group::Religion,
            "ethnicity" => Group::Ethnicity,
            "nationality" => Group::Nationality,
            "disability" => Group::Disability,
            "age" => Group::Age,
            _ => return Err(format!("unknown identity group `{s}`")),
        })
    }
}

/// The identity term list, compiled once.
pub(crate) struct IdentityTerms {
    automaton: AhoCorasick,
    /// Term text (as written in the list) and kind, by automaton pattern id.
    terms: Vec<(String, Kind)>,
}

/// A text with its identity mentions replaced by neutral noun phrases.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counterfactual {
    pub text: String,
    /// The listed terms that were replaced, each once, in order of first mention.
    pub terms: Vec<String>,
}

impl IdentityTerms {
    /// The shipped list.
    pub fn shipped() -> IdentityTerms {
        IdentityTerms::parse("identity/en.tsv", TERMS).expect("the shipped identity list parses")
    }

    /// Parses `term<TAB>group<TAB>kind` rows (`#` comments, blank lines ignored).
    fn parse(name: &str, tsv: &str) -> Result<IdentityTerms> {
        let mut terms = Vec::new();
        for row in Row::parse_all(name, tsv) {
            let mut row = row?;
            let _group: Group = row.required("group")?;
            let kind: Kind = row.required("kind")?;
            terms.push((row.text.to_string(), kind));
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(terms.iter().map(|(t, _)| t.as_str()))
            .map_err(|e| Error::config(format!("{name}: {e}")))?;
        Ok(IdentityTerms { automaton, terms })
    }

    /// Whole-word mentions, left to right, longest first ("gay people" over "gay"): byte
    /// range and index into `terms`.
    fn mentions<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        let bytes = text.as_bytes();
        let is_word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b >= 0x80);
        self.automaton.find_iter(text).filter_map(move |m| {
            let before = m.start().checked_sub(1).and_then(|i| bytes.get(i));
            let whole = !is_word(before) && !is_word(bytes.get(m.end()));
            whole.then(|| (m.start(), m.end(), m.pattern().as_usize()))
        })
    }

    /// `text` with every identity mention replaced by a neutral noun phrase, or `None`
    /// when it mentions no identity.
    pub fn counterfactual(&self, text: &str) -> Option<Counterfactual> {
        let mut out = String::with_capacity(text.len());
        let mut terms: Vec<String> = Vec::new();
        let mut pos = 0;
        for (start, end, index) in self.mentions(text) {
            let (term, kind) = &self.terms[index];
            if !terms.iter().any(|t| t == term) {
                terms.push(term.clone());
            }
            out.push_str(&text[pos..start]);
            let rest = &text[end..];
            pos = end;
            match kind {
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
        if terms.is_empty() {
            return None;
        }
        out.push_str(&text[pos..]);
        Some(Counterfactual { text: out, terms })
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
                .map_or_else(|| text.to_string(), |c| c.text);
            assert_eq!(got, expected, "{text}");
        }
        assert_eq!(terms.counterfactual("have a nice day"), None);
    }

    #[test]
    fn mentions_are_whole_words_and_case_insensitive() {
        let terms = IdentityTerms::shipped();
        let found = terms
            .counterfactual("GAY people, Transgender folks, megayacht, gay people")
            .map(|c| c.terms);
        assert_eq!(found.unwrap(), ["gay people", "transgender"]);
    }

    #[test]
    fn malformed_rows_are_errors_naming_the_line() {
        for tsv in [
            "gay\tsexual_orientation\n",
            "gay\tsexuality\tadj\n",
            "gay\tage\tnoun\n",
        ] {
            let err = IdentityTerms::parse("t.tsv", tsv).err().expect(tsv);
            assert!(err.to_string().contains("t.tsv"), "{err}");
        }
    }
}
