//! Compiled term matching over [`Normalized`] text.
//!
//! Terms are normalized exactly like text, so both sides agree on folding, leetspeak and
//! run lengths. Boundary rules are compiled into the Aho-Corasick patterns themselves: a
//! whole-word term `ass` becomes the pattern `" as "` over the `" tok tok "` haystack, a
//! prefix term `fuck` becomes `" fuck"`. A candidate then only has to pass the run-length
//! check (`as` with an `s` run of 1 is not `ass`) and, for matches inside a token, the
//! allowlist (`shiitake`).

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::wordlist::{MatchMode, Term};
use crate::text::{normalize, Evasions, Normalized, Stream, Unit};
use crate::verdict::Category;

/// Masked tokens longer than this are not glob-matched: no real word is, and it bounds
/// the work an adversarial text can cause.
const MAX_MASKED_TOKEN: usize = 40;

/// A term matched in the text, as code-point offsets into the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub term: u32,
    pub start: u32,
    pub end: u32,
    pub evasions: Evasions,
}

/// Term index and the term spelled out in full, by first character.
type MaskedCandidates = HashMap<char, Vec<(u32, Box<[char]>)>>;

struct Entry {
    term: u32,
    /// Minimum run length of each unit of the term's key.
    runs: Box<[u16]>,
}

pub(crate) struct TermMatcher {
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern, the terms that share it.
    entries: Vec<Vec<Entry>>,
    terms: Vec<Term>,
    /// Normalized forms of allowlisted tokens.
    allow: HashSet<String>,
    /// Single-token terms by first character, spelled out in full, for masked tokens.
    masked_candidates: MaskedCandidates,
}

/// Automaton patterns being collected, each with the terms that share it.
#[derive(Default)]
struct PatternTable {
    patterns: Vec<String>,
    entries: Vec<Vec<Entry>>,
    index: HashMap<String, usize>,
}

impl PatternTable {
    fn add(&mut self, pattern: String, entry: Entry) {
        let slot = match self.index.get(&pattern) {
            Some(&slot) => slot,
            None => {
                self.index.insert(pattern.clone(), self.patterns.len());
                self.patterns.push(pattern);
                self.entries.push(Vec::new());
                self.patterns.len() - 1
            }
        };
        self.entries[slot].push(entry);
    }
}

impl TermMatcher {
    pub fn new(terms: Vec<Term>, allow: &[String]) -> TermMatcher {
        let mut table = PatternTable::default();
        let mut masked_candidates: MaskedCandidates = HashMap::new();
        let listed: HashSet<&str> = terms.iter().map(|t| t.text.as_str()).collect();

        for (i, term) in terms.iter().enumerate() {
            let Some((key, runs)) = key_of(&term.text) else {
                continue;
            };
            let mode = if key.chars().any(is_unspaced_script) {
                MatchMode::Any
            } else {
                term.mode
            };
            // A whole-word slur also matches its regular plural: lists spell some plurals
            // out ("chinks", "spics") and miss others ("trannies", "hymies", "spazzes").
            // A plural the list has as a term of its own is matched as that term.
            if mode == MatchMode::Word && term.category == Category::IdentityAttack {
                let plural = regular_plural(&term.text)
                    .filter(|plural| !listed.contains(plural.as_str()))
                    .and_then(|plural| key_of(&plural));
                if let Some((key, runs)) = plural {
                    let term = i as u32;
                    table.add(format!(" {key} "), Entry { term, runs });
                }
            }
            let pattern = match mode {
                MatchMode::Word => format!(" {key} "),
                MatchMode::Prefix => format!(" {key}"),
                MatchMode::Suffix => format!("{key} "),
                MatchMode::Any => key.clone(),
            };
            if matches!(mode, MatchMode::Word | MatchMode::Prefix) && !key.contains(' ') {
                let spelled: Box<[char]> = key
                    .chars()
                    .zip(runs.iter())
                    .flat_map(|(c, &r)| std::iter::repeat_n(c, r as usize))
                    .collect();
                if let Some(&first) = spelled.first() {
                    masked_candidates
                        .entry(first)
                        .or_default()
                        .push((i as u32, spelled));
                }
            }
            let term = i as u32;
            table.add(pattern, Entry { term, runs });
        }
        let PatternTable {
            patterns, entries, ..
        } = table;

        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .or_else(|_| {
                    // A DFA over a very large custom list can exceed the size limit; the
                    // NFA is slower but has none.
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .build(&patterns)
                })
                .expect("patterns are plain strings and the NFA has no size limit")
        });
        let allow = allow
            .iter()
            .filter_map(|a| key_of(a).map(|(k, _)| k))
            .collect();

        TermMatcher {
            automaton,
            entries,
            terms,
            allow,
            masked_candidates,
        }
    }

    pub fn term(&self, i: u32) -> &Term {
        &self.terms[i as usize]
    }

    /// Every term occurrence in `text`, in no particular order, possibly overlapping.
    pub fn find(&self, text: &Normalized, out: &mut Vec<Hit>) {
        self.scan(text.primary_stream(), out);
        self.scan(text.alternate_stream(), out);
        self.find_masked(text, out);
    }

    fn scan(&self, stream: &Stream, out: &mut Vec<Hit>) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let units = stream.units();
        for m in automaton.find_overlapping_iter(stream.haystack()) {
            let mut start = stream.unit_at(m.start());
            let mut end = stream.unit_at(m.end());
            while start < end && units[start].is_boundary() {
                start += 1;
            }
            while end > start && units[end - 1].is_boundary() {
                end -= 1;
            }
            let matched = &units[start..end];
            if matched.is_empty() {
                continue;
            }
            let whole_token = (start == 0 || units[start - 1].is_boundary())
                && (end == units.len() || units[end].is_boundary());
            let mut allowed: Option<bool> = None;
            for entry in &self.entries[m.pattern().as_usize()] {
                if entry.runs.len() != matched.len()
                    || !matched
                        .iter()
                        .zip(entry.runs.iter())
                        .all(|(u, &r)| run_matches(u, r))
                {
                    continue;
                }
                if !whole_token && *allowed.get_or_insert_with(|| self.is_allowed(stream, start)) {
                    continue;
                }
                let mut evasions = matched
                    .iter()
                    .fold(Evasions::NONE, |acc, u| acc | u.evasions);
                if matched
                    .iter()
                    .zip(entry.runs.iter())
                    .any(|(u, &r)| u.run > r)
                {
                    evasions |= Evasions::ELONGATION;
                }
                out.push(Hit {
                    term: entry.term,
                    start: matched[0].start,
                    end: matched[matched.len() - 1].end,
                    evasions,
                });
            }
        }
    }

    fn is_allowed(&self, stream: &Stream, unit: usize) -> bool {
        !self.allow.is_empty()
            && self
                .allow
                .contains(stream.text_of(stream.token_around(unit)))
    }

    /// Masked tokens (`f*ck`, `a**hole`) cannot be found by the automaton; compare them
    /// with the terms sharing their first letter, each mask standing for exactly as many
    /// letters as it has characters.
    fn find_masked(&self, text: &Normalized, out: &mut Vec<Hit>) {
        let units = text.primary_stream().units();
        for range in text.masked_tokens() {
            let token = &units[range.clone()];
            let letters = token.iter().filter(|u| u.ch != '*').count();
            if letters < 2 || token.len() > MAX_MASKED_TOKEN {
                continue;
            }
            let Some(candidates) = self.masked_candidates.get(&token[0].ch) else {
                continue;
            };
            let mut best: Option<(u32, usize)> = None;
            for (term, spelled) in candidates {
                let prefix = self.term(*term).mode == MatchMode::Prefix;
                let Some(consumed) = glob_match(token, spelled, prefix) else {
                    continue;
                };
                let better = best.is_none_or(|(b, _)| {
                    let (t, b) = (self.term(*term), self.term(b));
                    (t.severity, t.text.len()) > (b.severity, b.text.len())
                });
                if better {
                    best = Some((*term, consumed));
                }
            }
            if let Some((term, consumed)) = best {
                let matched = &token[..consumed];
                let evasions = matched
                    .iter()
                    .fold(Evasions::MASK, |acc, u| acc | u.evasions);
                out.push(Hit {
                    term,
                    start: matched[0].start,
                    end: matched[consumed - 1].end,
                    evasions,
                });
            }
        }
    }
}

/// The regular English plural of a one-word term: `+s`, or `+es` after a sibilant
/// (`spazz` → `spazzes`). No `y` → `ies`: it would turn a slur into a common word
/// (`pansy` → `pansies`, the flowers).
fn regular_plural(term: &str) -> Option<String> {
    if !term.chars().all(|c| c.is_ascii_lowercase()) {
        return None; // phrases, and spellings the rule does not know
    }
    let sibilant = ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| term.ends_with(end));
    Some(format!("{term}{}", if sibilant { "es" } else { "s" }))
}

/// The normalized key of a term and the run length of each of its units, or `None` for
/// a term that normalizes to nothing matchable.
fn key_of(term: &str) -> Option<(String, Box<[u16]>)> {
    let n = normalize(term);
    let stream = n.primary_stream();
    let units = stream.units();
    let inner = 1..units.len().saturating_sub(1);
    if inner.is_empty()
        || units[inner.clone()]
            .iter()
            .any(|u| u.ch == '*' || u.ch == '\n')
    {
        return None;
    }
    let runs = units[inner.clone()].iter().map(|u| u.run).collect();
    Some((stream.text_of(inner).to_string(), runs))
}

/// Whether a text unit's run satisfies a term unit's run. Elongation (`fuuuck`) is any
/// run of three or more, or a doubled vowel (`fuuck`); a doubled consonant is not, because
/// real words differ from terms exactly that way (`Bonner`/`boner`, `assess`/`asses`).
fn run_matches(unit: &Unit, term_run: u16) -> bool {
    unit.run == term_run
        || (unit.run > term_run
            && (unit.run >= 3 || matches!(unit.ch, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')))
}

/// Scripts written without spaces between words, where terms must match inside tokens.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F     // Thai
        | 0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFF66..=0xFF9F   // halfwidth Katakana
    )
}

/// Matches the units of a masked token against a term spelled out in full. A letter unit
/// with run `r` consumes 1..=r copies of its letter; a mask unit of `n` characters consumes
/// exactly `n` letters. Returns how many units were consumed: all of them for whole-word
/// terms, any prefix covering at least two letters for prefix terms.
fn glob_match(token: &[Unit], spelled: &[char], prefix: bool) -> Option<usize> {
    let len = spelled.len();
    if len == 0 || len > 63 {
        return None;
    }
    let done = 1u64 << len;
    let mut reach = 1u64;
    let mut letters = 0;
    for (i, unit) in token.iter().enumerate() {
        let mut next = 0u64;
        let mut states = reach;
        while states != 0 {
            let j = states.trailing_zeros() as usize;
            states &= states - 1;
            if unit.ch == '*' {
                let n = unit.run as usize;
                if j + n <= len {
                    next |= 1 << (j + n);
                }
            } else {
                let mut k = 1;
                while k <= unit.run as usize && j + k <= len && spelled[j + k - 1] == unit.ch {
                    next |= 1 << (j + k);
                    k += 1;
                }
            }
        }
        if unit.ch != '*' {
            letters += 1;
        }
        reach = next;
        if reach == 0 {
            return None;
        }
        if prefix && reach & done != 0 && letters >= 2 {
            return Some(i + 1);
        }
    }
    (reach & done != 0).then_some(token.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Category, Severity, Source};

    fn term(text: &str, mode: MatchMode) -> Term {
        Term {
            text: text.into(),
            category: Category::Profanity,
            severity: Severity::Medium,
            mode,
            lang: "test".into(),
            source: Source::Wordlist,
        }
    }

    fn matcher() -> TermMatcher {
        TermMatcher::new(
            vec![
                term("ass", MatchMode::Word),
                term("fuck", MatchMode::Prefix),
                term("shit", MatchMode::Prefix),
                term("kill you", MatchMode::Word),
                term("cunt", MatchMode::Word),
                term("傻逼", MatchMode::Word),
            ],
            &["shiitake".to_string()],
        )
    }

    fn spans(text: &str) -> Vec<(String, u32, u32)> {
        let m = matcher();
        let mut hits = Vec::new();
        m.find(&normalize(text), &mut hits);
        let mut out: Vec<_> = hits
            .iter()
            .map(|h| (m.term(h.term).text.clone(), h.start, h.end))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    macro_rules! t {
        ($name:ident, $input:expr, [$(($term:expr, $s:expr, $e:expr)),*]) => {
            #[test]
            fn $name() {
                let expected: Vec<(String, u32, u32)> = vec![$(($term.to_string(), $s, $e)),*];
                assert_eq!(spans($input), expected);
            }
        };
    }

    t!(word, "you ass", [("ass", 4, 7)]);
    t!(word_not_inside, "assassin class", []);
    t!(run_length_respected, "as far as", []);
    t!(elongated, "asssss", [("ass", 0, 6)]);
    t!(doubled_vowel, "fuuck", [("fuck", 0, 5)]);
    t!(
        doubled_consonant_is_a_different_word,
        "asss fuckk",
        [("ass", 0, 4)]
    );
    t!(prefix, "fucking", [("fuck", 0, 4)]);
    t!(prefix_not_suffix, "motherfuck", []);
    t!(phrase, "i will KILL   you", [("kill you", 7, 17)]);
    t!(allowlist, "shiitake shit", [("shit", 9, 13)]);
    t!(scunthorpe, "Scunthorpe", []);
    t!(leet_alternate_reading, "ki11 y0u", [("kill you", 0, 8)]);
    t!(masked, "f*ck f**k", [("fuck", 0, 4), ("fuck", 5, 9)]);
    t!(masked_prefix, "f*cking", [("fuck", 0, 4)]);
    t!(masked_needs_two_letters, "f***", []);
    t!(masked_exact_count, "f*k", []);
    t!(spelled, "f.u.c.k off", [("fuck", 0, 7)]);
    t!(spelled_after_one_letter_word, "a f u c k", [("fuck", 2, 9)]);
    t!(cjk_inside_run, "你是傻逼吗", [("傻逼", 2, 4)]);

    #[test]
    fn slurs_match_their_regular_plurals() {
        let slur = |text: &str| Term {
            category: Category::IdentityAttack,
            ..term(text, MatchMode::Word)
        };
        let m = TermMatcher::new(
            vec![
                slur("trannie"),
                slur("spazz"),
                slur("pansy"),
                slur("chink"),
                slur("chinks"),
                term("cunt", MatchMode::Word),
            ],
            &[],
        );
        let found = |text: &str| {
            let mut hits = Vec::new();
            m.find(&normalize(text), &mut hits);
            hits.iter()
                .map(|h| m.term(h.term).text.clone())
                .collect::<Vec<_>>()
        };
        for (text, expected) in [
            ("those trannies", vec!["trannie"]),
            ("spazzes everywhere", vec!["spazz"]),
            ("tr4nnies", vec!["trannie"]),
            // Listed plurals stay their own term, matched once.
            ("chinks", vec!["chinks"]),
            // No y → ies (pansies are flowers), no plural for other categories.
            ("pansies and cunts", vec![]),
            ("spazzs", vec![]),
        ] {
            assert_eq!(found(text), expected, "{text:?}");
        }
    }

    #[test]
    fn evasions_reported() {
        let m = matcher();
        let mut hits = Vec::new();
        m.find(&normalize("fuuuck"), &mut hits);
        assert!(hits[0].evasions.contains(Evasions::ELONGATION));
        hits.clear();
        m.find(&normalize("f*ck"), &mut hits);
        assert!(hits[0].evasions.contains(Evasions::MASK));
    }

    #[test]
    fn glob() {
        let n = normalize("a**hole");
        let units = &n.primary_stream().units()[1..7];
        let spelled: Vec<char> = "asshole".chars().collect();
        assert_eq!(glob_match(units, &spelled, false), Some(6));
        let spelled: Vec<char> = "ashole".chars().collect();
        assert_eq!(glob_match(units, &spelled, false), None);
    }
}
