//! The engine: runs the detectors over a text and turns their findings into a [`Verdict`]
//! through a [`Policy`].
//!
//! Pattern findings score their category by severity (see [`Severity::score`]); a category's
//! score is the strongest finding in it.
//!
//! ```
//! use warden::{Action, Engine};
//!
//! let engine = Engine::builder().build().unwrap();
//! let verdict = engine.score("have a nice day");
//! assert_eq!(verdict.action, Action::Allow);
//! assert!(!verdict.flagged);
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::patterns::{PatternSet, Wordlists};
use crate::policy::Policy;
use crate::verdict::{Category, EngineInfo, Match, Verdict};

/// Scores texts. Cheap to clone; share one across threads.
#[derive(Clone)]
pub struct Engine {
    patterns: Arc<PatternSet>,
    wordlists: Arc<Wordlists>,
    policy: Policy,
}

/// Configures an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    languages: Vec<String>,
    wordlist_dir: Option<PathBuf>,
    policy: Policy,
}

impl Default for EngineBuilder {
    fn default() -> EngineBuilder {
        EngineBuilder {
            languages: vec!["en".to_string()],
            wordlist_dir: None,
            policy: Policy::default(),
        }
    }
}

impl EngineBuilder {
    /// Wordlist languages to load (`en` by default; `all` for every shipped list).
    pub fn languages(mut self, languages: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.languages = languages.into_iter().map(Into::into).collect();
        self
    }

    /// Read wordlists from a directory instead of the ones built into the binary.
    pub fn wordlist_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.wordlist_dir = dir;
        self
    }

    /// The policy applied when no community policy is given.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    pub fn build(self) -> Result<Engine> {
        self.policy.validate()?;
        let wordlists = match &self.wordlist_dir {
            Some(dir) => Wordlists::from_dir(dir, &self.languages)?,
            None => Wordlists::embedded(&self.languages)?,
        };
        Ok(Engine {
            patterns: Arc::new(PatternSet::new(&wordlists)),
            wordlists: Arc::new(wordlists),
            policy: self.policy,
        })
    }
}

impl Engine {
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The loaded wordlists (for building community pattern sets on top of them).
    pub fn wordlists(&self) -> &Wordlists {
        &self.wordlists
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Scores `text` with the engine's own patterns and policy.
    pub fn score(&self, text: &str) -> Verdict {
        self.score_with(text, &self.patterns, &self.policy)
    }

    /// Scores `text` with a community's patterns and policy.
    pub fn score_with(&self, text: &str, patterns: &PatternSet, policy: &Policy) -> Verdict {
        let matches = patterns.find(text);
        self.verdict(matches, policy)
    }

    fn verdict(&self, matches: Vec<Match>, policy: &Policy) -> Verdict {
        let mut categories: BTreeMap<Category, f32> =
            Category::HARM.into_iter().map(|c| (c, 0.0)).collect();
        for m in matches.iter().filter(|m| m.category != Category::Pii) {
            let score = categories.entry(m.category).or_insert(0.0);
            *score = score.max(m.severity.score());
            if m.category != Category::SelfHarm {
                let toxicity = categories.entry(Category::Toxicity).or_insert(0.0);
                *toxicity = toxicity.max(m.severity.score());
            }
        }
        let score = categories.values().copied().fold(0.0, f32::max);
        let action = policy.decide(&categories);
        Verdict {
            id: None,
            flagged: action != crate::Action::Allow,
            score,
            categories,
            matches,
            action,
            engine: self.info(),
            model: None,
        }
    }

    /// Identifies this engine in verdicts.
    pub fn info(&self) -> EngineInfo {
        EngineInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            wordlists: self.patterns.digest().to_string(),
            languages: self.patterns.languages().to_vec(),
        }
    }
}
