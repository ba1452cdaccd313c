//! Pattern scoring: wordlist terms and personal-data detectors, matched over normalized
//! text and reported as spans of the original; and, apart from them, the special
//! categories of personal data ([`SensitiveSet`]), which are never violations.
//!
//! ```
//! use warden::{Category, PatternSet, Wordlists};
//!
//! let patterns = PatternSet::new(&Wordlists::embedded(&["en"]).unwrap());
//! let found = patterns.find("what a f*cking dumbass");
//! assert!(found.iter().any(|m| m.category == Category::Profanity && (m.start, m.end) == (7, 11)));
//! assert!(patterns.find("Scunthorpe's cocktail analysis").is_empty());
//! ```

mod matcher;
mod pii;
mod sensitive;
mod wordlist;

pub use sensitive::SensitiveSet;
pub(crate) use wordlist::Row;
pub use wordlist::{parse_terms, MatchMode, Term, Wordlists};

use matcher::{Hit, TermMatcher};
use pii::find_pii;

use crate::text::{with_normalized, Normalized};
use crate::verdict::{Category, Match, PiiKind, SensitiveSpan, Severity, Source};

/// A compiled set of terms and detectors. Build once, share across threads.
pub struct PatternSet {
    matcher: TermMatcher,
    /// Terms below this index are harm terms; the rest are [`SensitiveSet::shipped`]'s.
    harm_terms: u32,
    digest: String,
    languages: Vec<String>,
}

impl PatternSet {
    /// Compiles the shipped or loaded wordlists.
    pub fn new(lists: &Wordlists) -> PatternSet {
        PatternSet::with_custom(lists, &[], &[])
    }

    /// Compiles `lists` plus a community's own block terms and allowlisted words.
    pub fn with_custom(lists: &Wordlists, block: &[Term], allow: &[String]) -> PatternSet {
        let mut terms = lists.terms().to_vec();
        terms.extend(block.iter().cloned());
        let harm_terms = terms.len() as u32;
        // The sensitive-data terms share the automaton: one scan finds both kinds.
        terms.extend(SensitiveSet::shipped().terms().iter().cloned());
        let mut allowed = lists.allow().to_vec();
        allowed.extend(allow.iter().cloned());
        PatternSet {
            matcher: TermMatcher::new(terms, &allowed),
            harm_terms,
            digest: lists.digest().to_string(),
            languages: lists.languages().to_vec(),
        }
    }

    /// Content digest of the wordlists compiled in.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Number of harm terms compiled in.
    pub fn term_count(&self) -> usize {
        self.harm_terms as usize
    }

    /// All findings in `text`, ordered by position. Nested findings of the same category
    /// and no higher severity are folded into the enclosing one.
    pub fn find(&self, text: &str) -> Vec<Match> {
        with_normalized(text, |normalized| self.find_in(text, normalized))
    }

    /// [`find`](Self::find) on a text already normalized (`normalized` must be
    /// `text`'s), so several matchers can share one normalization.
    pub fn find_in(&self, text: &str, normalized: &Normalized) -> Vec<Match> {
        self.find_all_in(text, normalized).0
    }

    /// Harm findings and sensitive-data spans ([`SensitiveSet`]) from one scan.
    pub fn find_all_in(
        &self,
        text: &str,
        normalized: &Normalized,
    ) -> (Vec<Match>, Vec<SensitiveSpan>) {
        let mut hits = Vec::new();
        self.matcher.find(normalized, &mut hits);
        let (harms, sensitive): (Vec<Hit>, Vec<Hit>) =
            hits.into_iter().partition(|h| h.term < self.harm_terms);
        let sensitive = SensitiveSet::shipped().spans(
            sensitive
                .iter()
                .map(|h| (h.term - self.harm_terms, h.start, h.end)),
        );
        let mut out: Vec<Match> = self.resolve(harms);
        out.extend(pii_matches(text));
        out.sort_by(|a, b| (a.start, b.end, a.category).cmp(&(b.start, a.end, b.category)));
        (out, sensitive)
    }

    fn resolve(&self, hits: Vec<Hit>) -> Vec<Match> {
        let key = |h: &Hit| {
            let t = self.matcher.term(h.term);
            (
                t.category,
                h.start,
                std::cmp::Reverse(h.end),
                std::cmp::Reverse(t.severity),
            )
        };
        let mut hits = hits;
        hits.sort_by_key(key);
        // One finding per span and category: the most severe term (sorted first).
        hits.dedup_by(|later, earlier| {
            let (a, b) = (key(later), key(earlier));
            if (a.0, a.1, a.2) == (b.0, b.1, b.2) {
                earlier.evasions |= later.evasions;
                true
            } else {
                false
            }
        });

        // Sorted by start then longest first, a span is nested in an earlier one exactly
        // when an earlier span of at least its severity reaches as far.
        let mut out = Vec::with_capacity(hits.len());
        let mut category = None;
        let mut reach = [0u32; 3];
        for hit in hits {
            let term = self.matcher.term(hit.term);
            if category != Some(term.category) {
                category = Some(term.category);
                reach = [0; 3];
            }
            let level = severity_index(term.severity);
            if reach[level] >= hit.end {
                continue;
            }
            for r in &mut reach[..=level] {
                *r = (*r).max(hit.end);
            }
            out.push(Match {
                start: hit.start,
                end: hit.end,
                category: term.category,
                severity: term.severity,
                rule: term.rule(),
                source: term.source,
                kind: None,
                evasions: hit.evasions.names().map(str::to_string).collect(),
                score: None,
            });
        }
        out
    }
}

fn severity_index(s: Severity) -> usize {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
    }
}

/// The personal data in `text` (emails, phone numbers, …) as byte ranges, ordered and
/// disjoint: what redaction masks.
pub fn pii_byte_spans(text: &str) -> Vec<(std::ops::Range<usize>, PiiKind)> {
    find_pii(text)
        .into_iter()
        .map(|s| (s.start..s.end, s.kind))
        .collect()
}

fn pii_matches(text: &str) -> Vec<Match> {
    let spans = find_pii(text);
    if spans.is_empty() {
        return Vec::new();
    }
    // Byte offsets to code points in one pass (spans are ordered and disjoint).
    let mut boundaries: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
    boundaries.sort_unstable();
    let mut code_points = Vec::with_capacity(boundaries.len());
    let mut chars = text.char_indices().enumerate().peekable();
    for b in boundaries {
        while chars.peek().is_some_and(|(_, (byte, _))| *byte < b) {
            chars.next();
        }
        let cp = chars.peek().map_or(text.chars().count(), |(i, _)| *i);
        code_points.push((b, cp as u32));
    }
    let cp = |b: usize| {
        code_points
            .binary_search_by_key(&b, |(byte, _)| *byte)
            .map_or(0, |i| code_points[i].1)
    };
    spans
        .into_iter()
        .map(|s| Match {
            start: cp(s.start),
            end: cp(s.end),
            category: Category::Pii,
            severity: Severity::Low,
            rule: format!("pii:{}", s.kind.as_str()),
            source: Source::Pii,
            kind: Some(s.kind),
            evasions: Vec::new(),
            score: None,
        })
        .collect()
}
