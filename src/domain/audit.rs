//! The audit log's vocabulary: who changed which configuration (keys, policies,
//! wordlists, erasures), kept forever like item events.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::domain::event::Actor;

/// A configuration change (keys, policies, wordlists), kept forever like item events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: Timestamp,
    /// A key id, `system`, or `cli` for `warden keys`.
    pub actor: String,
    /// `key.create`, `key.revoke`, `policy.put`, `wordlist.put`.
    pub action: String,
    /// What changed: a key id or a community id.
    pub target: String,
}

impl AuditRecord {
    pub fn new(at: Timestamp, actor: Actor, action: &str, target: &str) -> AuditRecord {
        AuditRecord::by(at, actor.to_string(), action, target)
    }

    pub fn by(at: Timestamp, actor: String, action: &str, target: &str) -> AuditRecord {
        AuditRecord {
            at,
            actor,
            action: action.to_string(),
            target: target.to_string(),
        }
    }
}
