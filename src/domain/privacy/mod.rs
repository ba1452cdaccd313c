//! Personal data: how Warden holds it, shows it, keeps it and lets it go.
//!
//! * **Subjects and keys** (the vault, `store::vault`): an author in a community is a
//!   *subject*, named inside Warden by a keyed hash ([`SubjectId`]) rather than the raw
//!   id, with its own encryption key in a file of its own outside sled.
//! * **Sealing** ([`Personal`]): text, context, appeal statements and author ids are
//!   sealed under the subject's key before they reach sled, and opened only to be shown.
//!   Destroying the key is erasure.
//! * **Redaction** ([`redact`]): moderator-facing responses mask emails, phone numbers and
//!   the other `pii` spans unless revealing is asked for, and audited.
//! * **Retention and erasure** run in the store, where text lives (what they change on an
//!   item is decided here, [`Item::expire_text`], [`Item::erase`]): a sweeper
//!   drops text a community's `retention_days` after its final decision; an erasure
//!   (GDPR Art. 17) destroys the subject's key, removes their text and identifiers from
//!   every tree and index, keeps anonymized decision records, and returns a [`Receipt`].
//!   An export (GDPR Art. 15) returns everything held about an author ([`SubjectExport`]).
//!
//! The guarantees and their limits are in the README ("Privacy").

pub mod crypto;
pub mod redact;

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

pub use self::crypto::Key;

use crate::clock::Timestamp;
use crate::domain::event::Event;
use crate::domain::item::{AppealResult, Item, Outcome, Revision, Status};
use crate::domain::suppress::{Rule, RuleId, SubjectKind};
use crate::failure::Failure;
use crate::ids::{CommunityId, ContentId, ItemId, KeyId};
use crate::schema::{self, string_schema};
use crate::verdict::{Action, Verdict};

/// A subject's pseudonym: the first 128 bits of HMAC-SHA256(pseudonym key, community,
/// author id), shown as 32 hex digits. Stable for a data directory; meaningless without
/// its master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectId([u8; 16]);

impl SubjectId {
    pub(crate) fn from_mac(mac: &[u8; 32]) -> SubjectId {
        let mut id = [0u8; 16];
        id.copy_from_slice(&mac[..16]);
        SubjectId(id)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> SubjectId {
        SubjectId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl FromStr for SubjectId {
    type Err = String;
    fn from_str(s: &str) -> Result<SubjectId, String> {
        let mut bytes = [0u8; 16];
        if s.len() != 32 || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("must be 32 lowercase hex digits".into());
        }
        hex::decode_to_slice(s, &mut bytes).map_err(|_| "must be 32 lowercase hex digits")?;
        Ok(SubjectId(bytes))
    }
}

impl Serialize for SubjectId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SubjectId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SubjectId, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A piece of personal data inside a stored record.
///
/// In memory it is `Plain` only between the request that brought it and the store that
/// seals it, and after the store opened it for a response. It serializes only when
/// sealed (base64 of nonce and ciphertext) or removed (`null`): trying to store `Plain`
/// fails, so plaintext cannot reach the disk by a forgotten call.
#[derive(Clone, PartialEq)]
pub enum Personal<T> {
    Plain(T),
    Sealed(Vec<u8>),
    /// Dropped by retention or erasure, or its key is gone.
    Removed,
}

impl<T> Personal<T> {
    pub fn plain(&self) -> Option<&T> {
        match self {
            Personal::Plain(v) => Some(v),
            _ => None,
        }
    }

    pub fn into_plain(self) -> Option<T> {
        match self {
            Personal::Plain(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_removed(&self) -> bool {
        matches!(self, Personal::Removed)
    }
}

impl<T: Serialize + DeserializeOwned> Personal<T> {
    /// Seals a plain value under `key`, bound to `context`; with no key (the subject is
    /// erased) the value is dropped instead. Sealed and removed values stay as they are.
    pub fn seal(&mut self, key: Option<&Key>, context: &[u8]) -> Result<(), Failure> {
        if let Personal::Plain(value) = self {
            *self = match key {
                Some(key) => {
                    let bytes = serde_json::to_vec(value)
                        .map_err(|e| Failure::internal(format!("sealing: {:?}", e.classify())))?;
                    Personal::Sealed(key.seal(context, &bytes))
                }
                None => Personal::Removed,
            };
        }
        Ok(())
    }

    /// The value opened with `key`: plain, or removed when there is no key or it does not
    /// open (the subject was erased).
    pub fn open(&self, key: Option<&Key>, context: &[u8]) -> Personal<T>
    where
        T: Clone,
    {
        match self {
            Personal::Plain(v) => Personal::Plain(v.clone()),
            Personal::Removed => Personal::Removed,
            Personal::Sealed(bytes) => key
                .and_then(|k| k.open(context, bytes))
                .and_then(|plain| serde_json::from_slice(&plain).ok())
                .map_or(Personal::Removed, Personal::Plain),
        }
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Personal::Plain(_) => f.write_str("Plain(…)"),
            Personal::Sealed(b) => write!(f, "Sealed({} bytes)", b.len()),
            Personal::Removed => f.write_str("Removed"),
        }
    }
}

impl<T> Serialize for Personal<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Personal::Plain(_) => Err(serde::ser::Error::custom(
                "personal data must be sealed before it is stored",
            )),
            Personal::Sealed(bytes) => {
                s.serialize_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes))
            }
            Personal::Removed => s.serialize_none(),
        }
    }
}

impl<'de, T> Deserialize<'de> for Personal<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Personal<T>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(Personal::Removed),
            Some(s) => base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(s)
                .map(Personal::Sealed)
                .map_err(|_| serde::de::Error::custom("malformed sealed value")),
        }
    }
}

/// Why a text is no longer held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// The community's retention period after the final decision ran out.
    Retention,
    /// The author's data was erased.
    Erasure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Removal {
    pub reason: RemovalReason,
    pub at: Timestamp,
}

/// An erasure's receipt id: `rcp_` and 16 random hex digits. The audit log records it
/// (never the author id), so the receipt is the way back to the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReceiptId(String);

impl ReceiptId {
    pub fn random() -> ReceiptId {
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        ReceiptId(format!("rcp_{}", hex::encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_schema!(
    ReceiptId,
    schema::string("An erasure's receipt id.", Some("^rcp_[0-9a-f]{16}$"), None)
);

impl fmt::Display for ReceiptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who an erasure was about, as the API names subjects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptSubject {
    /// Always `author` today: an erasure is about an author in a community.
    pub kind: SubjectKind,
    pub community: CommunityId,
    pub id: String,
}

/// What `DELETE /v1/subjects/{author_id}` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// `rcp_` and 16 hex digits; the audit log records it (and not the author id).
    pub receipt_id: ReceiptId,
    pub subject: ReceiptSubject,
    pub community: CommunityId,
    /// Items whose text, context, statements and author reference were removed.
    pub items: u64,
    /// Revisions whose text was removed.
    pub revisions: u64,
    /// Whether a subject key existed and was destroyed.
    pub key_destroyed: bool,
    /// The suppression rules the erasure emitted (`profiling`, `ads_targeting` on the
    /// author); empty when an earlier erasure's rule is still active.
    pub rules: Vec<RuleId>,
    pub erased_at: Timestamp,
}

/// One revision in an export: the author's own text, unmasked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportRevision {
    pub revision: u32,
    pub submitted_at: Timestamp,
    /// `null` when retention dropped it.
    #[schema(required = true)]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
    pub verdict: Verdict,
    pub action: Action,
}

/// One item in an export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportItem {
    pub item_id: ItemId,
    pub community: CommunityId,
    pub content_id: ContentId,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_removed: Option<Removal>,
    pub revisions: Vec<ExportRevision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal: Option<ExportAppeal>,
    /// The item's history: what happened, when, by which key.
    pub events: Vec<crate::domain::event::Event>,
    /// The reports the subject made on the item (as a reporter), comments opened.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<ExportReport>,
}

/// A report the subject made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportReport {
    pub report_id: crate::domain::notice::ReportId,
    pub reason: crate::domain::notice::ReportReason,
    pub revision: u32,
    /// `null` when none was given, or it was dropped.
    #[schema(required = true)]
    pub comment: Option<String>,
    pub at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<crate::domain::notice::ReportOutcome>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportAppeal {
    /// `null` once removed.
    #[schema(required = true)]
    pub statement: Option<String>,
    pub at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<AppealResult>,
}

/// Everything Warden holds about an author in one community.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubjectExport {
    pub community: CommunityId,
    pub items: Vec<ExportItem>,
    /// The active suppression rules about the author or their content.
    pub rules: Vec<Rule>,
}

impl Item {
    /// Whether retention has run out on the text at `now`.
    pub fn is_text_due(&self, now: Timestamp) -> bool {
        self.status == Status::Decided && self.text_due_at.is_some_and(|t| t <= now)
    }

    /// Retention ran out: the appeal statement and the digest of the text go with the
    /// text (its revisions drop theirs with [`Revision::drop_text`]); the record stays.
    pub fn expire_text(&mut self, now: Timestamp) -> Vec<Event> {
        self.drop_text(RemovalReason::Retention, now);
        vec![Event::text_expired(now)]
    }

    /// `subject` was erased: if the current revision is theirs, their id, statement and
    /// text go. Every item holding their data gets the `erased` event.
    pub fn erase(&mut self, subject: &SubjectId, actor: &KeyId, now: Timestamp) -> Vec<Event> {
        if self.subject.as_ref() == Some(subject) {
            self.subject = None;
            self.author_id = Personal::Removed;
            self.drop_text(RemovalReason::Erasure, now);
        }
        // Reports the subject made stay, anonymous, for the counts; their comments go.
        for report in &mut self.reports {
            if report.reporter.as_ref() == Some(subject) {
                report.reporter = None;
                report.comment = report.comment.take().map(|_| Personal::Removed);
            }
        }
        vec![Event::erased(actor, now)]
    }

    fn drop_text(&mut self, reason: RemovalReason, now: Timestamp) {
        if let Some(appeal) = &mut self.appeal {
            appeal.statement = Personal::Removed;
        }
        // Report comments may quote the text: they go with it.
        for report in &mut self.reports {
            report.comment = report.comment.take().map(|_| Personal::Removed);
        }
        self.text_digest = None;
        self.text_removed = Some(Removal { reason, at: now });
    }
}

impl Revision {
    /// The text and context are no longer held (retention or erasure).
    pub fn drop_text(&mut self) {
        self.text = Personal::Removed;
        self.context = self.context.take().map(|_| Personal::Removed);
    }

    /// `subject` was erased: whether this revision was theirs (and is now anonymous).
    pub fn erase(&mut self, subject: &SubjectId) -> bool {
        if self.subject.as_ref() != Some(subject) {
            return false;
        }
        self.subject = None;
        self.drop_text();
        true
    }
}
