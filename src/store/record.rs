//! What every backend stores the same way: records as JSON, the associated data that
//! binds a sealed field to its record, the keys of active suppression rules, and a
//! change-log entry with its subject sealed. Shared so that a record sealed by one
//! backend opens in another (`warden migrate-store` copies them verbatim).

use std::borrow::Borrow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::domain::item::{Item, Revision};
use crate::domain::privacy::{Key, Personal, SubjectId};
use crate::domain::suppress::{
    Cause, Current, Reason, Rule, RuleId, RuleState, Scope, Subject, SubjectKind, SubjectRef,
};
use crate::failure::Failure;
use crate::ids::{CommunityId, ItemId};

pub(crate) fn internal(err: impl std::fmt::Display) -> Failure {
    Failure::internal(format!("store: {err}"))
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Failure> {
    // The messages name the failing type, never a value.
    serde_json::to_vec(value).map_err(internal)
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    // serde's messages can quote the offending value, which may be user text: log only
    // where the record broke.
    serde_json::from_slice(bytes).map_err(|e| {
        internal(format_args!(
            "malformed stored record ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// The associated data that binds a sealed field to its record.
pub(crate) fn context(field: &str, id: &ItemId, revision: u32) -> Vec<u8> {
    format!("{field}:{id}:{revision}").into_bytes()
}

pub(crate) fn author_context(id: &ItemId) -> Vec<u8> {
    format!("author:{id}").into_bytes()
}

pub(crate) const RULE_SUBJECT: &[u8] = b"rule-subject";

/// The sealing context of a report's comment.
pub(crate) fn report_context(id: &ItemId, report: &crate::domain::notice::ReportId) -> Vec<u8> {
    let mut c = b"report:".to_vec();
    c.extend_from_slice(id.as_bytes());
    c.extend_from_slice(report.as_str().as_bytes());
    c
}

/// Opens an item's personal data for a response: the author id and appeal statement under
/// the author's key, report comments under their reporters' keys. `key_of` finds a
/// subject's key (`None` when erased); every backend opens through this.
pub(crate) fn open_item<K: Borrow<Key>>(
    item: &mut Item,
    key_of: impl Fn(&SubjectId) -> Result<Option<K>, Failure>,
) -> Result<(), Failure> {
    let key = item.subject.as_ref().map(&key_of).transpose()?.flatten();
    let key = key.as_ref().map(Borrow::borrow);
    item.author_id = item.author_id.open(key, &author_context(&item.id));
    let (id, revision) = (item.id, item.revision);
    if let Some(appeal) = &mut item.appeal {
        appeal.statement = appeal
            .statement
            .open(key, &context("appeal", &id, revision));
    }
    for report in &mut item.reports {
        let key = report.reporter.as_ref().map(&key_of).transpose()?.flatten();
        let context = report_context(&id, &report.id);
        report.comment = report
            .comment
            .take()
            .map(|c| c.open(key.as_ref().map(Borrow::borrow), &context));
    }
    Ok(())
}

/// Opens a revision's text and context under its subject's key (see [`open_item`]).
pub(crate) fn open_revision<K: Borrow<Key>>(
    id: &ItemId,
    mut revision: Revision,
    key_of: impl Fn(&SubjectId) -> Result<Option<K>, Failure>,
) -> Result<Revision, Failure> {
    let key = revision.subject.as_ref().map(key_of).transpose()?.flatten();
    let key = key.as_ref().map(Borrow::borrow);
    revision.text = revision
        .text
        .open(key, &context("text", id, revision.revision));
    revision.context = revision
        .context
        .map(|c| c.open(key, &context("context", id, revision.revision)));
    Ok(revision)
}

/// The sealing context of a webhook's signing secret.
pub(crate) const WEBHOOK_SECRET: &[u8] = b"webhook-secret";

/// The key of an item's content rule among the active rules.
pub(crate) fn content_rule_key(item: &ItemId, cause: Cause) -> Vec<u8> {
    let mut key = vec![b'c'];
    key.extend_from_slice(item.as_bytes());
    key.push(cause.tag());
    key
}

/// The key of an author rule among the active rules.
pub(crate) fn author_rule_key(subject: &SubjectId, cause: Cause) -> Vec<u8> {
    let mut key = vec![b'a'];
    key.extend_from_slice(subject.as_bytes());
    key.push(cause.tag());
    key
}

/// A change-log entry as stored: the subject id sealed under the vault's log key, so no
/// author id is ever plaintext in storage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredRule {
    pub(crate) seq: u64,
    pub(crate) rule_id: RuleId,
    pub(crate) kind: SubjectKind,
    pub(crate) community: CommunityId,
    pub(crate) id: Personal<SubjectRef>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) reason: Reason,
    pub(crate) created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires_at: Option<Timestamp>,
    pub(crate) state: RuleState,
    pub(crate) changed_at: Timestamp,
}

impl StoredRule {
    pub(crate) fn current(&self) -> Current {
        Current {
            scopes: self.scopes.clone(),
            reason: self.reason.clone(),
            expires_at: self.expires_at,
        }
    }

    /// The entry with its subject opened under the log key.
    pub(crate) fn open(self, log_key: &Key) -> Result<Rule, Failure> {
        let id = self
            .id
            .open(Some(log_key), RULE_SUBJECT)
            .into_plain()
            .ok_or_else(|| internal("a rule subject does not open"))?;
        Ok(Rule {
            seq: self.seq,
            rule_id: self.rule_id,
            subject: Subject {
                kind: self.kind,
                community: self.community,
                id,
            },
            scopes: self.scopes,
            reason: self.reason,
            created_at: self.created_at,
            expires_at: self.expires_at,
            state: self.state,
            changed_at: self.changed_at,
        })
    }
}
