//! Special categories of personal data (GDPR Art. 9): health, religion or belief, sexual
//! orientation or sex life, political opinion, racial or ethnic origin, trade union
//! membership.
//!
//! This is a different question from the harm wordlists: "I am a gay man" or "my
//! chemo starts Monday" break no rule, but a recommender or an ad system must not profile
//! or target anyone on them. So the terms live in their own list
//! (`wordlists/sensitive/en.tsv`, format in `wordlists/FORMAT.md`), compiled into their
//! own matcher, and their findings go to `Verdict::sensitive`: never into `matches`,
//! never into a score, an action or a queue. The same normalizer and term matcher as the
//! harm lists see through the same evasions (`d1abetes`, `g.a.y`).
//!
//! ```
//! use warden::patterns::SensitiveSet;
//! use warden::SensitiveCategory;
//!
//! let found = SensitiveSet::shipped().find("I am a gay man and my chemo starts Monday");
//! let categories: Vec<_> = found.iter().map(|s| s.category).collect();
//! assert_eq!(categories, [SensitiveCategory::SexualOrientation, SensitiveCategory::Health]);
//! assert!(SensitiveSet::shipped().find("a nice cup of tea").is_empty());
//! ```

use std::sync::OnceLock;

use super::matcher::{Hit, TermMatcher};
use super::wordlist::{Row, Term};
use crate::error::Result;
use crate::text::{with_normalized, Normalized};
use crate::verdict::{Category, SensitiveCategory, SensitiveSpan, Severity, Source};

/// The shipped list, embedded in the binary.
const SHIPPED: &str = include_str!("../../wordlists/sensitive/en.tsv");

/// A compiled list of sensitive-data terms. Build once, share across threads.
pub struct SensitiveSet {
    matcher: TermMatcher,
    /// The terms as the matcher takes them, for compiling them into a [`PatternSet`]'s
    /// automaton beside the harm terms (one scan serves both).
    ///
    /// [`PatternSet`]: super::PatternSet
    terms: Vec<Term>,
    /// The category of each term, by term index (the matcher's own `Term` only knows
    /// harm categories; it reads nothing but a term's text and match mode).
    categories: Vec<SensitiveCategory>,
}

impl SensitiveSet {
    /// The shipped English list, compiled on first use.
    pub fn shipped() -> &'static SensitiveSet {
        static SET: OnceLock<SensitiveSet> = OnceLock::new();
        SET.get_or_init(|| {
            SensitiveSet::parse("sensitive/en.tsv", SHIPPED)
                .expect("the shipped sensitive-data list parses (checked by its unit test)")
        })
    }

    /// Parses `term<TAB>category<TAB>match` rows (`#` comments, blank lines ignored).
    pub fn parse(name: &str, content: &str) -> Result<SensitiveSet> {
        let mut terms = Vec::new();
        let mut categories = Vec::new();
        for row in Row::parse_all(name, content) {
            let mut row = row?;
            let category: SensitiveCategory = row.required("category")?;
            let mode = row.mode()?;
            terms.push(Term {
                text: row.text.to_string(),
                // Unused by the matcher; sensitive data is reported beside harms, never as one.
                category: Category::Pii,
                severity: Severity::Low,
                mode,
                lang: "sensitive".to_string(),
                source: Source::Wordlist,
            });
            categories.push(category);
        }
        Ok(SensitiveSet {
            matcher: TermMatcher::new(terms.clone(), &[]),
            terms,
            categories,
        })
    }

    /// Number of terms compiled in.
    pub fn term_count(&self) -> usize {
        self.categories.len()
    }

    /// Where `text` reveals sensitive data, ordered by position; overlapping spans of
    /// the same category (`hiv` in `hiv positive`) are merged.
    pub fn find(&self, text: &str) -> Vec<SensitiveSpan> {
        with_normalized(text, |normalized| self.find_in(normalized))
    }

    /// [`find`](Self::find) on a text already normalized.
    pub fn find_in(&self, normalized: &Normalized) -> Vec<SensitiveSpan> {
        let mut hits: Vec<Hit> = Vec::new();
        self.matcher.find(normalized, &mut hits);
        self.spans(hits.iter().map(|h| (h.term, h.start, h.end)))
    }

    pub(crate) fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Spans from hits of this set's terms, given as `(term index, start, end)`: ordered by
    /// position, overlapping spans of one category merged.
    pub(crate) fn spans(&self, hits: impl Iterator<Item = (u32, u32, u32)>) -> Vec<SensitiveSpan> {
        let mut spans: Vec<SensitiveSpan> = hits
            .filter_map(|(term, start, end)| {
                let category = *self.categories.get(term as usize)?;
                Some(SensitiveSpan {
                    start,
                    end,
                    category,
                })
            })
            .collect();
        // By start, longest first; overlapping spans of one category (`i voted`, `voted
        // for`) merge into one.
        spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.category));
        let mut out: Vec<SensitiveSpan> = Vec::with_capacity(spans.len());
        // Sorted by start, a span can only overlap the latest span of its category.
        let mut latest: std::collections::HashMap<SensitiveCategory, usize> = Default::default();
        for s in spans {
            match latest.get(&s.category).map(|&i| &mut out[i]) {
                Some(o) if s.start < o.end => o.end = o.end.max(s.end),
                _ => {
                    latest.insert(s.category, out.len());
                    out.push(s);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories(text: &str) -> Vec<SensitiveCategory> {
        SensitiveSet::shipped()
            .find(text)
            .into_iter()
            .map(|s| s.category)
            .collect()
    }

    #[test]
    fn shipped_list_parses_and_covers_every_category() {
        let set = SensitiveSet::parse("sensitive/en.tsv", SHIPPED).unwrap();
        assert!(set.term_count() > 200);
        for c in SensitiveCategory::ALL {
            assert!(set.categories.contains(&c), "{c} has no terms");
        }
    }

    #[test]
    fn finds_each_category_with_spans_of_the_original() {
        use SensitiveCategory::*;
        assert_eq!(categories("I am a gay man"), [SexualOrientation]);
        assert_eq!(categories("my d1abetes is acting up"), [Health]);
        assert_eq!(categories("we pray at the mosque on Fridays"), [Religion]);
        assert_eq!(
            categories("I voted for the Green Party"),
            [PoliticalOpinion, PoliticalOpinion]
        );
        assert_eq!(categories("as a Latina engineer"), [EthnicOrigin]);
        assert_eq!(categories("our union rep called a meeting"), [TradeUnion]);
        let found = SensitiveSet::shipped().find("I'm HIV positive");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].start, found[0].end), (4, 16));
    }

    #[test]
    fn everyday_words_are_not_sensitive() {
        for text in [
            "the union of two sets",
            "a black cat crossed the road",
            "she came out of the shop",
            "the European Union",
            "straight to the point",
            "church street is closed",
        ] {
            assert!(
                categories(text).is_empty(),
                "{text}: {:?}",
                categories(text)
            );
        }
    }

    #[test]
    fn bad_rows_name_the_line() {
        let err = SensitiveSet::parse("t.tsv", "x\twealth\tword\n")
            .err()
            .expect("unknown category");
        assert!(err.to_string().contains("t.tsv"), "{err}");
        assert!(SensitiveSet::parse("t.tsv", "x\thealth\tfuzzy\n").is_err());
    }
}
