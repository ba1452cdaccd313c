//! Webhooks: what Warden tells a platform when something is decided, in the shape of the
//! Standard Webhooks specification (<https://www.standardwebhooks.com>), and the rules of
//! delivering it.
//!
//! * **What**: an [`OutboxEvent`] per decision-like item event ([`outbox_events`]), and one
//!   per erasure. It carries ids, actions, outcomes, labels, report reasons and times;
//!   never text, author or reporter ids, moderators' remarks, or anything about an erased
//!   subject but the receipt id. The store writes it to a durable outbox in the same
//!   atomic step as the change (see `consequences`).
//! * **To whom**: each active [`Webhook`] of the event's community subscribed to its
//!   type gets a [`Delivery`], in outbox order.
//! * **Signed**: `webhook-id` (the outbox sequence, `evt_<n>`: the same on every retry, so
//!   receivers deduplicate on it), `webhook-timestamp` (Unix seconds of the attempt) and
//!   `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`
//!   ([`signature`]); the secret is `whsec_` and base64 of 24 random bytes, as the
//!   specification's libraries expect. Receivers should refuse timestamps more than five
//!   minutes away from their clock (the specification's replay window).
//! * **When**: at least once, retried with exponential backoff and jitter ([`backoff`])
//!   for about a day, then `failed` (a dead letter an admin can retry).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::event::{Event, EventKind};
use crate::domain::item::{AppealResult, DecisionAction, Item, Outcome};
use crate::domain::notice::{ReportId, ReportOutcome, ReportReason};
use crate::domain::privacy::crypto::hmac_sha256;
use crate::domain::privacy::Personal;
use crate::ids::{CommunityId, ContentId, ItemId, KeyId};

/// The kinds of events a webhook can subscribe to. The names are API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[schema(as = WebhookEventType)]
pub enum EventType {
    /// Warden's policy decided on submission (allow, label or remove).
    #[serde(rename = "item.auto_decided")]
    ItemAutoDecided,
    /// A moderator decided (not on an appeal).
    #[serde(rename = "item.decided")]
    ItemDecided,
    /// A moderator took their decision back.
    #[serde(rename = "item.undone")]
    ItemUndone,
    /// A moderator decided an appeal (upheld or reversed).
    #[serde(rename = "appeal.decided")]
    AppealDecided,
    /// A user report was resolved: tell the notifier (DSA Art. 16(5)).
    #[serde(rename = "report.resolved")]
    ReportResolved,
    /// An author's data was erased in the community.
    #[serde(rename = "subject.erased")]
    SubjectErased,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::ItemAutoDecided,
        EventType::ItemDecided,
        EventType::ItemUndone,
        EventType::AppealDecided,
        EventType::ReportResolved,
        EventType::SubjectErased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ItemAutoDecided => "item.auto_decided",
            EventType::ItemDecided => "item.decided",
            EventType::ItemUndone => "item.undone",
            EventType::AppealDecided => "appeal.decided",
            EventType::ReportResolved => "report.resolved",
            EventType::SubjectErased => "subject.erased",
        }
    }
}

impl FromStr for EventType {
    type Err = String;
    fn from_str(s: &str) -> Result<EventType, String> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            })
    }
}

/// One event for the platform, as the outbox holds it: no personal data (module docs).
/// Its sequence number is the outbox key, assigned by the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = WebhookEvent)]
pub struct OutboxEvent {
    #[serde(rename = "type")]
    pub kind: EventType,
    pub community: CommunityId,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<ContentId>,
    /// The item event's seq (for ordering and lookups in the item's history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<DecisionAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<ReportId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_reason: Option<ReportReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_outcome: Option<ReportOutcome>,
    /// `subject.erased`: the erasure receipt's id (never the author id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
}

impl OutboxEvent {
    fn new(kind: EventType, community: CommunityId, at: Timestamp) -> OutboxEvent {
        OutboxEvent {
            kind,
            community,
            at,
            item_id: None,
            content_id: None,
            event_seq: None,
            action: None,
            outcome: None,
            previous_outcome: None,
            labels: Vec::new(),
            appeal: None,
            report_id: None,
            report_reason: None,
            report_outcome: None,
            receipt_id: None,
        }
    }

    /// The `subject.erased` event of an erasure with receipt `receipt_id`.
    pub fn erased(community: &CommunityId, receipt_id: &str, at: Timestamp) -> OutboxEvent {
        OutboxEvent {
            receipt_id: Some(receipt_id.to_string()),
            ..OutboxEvent::new(EventType::SubjectErased, community.clone(), at)
        }
    }

    /// The Standard Webhooks body: `{type, timestamp, data}`; `data` holds the fields
    /// above but `type`.
    pub fn body(&self, seq: u64) -> Vec<u8> {
        let mut data = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = data.as_object_mut() {
            map.remove("type");
            map.insert("event_id".into(), message_id(seq).into());
        }
        let body = serde_json::json!({
            "type": self.kind.as_str(),
            "timestamp": self.at.to_string(),
            "data": data,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// The outbox events an item's change leads to (its `events`, numbered, on `after`).
pub fn outbox_events(after: &Item, events: &[Event]) -> Vec<OutboxEvent> {
    let mut out = Vec::new();
    for e in events {
        let kind = match e.kind {
            EventKind::AutoDecided => EventType::ItemAutoDecided,
            EventKind::Decided if e.appeal.is_some() => EventType::AppealDecided,
            EventKind::Reversed => EventType::AppealDecided,
            EventKind::Decided | EventKind::Escalated => EventType::ItemDecided,
            EventKind::Undone => EventType::ItemUndone,
            EventKind::ReportResolved => EventType::ReportResolved,
            _ => continue,
        };
        out.push(OutboxEvent {
            item_id: Some(after.id),
            content_id: Some(after.content_id.clone()),
            event_seq: Some(e.seq),
            action: e.action,
            outcome: e.outcome,
            previous_outcome: e.previous_outcome,
            // Labels are policy vocabulary; moderators' reasons and notes are free text
            // that may quote the content, so they stay out.
            labels: e.labels.clone(),
            appeal: e.appeal,
            report_id: e.report_id.clone(),
            report_reason: e.report_reason,
            report_outcome: e.report_outcome,
            ..OutboxEvent::new(kind, after.community.clone(), e.at)
        });
    }
    out
}

/// `evt_<outbox seq>`: the `webhook-id` of every attempt to deliver the event.
pub fn message_id(seq: u64) -> String {
    format!("evt_{seq}")
}

pub use crate::ids::WebhookId;

/// A signing secret: `whsec_` and base64 of 24 random bytes. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn random() -> Secret {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        Secret(format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key bytes the signature uses (the base64 after `whsec_`).
    fn key(&self) -> Vec<u8> {
        let b64 = self.0.strip_prefix("whsec_").unwrap_or(&self.0);
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_else(|_| self.0.as_bytes().to_vec())
    }
}

/// `v1,<base64 HMAC-SHA256(key, "<msg_id>.<timestamp>.<body>")>` (Standard Webhooks).
pub fn signature(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{msg_id}.{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    let mac = hmac_sha256(&secret.key(), &message);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac)
    )
}

/// An endpoint a community's admin registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub community: CommunityId,
    pub url: String,
    pub events: Vec<EventType>,
    /// Needed in plain to sign, so it is sealed (under the store's log key), not hashed;
    /// shown once, on creation, and never logged.
    pub secret: Personal<Secret>,
    pub created_at: Timestamp,
    pub created_by: KeyId,
    /// Events committed after this outbox seq are delivered to it.
    pub from_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
}

impl Webhook {
    /// Whether `event` (outbox seq `seq`) goes to this endpoint.
    pub fn wants(&self, seq: u64, event: &OutboxEvent) -> bool {
        self.deleted_at.is_none()
            && seq > self.from_seq
            && event.community == self.community
            && self.events.contains(&event.kind)
    }
}

/// Where a delivery stands. The names are API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Retries ran out (a dead letter); `POST …:retry` sends it again.
    Failed,
}

/// One event's delivery to one webhook. Its id is the event's outbox seq (unique per
/// webhook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub webhook: WebhookId,
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Deliveries for one item go in order: a later one waits for an earlier pending one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
    pub status: DeliveryStatus,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// Why the last attempt failed, without the URL's query or any secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Timestamp>,
    /// When the next attempt is due, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_try_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// What is sent: a delivery carries its event, so the outbox entry can go once it
    /// was fanned out.
    pub event: OutboxEvent,
}

impl Delivery {
    pub fn new(webhook: &Webhook, seq: u64, event: &OutboxEvent, now: Timestamp) -> Delivery {
        Delivery {
            webhook: webhook.id.clone(),
            seq,
            kind: event.kind,
            item_id: event.item_id,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            last_attempt_at: None,
            next_try_at: Some(now),
            created_at: now,
            event: event.clone(),
        }
    }

    /// Records an attempt at `now`: delivered on a 2xx, else retried after [`backoff`]
    /// (`jitter` in 0..1) or, when retries ran out, failed.
    pub fn attempted(
        &mut self,
        now: Timestamp,
        status: Option<u16>,
        error: Option<String>,
        jitter: f64,
    ) {
        self.attempts += 1;
        self.last_status = status;
        self.last_error = error;
        self.last_attempt_at = Some(now);
        if status.is_some_and(|s| (200..300).contains(&s)) {
            self.status = DeliveryStatus::Delivered;
            self.next_try_at = None;
            self.last_error = None;
            return;
        }
        match backoff(self.attempts, jitter) {
            Some(ms) => {
                self.next_try_at = Some(Timestamp::from_millis(now.millis() + ms));
            }
            None => {
                self.status = DeliveryStatus::Failed;
                self.next_try_at = None;
            }
        }
    }

    /// An admin asks for it again: pending, due now, with a fresh set of retries.
    pub fn retry(&mut self, now: Timestamp) {
        self.status = DeliveryStatus::Pending;
        self.attempts = 0;
        self.next_try_at = Some(now);
    }
}

/// Attempts before a delivery fails: with [`backoff`], 12 to 24 hours of trying (17 min
/// of doubling, then hourly).
pub const MAX_ATTEMPTS: u32 = 36;

/// Milliseconds to wait after failed attempt `attempt` (from 1), or `None` when it was the
/// last: `1 s × 2^(attempt−1)`, capped at an hour, times `0.5 + jitter/2` so a crowd of
/// deliveries that failed together spreads out. Sums to about a day over
/// [`MAX_ATTEMPTS`] (half a day to a day, by the jitter).
pub fn backoff(attempt: u32, jitter: f64) -> Option<i64> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let base = 1000i64.saturating_mul(1i64 << attempt.saturating_sub(1).min(30));
    let capped = base.min(3_600_000) as f64;
    Some((capped * (0.5 + jitter.clamp(0.0, 1.0) / 2.0)).round() as i64)
}

/// Whether a destination address is one a webhook may not reach unless
/// `webhooks.allow_private_destinations` is on: loopback, private (RFC 1918, unique
/// local), carrier-grade NAT, link-local (which holds the cloud metadata address
/// 169.254.169.254), unspecified, broadcast and multicast, IPv4-mapped ones included.
pub fn is_private_destination(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_destination(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn private_destinations() {
        let cases = [
            ("127.0.0.1", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("0.0.0.0", true),
            ("::1", true),
            ("fd00::1", true),
            ("fe80::1", true),
            ("::ffff:127.0.0.1", true),
            ("93.184.216.34", false),
            ("2606:2800:220:1::1", false),
        ];
        for (ip, private) in cases {
            assert_eq!(is_private_destination(ip.parse().unwrap()), private, "{ip}");
        }
    }

    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The specification's reference test vector (svix / standard-webhooks libraries).
        let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let body = br#"{"test": 2432232314}"#;
        let sig = signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn backoff_grows_caps_and_ends_after_about_a_day() {
        assert_eq!(backoff(1, 1.0), Some(1000));
        assert_eq!(backoff(2, 1.0), Some(2000));
        assert_eq!(backoff(1, 0.0), Some(500));
        assert_eq!(backoff(30, 1.0), Some(3_600_000));
        let total: i64 = (1..MAX_ATTEMPTS).filter_map(|a| backoff(a, 1.0)).sum();
        let hours = total as f64 / 3_600_000.0;
        assert!((20.0..30.0).contains(&hours), "{hours} h");
        assert_eq!(backoff(MAX_ATTEMPTS, 0.5), None);
    }

    #[test]
    fn attempts_deliver_retry_and_fail() {
        let now = Timestamp::from_millis(0);
        let mut d = Delivery {
            webhook: WebhookId::random(),
            seq: 1,
            kind: EventType::ItemDecided,
            item_id: None,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            last_attempt_at: None,
            next_try_at: Some(now),
            created_at: now,
            event: OutboxEvent::erased(&"c".parse().unwrap(), "r", now),
        };
        d.attempted(now, Some(500), None, 1.0);
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!(d.next_try_at, Some(Timestamp::from_millis(1000)));
        d.attempted(now, Some(204), None, 1.0);
        assert_eq!(d.status, DeliveryStatus::Delivered);
        d.retry(now);
        for _ in 0..MAX_ATTEMPTS {
            d.attempted(now, None, Some("connection refused".into()), 0.0);
        }
        assert_eq!(d.status, DeliveryStatus::Failed);
        assert_eq!(d.next_try_at, None);
    }

    #[test]
    fn event_types_round_trip() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
    }
}
