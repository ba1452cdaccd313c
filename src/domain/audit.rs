//! The audit log's vocabulary: who changed which configuration (keys, policies,
//! wordlists) or asked for which subject's data (exports, erasures), kept forever like
//! item events. `GET /v1/audit` reads it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::domain::event::Actor;
use crate::ids::{CommunityId, KeyId};

/// What was done. The names are API (`action` in `GET /v1/audit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    #[serde(rename = "key.create")]
    KeyCreate,
    #[serde(rename = "key.revoke")]
    KeyRevoke,
    #[serde(rename = "policy.put")]
    PolicyPut,
    #[serde(rename = "wordlist.put")]
    WordlistPut,
    /// An export of an author's data (the target is the community).
    #[serde(rename = "subject.export")]
    SubjectExport,
    /// An erasure (the target is the receipt id, never the author id).
    #[serde(rename = "subject.erase")]
    SubjectErase,
    /// A reporter marked as a trusted flagger (the target is their pseudonym).
    #[serde(rename = "trusted_flagger.add")]
    TrustedFlaggerAdd,
    #[serde(rename = "trusted_flagger.remove")]
    TrustedFlaggerRemove,
    /// The target is the webhook id.
    #[serde(rename = "webhook.create")]
    WebhookCreate,
    #[serde(rename = "webhook.delete")]
    WebhookDelete,
    /// A failed or pending delivery sent again (the target is `<webhook id>/<seq>`).
    #[serde(rename = "webhook.retry")]
    WebhookRetry,
    /// A bulk decision (the target is the bulk id, in each event it wrote).
    #[serde(rename = "items.bulk")]
    ItemsBulk,
    /// An export of moderator-decided items for retraining (the target is the community).
    #[serde(rename = "labels.export")]
    LabelsExport,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::KeyCreate => "key.create",
            AuditAction::KeyRevoke => "key.revoke",
            AuditAction::PolicyPut => "policy.put",
            AuditAction::WordlistPut => "wordlist.put",
            AuditAction::SubjectExport => "subject.export",
            AuditAction::SubjectErase => "subject.erase",
            AuditAction::TrustedFlaggerAdd => "trusted_flagger.add",
            AuditAction::TrustedFlaggerRemove => "trusted_flagger.remove",
            AuditAction::WebhookCreate => "webhook.create",
            AuditAction::WebhookDelete => "webhook.delete",
            AuditAction::WebhookRetry => "webhook.retry",
            AuditAction::ItemsBulk => "items.bulk",
            AuditAction::LabelsExport => "labels.export",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who did it: a key over the API, Warden itself (the first admin key), or the command
/// line (`warden keys`). Stored as `key_…`, `system` or `cli`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AuditActor {
    System,
    Cli,
    Key(KeyId),
}

impl fmt::Display for AuditActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditActor::System => f.write_str("system"),
            AuditActor::Cli => f.write_str("cli"),
            AuditActor::Key(id) => f.write_str(id.as_str()),
        }
    }
}

impl TryFrom<String> for AuditActor {
    type Error = String;
    fn try_from(s: String) -> Result<AuditActor, String> {
        match s.as_str() {
            "system" => Ok(AuditActor::System),
            "cli" => Ok(AuditActor::Cli),
            _ => Ok(AuditActor::Key(s.parse()?)),
        }
    }
}

impl From<AuditActor> for String {
    fn from(a: AuditActor) -> String {
        a.to_string()
    }
}

impl From<Actor> for AuditActor {
    fn from(a: Actor) -> AuditActor {
        match a {
            Actor::System => AuditActor::System,
            Actor::Key(id) => AuditActor::Key(id),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: Timestamp,
    pub actor: AuditActor,
    pub action: AuditAction,
    /// What changed: a key id, a community id, or an erasure's receipt id.
    pub target: String,
    /// The community it concerns, when it concerns one (policies, wordlists, exports,
    /// erasures): who may read the record. A key's record is read by its scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityId>,
    /// What else the record needs to say, without personal data: a bulk decision's
    /// counts, the suggestion a policy came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditRecord {
    pub fn new(
        at: Timestamp,
        actor: impl Into<AuditActor>,
        action: AuditAction,
        target: &str,
    ) -> AuditRecord {
        AuditRecord {
            at,
            actor: actor.into(),
            action,
            target: target.to_string(),
            community: None,
            detail: None,
        }
    }

    /// The same record, saying `detail`.
    pub fn detail(mut self, detail: impl Into<String>) -> AuditRecord {
        self.detail = Some(detail.into());
        self
    }

    /// The same record, about `community`.
    pub fn about(mut self, community: &CommunityId) -> AuditRecord {
        self.community = Some(community.clone());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records written before the types existed read back unchanged.
    #[test]
    fn stored_records_keep_their_shape() {
        let json = r#"{"at":"2024-01-01T00:00:00.000Z","actor":"cli","action":"key.revoke","target":"key_x"}"#;
        let record: AuditRecord = serde_json::from_str(json).expect("reads");
        assert_eq!(record.actor, AuditActor::Cli);
        assert_eq!(record.action, AuditAction::KeyRevoke);
        assert_eq!(serde_json::to_string(&record).expect("writes"), json);
    }
}
