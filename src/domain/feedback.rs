//! Score feedback: a caller's correction of the scores Warden gives a text, kept as
//! calibration data.
//!
//! Perspective's `SuggestCommentScore` (`POST /v1alpha1/comments:suggestscore`, see
//! `compat::suggest`) is how clients send it today. Each record pairs, per attribute, the
//! score Warden gave the text when the suggestion arrived with the score the caller says
//! it should have had, under the community whose rules scored it and the engine and
//! classifier that scored. That pair is what threshold calibration needs: where the
//! community's people draw the line, on Warden's scale.
//!
//! **What is stored** is that and nothing else. No text, context, client token or session
//! id is kept: the record says nothing about the text beyond its scores and, for span
//! suggestions, UTF-16 offsets into it. So no community's retention period can be
//! outlived and there is no subject to erase or export; a record holds the key id that
//! sent it, as the audit log does.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::failure::Failure;
use crate::ids::{CommunityId, KeyId};
use crate::verdict::{Category, EngineInfo, ModelInfo};

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedbackSource {
    /// Perspective's `SuggestCommentScore`.
    #[serde(rename = "perspective.suggestscore")]
    PerspectiveSuggestScore,
}

/// One suggestion, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreFeedback {
    pub at: Timestamp,
    pub source: FeedbackSource,
    /// The community whose rules scored the text; `None` when the request named none
    /// (Warden's default rules).
    pub community: Option<CommunityId>,
    /// The key that sent it.
    pub key_id: KeyId,
    /// The engine and classifier behind [`AttributeFeedback::scored`]: a calibration
    /// only compares records scored by the same ones.
    pub engine: EngineInfo,
    pub model: Option<ModelInfo>,
    pub attributes: Vec<AttributeFeedback>,
}

/// Feedback on one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeFeedback {
    /// The vendor's attribute name, without a version pin (`TOXICITY`, `SEVERE_TOXICITY`).
    pub attribute: String,
    /// The Warden category the attribute is read from.
    pub category: Category,
    /// The attribute's score as Warden served it for this text when the feedback arrived.
    pub scored: f32,
    /// The score the caller says the whole text deserves, if it gave one.
    pub suggested: Option<f32>,
    /// Scores the caller gives parts of the text.
    pub spans: Vec<SpanFeedback>,
}

/// A suggested score for part of the text: offsets only, never the text.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpanFeedback {
    /// UTF-16 code units from the start of the text; `end` exclusive.
    pub begin: u32,
    pub end: u32,
    pub score: f32,
}

impl ScoreFeedback {
    /// Checks what every stored record keeps true, so that a calibration reading them
    /// never meets a score outside 0..1 or an empty span: at least one attribute, each
    /// with a suggestion (a summary or spans).
    pub fn check(&self) -> Result<(), Failure> {
        let score_ok = |s: f32| (0.0..=1.0).contains(&s);
        if self.attributes.is_empty() {
            return Err(Failure::internal("score feedback without attributes"));
        }
        for a in &self.attributes {
            let spans_ok = a.spans.iter().all(|s| s.begin < s.end && score_ok(s.score));
            let suggested_ok = a.suggested.is_none_or(score_ok);
            let something = a.suggested.is_some() || !a.spans.is_empty();
            if !(score_ok(a.scored) && spans_ok && suggested_ok && something) {
                return Err(Failure::internal(format!(
                    "malformed score feedback for {}",
                    a.attribute
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(community: Option<&str>) -> ScoreFeedback {
        ScoreFeedback {
            at: Timestamp::from_millis(1_700_000_000_000),
            source: FeedbackSource::PerspectiveSuggestScore,
            community: community.map(|c| c.parse().unwrap()),
            key_id: KeyId::random(),
            engine: EngineInfo {
                version: "0.1.0".into(),
                wordlists: "sha256:0".into(),
                languages: vec!["en".into()],
            },
            model: None,
            attributes: vec![AttributeFeedback {
                attribute: "TOXICITY".into(),
                category: Category::Toxicity,
                scored: 0.2,
                suggested: Some(0.9),
                spans: vec![SpanFeedback {
                    begin: 0,
                    end: 3,
                    score: 1.0,
                }],
            }],
        }
    }

    #[test]
    fn records_round_trip_and_are_checked() {
        let ok = sample(Some("cats"));
        assert!(ok.check().is_ok());
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json["source"], "perspective.suggestscore");
        assert_eq!(json["attributes"][0]["category"], "toxicity");
        let back: ScoreFeedback = serde_json::from_value(json).unwrap();
        assert_eq!(back, ok);

        let broken: [fn(&mut ScoreFeedback); 5] = [
            |f| f.attributes.clear(),
            |f| f.attributes[0].scored = 1.5,
            |f| f.attributes[0].suggested = Some(f32::NAN),
            |f| f.attributes[0].spans[0].end = 0,
            |f| {
                f.attributes[0].suggested = None;
                f.attributes[0].spans.clear();
            },
        ];
        for (n, breaks) in broken.iter().enumerate() {
            let mut f = sample(None);
            breaks(&mut f);
            assert!(f.check().is_err(), "case {n}");
        }
    }
}
