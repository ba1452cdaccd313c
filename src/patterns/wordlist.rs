//! Wordlists: terms with a category, severity and boundary rule, loaded from the shipped
//! TSV files (embedded in the binary) or from a directory.
//!
//! The format is documented in `wordlists/FORMAT.md`:
//! `term<TAB>category<TAB>severity<TAB>match<TAB>sources`, `#` comments, one term a line.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::verdict::{Category, Severity, Source};

include!(concat!(env!("OUT_DIR"), "/embedded_wordlists.rs"));

/// Where a term may match relative to word boundaries. Whole words by default, which is
/// what keeps `cocktail` and `Scunthorpe` clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// The whole token (or phrase).
    #[default]
    Word,
    /// The start of a token: `fuck` matches `fucking`.
    Prefix,
    /// The end of a token.
    Suffix,
    /// Anywhere, including inside a token (needed for scripts written without spaces).
    Any,
}

impl FromStr for MatchMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<MatchMode, String> {
        match s {
            "word" => Ok(MatchMode::Word),
            "prefix" => Ok(MatchMode::Prefix),
            "suffix" => Ok(MatchMode::Suffix),
            "any" => Ok(MatchMode::Any),
            _ => Err(format!(
                "unknown match mode `{s}` (expected word, prefix, suffix or any)"
            )),
        }
    }
}

/// One wordlist entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub text: String,
    pub category: Category,
    pub severity: Severity,
    #[serde(default)]
    pub mode: MatchMode,
    /// Language code of the list (`en`, `de`, …) or `custom`.
    pub lang: String,
    pub source: Source,
}

impl Term {
    /// The rule name reported with matches: `en:term`.
    pub fn rule(&self) -> String {
        format!("{}:{}", self.lang, self.text)
    }
}

/// A set of terms and allowlisted words, with a digest identifying their content.
#[derive(Clone)]
pub struct Wordlists {
    terms: Vec<Term>,
    allow: Vec<String>,
    languages: Vec<String>,
    digest: String,
}

impl fmt::Debug for Wordlists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wordlists")
            .field("terms", &self.terms.len())
            .field("allow", &self.allow.len())
            .field("languages", &self.languages)
            .field("digest", &self.digest)
            .finish()
    }
}

impl Wordlists {
    /// Languages shipped with Warden.
    pub fn available_languages() -> Vec<&'static str> {
        EMBEDDED_LISTS.iter().map(|(lang, _)| *lang).collect()
    }

    /// The shipped lists for `languages` (`"all"` for every one).
    ///
    /// ```
    /// let lists = warden::Wordlists::embedded(&["en"]).unwrap();
    /// assert!(lists.terms().len() > 1000);
    /// ```
    pub fn embedded(languages: &[impl AsRef<str>]) -> Result<Wordlists> {
        let wanted = expand_languages(languages, &Self::available_languages())?;
        let lists = wanted
            .iter()
            .map(|lang| {
                let (_, content) = EMBEDDED_LISTS
                    .iter()
                    .find(|(l, _)| l == lang)
                    .expect("expand_languages only returns available languages");
                (lang.clone(), content.to_string())
            })
            .collect();
        Wordlists::from_sources(lists, EMBEDDED_ALLOW)
    }

    /// Lists read from `dir` (`<lang>.tsv` and an optional `allow.tsv`), for deployments
    /// that maintain their own.
    pub fn from_dir(dir: &Path, languages: &[impl AsRef<str>]) -> Result<Wordlists> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))
        };
        let mut available = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(Some(dir.to_path_buf()), e))? {
            let path = entry?.path();
            if path.extension().is_some_and(|x| x == "tsv") {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    if stem != "allow" && stem != "curated" {
                        available.push(stem.to_string());
                    }
                }
            }
        }
        available.sort();
        let available: Vec<&str> = available.iter().map(String::as_str).collect();
        let wanted = expand_languages(languages, &available)?;
        let mut lists = Vec::new();
        for lang in wanted {
            let content = read(&dir.join(format!("{lang}.tsv")))?;
            lists.push((lang, content));
        }
        let allow_path = dir.join("allow.tsv");
        let allow = if allow_path.exists() {
            read(&allow_path)?
        } else {
            String::new()
        };
        Wordlists::from_sources(lists, &allow)
    }

    fn from_sources(lists: Vec<(String, String)>, allow: &str) -> Result<Wordlists> {
        let mut hasher = Sha256::new();
        let mut terms = Vec::new();
        let mut languages = Vec::new();
        for (lang, content) in &lists {
            hasher.update(lang.as_bytes());
            hasher.update([0]);
            hasher.update(content.as_bytes());
            terms.extend(parse_terms(
                &format!("{lang}.tsv"),
                lang,
                Source::Wordlist,
                content,
            )?);
            languages.push(lang.clone());
        }
        hasher.update(b"allow\0");
        hasher.update(allow.as_bytes());
        let allow = parse_allow(allow);
        let digest = hasher.finalize();
        Ok(Wordlists {
            terms,
            allow,
            languages,
            digest: format!("sha256:{}", hex::encode(&digest[..8])),
        })
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    pub fn allow(&self) -> &[String] {
        &self.allow
    }

    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Content digest of the lists, reported in every verdict.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

fn expand_languages(requested: &[impl AsRef<str>], available: &[&str]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for lang in requested {
        let lang = lang.as_ref().trim();
        if lang == "all" {
            out.extend(available.iter().map(|l| l.to_string()));
        } else if available.contains(&lang) {
            out.push(lang.to_string());
        } else {
            return Err(Error::config(format!(
                "no wordlist for language `{lang}` (available: all, {})",
                available.join(", ")
            )));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// One term row of a TSV list (`term<TAB>category<TAB>…`), as the term lists and the
/// sensitive-data list share it: the term, then the columns after it, read in order.
pub(crate) struct Row<'a> {
    name: &'a str,
    line: usize,
    pub text: &'a str,
    cols: std::str::Split<'a, char>,
}

impl<'a> Row<'a> {
    /// The rows of `content`, skipping blank lines and `#` comments; an empty term is an
    /// error. `name` appears in error messages.
    pub(crate) fn parse_all(
        name: &'a str,
        content: &'a str,
    ) -> impl Iterator<Item = Result<Row<'a>>> {
        content.lines().enumerate().filter_map(move |(i, line)| {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                return None;
            }
            let mut cols = line.split('\t');
            let text = cols.next().unwrap_or_default().trim();
            let row = Row {
                name,
                line: i + 1,
                text,
                cols,
            };
            Some(if text.is_empty() {
                Err(row.bad("empty term"))
            } else {
                Ok(row)
            })
        })
    }

    /// An error naming this row.
    pub(crate) fn bad(&self, reason: impl Into<String>) -> Error {
        Error::wordlist(self.name, self.line, reason)
    }

    /// The next column, which must be there (`what` names it in the error).
    pub(crate) fn required<T: FromStr<Err = String>>(&mut self, what: &str) -> Result<T> {
        let col = self
            .cols
            .next()
            .ok_or_else(|| self.bad(format!("missing {what} column")))?;
        col.parse().map_err(|e: String| self.bad(e))
    }

    /// The match column: optional, whole words when absent or empty.
    pub(crate) fn mode(&mut self) -> Result<MatchMode> {
        match self.cols.next() {
            Some(m) if !m.is_empty() => m.parse().map_err(|e: String| self.bad(e)),
            _ => Ok(MatchMode::Word),
        }
    }
}

/// Parses the TSV format. `name` appears in error messages.
pub fn parse_terms(name: &str, lang: &str, source: Source, content: &str) -> Result<Vec<Term>> {
    let mut terms = Vec::new();
    for row in Row::parse_all(name, content) {
        let mut row = row?;
        let category: Category = row.required("category")?;
        if category == Category::Pii || category == Category::Toxicity {
            return Err(row.bad(format!("category `{category}` cannot come from a wordlist")));
        }
        let severity: Severity = row.required("severity")?;
        let mode = row.mode()?;
        terms.push(Term {
            text: row.text.to_string(),
            category,
            severity,
            mode,
            lang: lang.to_string(),
            source,
        });
    }
    Ok(terms)
}

fn parse_allow(content: &str) -> Vec<String> {
    content
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_comments() {
        let terms = parse_terms(
            "t.tsv",
            "en",
            Source::Wordlist,
            "# header\n\nbad word\tinsult\tmedium\tword\twarden\nfoo\tprofanity\tlow\n",
        )
        .unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].text, "bad word");
        assert_eq!(terms[0].category, Category::Insult);
        assert_eq!(terms[1].mode, MatchMode::Word);
        assert_eq!(terms[1].rule(), "en:foo");
    }

    macro_rules! bad {
        ($name:ident, $line:expr, $needle:expr) => {
            #[test]
            fn $name() {
                let err = parse_terms("t.tsv", "en", Source::Wordlist, $line).unwrap_err();
                assert_eq!(err.code(), crate::Code::InvalidWordlist);
                assert!(err.to_string().contains($needle), "{err}");
            }
        };
    }

    bad!(
        unknown_category,
        "x\tnasty\tlow",
        "unknown category `nasty`"
    );
    bad!(unknown_severity, "x\tinsult\tvery", "unknown severity");
    bad!(unknown_mode, "x\tinsult\tlow\tfuzzy", "unknown match mode");
    bad!(missing_columns, "x", "missing category");
    bad!(no_pii_terms, "x\tpii\tlow", "cannot come from a wordlist");

    #[test]
    fn languages_are_checked() {
        let err = Wordlists::embedded(&["xx"]).unwrap_err();
        assert_eq!(err.code(), crate::Code::InvalidConfig);
    }

    #[test]
    fn embedded_english_loads() {
        let lists = Wordlists::embedded(&["en"]).unwrap();
        assert_eq!(lists.languages(), ["en"]);
        assert!(lists.digest().starts_with("sha256:"));
        assert!(!lists.allow().is_empty());
    }
}
