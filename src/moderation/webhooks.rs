//! Webhooks: registering endpoints (admin), reading their delivery log, sending a
//! delivery again, and the delivery worker that turns the durable outbox into signed
//! HTTP requests (see `domain::webhook` for what is sent and how it is signed).
//!
//! ```text
//!  item step (store) ──► outbox ──fan_out──► deliveries (pending) ──deliver_due──► POST
//!                         seq n              one per subscribed       signed, retried
//!                                            webhook, + cursor        with backoff
//! ```
//!
//! The worker runs on a thread of its own, never on a request's path: a slow or dead
//! receiver delays only other deliveries. An event is delivered at least once: fan-out
//! and its cursor move in one store step; a delivery is marked delivered after the
//! receiver's 2xx, so a crash in between sends it again with the same `webhook-id`.

use std::collections::HashSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::clock::Timestamp;
use crate::config::WebhooksConfig;
use crate::domain::audit::{AuditAction, AuditActor, AuditRecord};
use crate::domain::privacy::Personal;
use crate::domain::webhook::{
    is_private_destination, message_id, signature, Delivery, DeliveryStatus, EventType, Secret,
    Webhook, WebhookId,
};
use crate::failure::Failure;
use crate::ids::{CommunityId, ItemId, KeyId};
use crate::store::Store;

/// Most webhooks one community may have.
pub const MAX_PER_COMMUNITY: usize = 10;

/// What an admin asks for.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub community: CommunityId,
    pub url: String,
    pub events: Vec<EventType>,
}

/// Checks a destination URL: `http` or `https`, a host, no credentials, and (unless
/// private destinations are allowed) not an address inside Warden's network. A host name
/// is checked again at every delivery, where it is resolved.
pub fn check_url(url: &str, config: &WebhooksConfig) -> Result<url::Url, Failure> {
    let bad = |why: &str| Failure::invalid_field("url", why);
    let parsed = url::Url::parse(url).map_err(|_| bad("must be an absolute URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must be http or https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "must not hold credentials: sign with the secret instead",
        ));
    }
    let private = match parsed.host() {
        None => return Err(bad("must name a host")),
        Some(url::Host::Ipv4(ip)) => is_private_destination(ip.into()),
        Some(url::Host::Ipv6(ip)) => is_private_destination(ip.into()),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
    };
    if private && !config.allow_private_destinations {
        return Err(bad(
            "is a loopback, private or link-local address (see `webhooks.allow_private_destinations`)",
        ));
    }
    if url.len() > 2048 {
        return Err(bad("must be at most 2048 characters"));
    }
    Ok(parsed)
}

/// Registers a webhook; returns it with its secret, which is shown only now. Blocking.
pub fn create(
    store: &dyn Store,
    config: &WebhooksConfig,
    new: NewWebhook,
    actor: &KeyId,
    now: Timestamp,
) -> Result<(Webhook, Secret), Failure> {
    check_url(&new.url, config)?;
    let mut events = new.events;
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(Failure::invalid_field(
            "events",
            "must name at least one event",
        ));
    }
    let active = list(store, &new.community)?;
    if active.len() >= MAX_PER_COMMUNITY {
        return Err(Failure::unprocessable(format!(
            "a community may have at most {MAX_PER_COMMUNITY} webhooks"
        )));
    }
    let secret = Secret::random();
    let hook = Webhook {
        id: WebhookId::random(),
        community: new.community,
        url: new.url,
        events,
        secret: Personal::Plain(secret.clone()),
        created_at: now,
        created_by: actor.clone(),
        // Only what is committed from now on: a new endpoint is not flooded with history.
        from_seq: store.outbox_seq()?,
        deleted_at: None,
    };
    let audit = AuditRecord::new(
        now,
        AuditActor::Key(actor.clone()),
        AuditAction::WebhookCreate,
        hook.id.as_str(),
    )
    .about(&hook.community);
    store.put_webhook(&hook, &audit)?;
    Ok((hook, secret))
}

/// A community's active webhooks, oldest first, secrets removed. Blocking.
pub fn list(store: &dyn Store, community: &CommunityId) -> Result<Vec<Webhook>, Failure> {
    let mut hooks: Vec<Webhook> = store
        .webhooks()?
        .into_iter()
        .filter(|h| h.community == *community && h.deleted_at.is_none())
        .map(|mut h| {
            h.secret = Personal::Removed;
            h
        })
        .collect();
    hooks.sort_by_key(|h| h.created_at);
    Ok(hooks)
}

fn find(store: &dyn Store, community: &CommunityId, id: &WebhookId) -> Result<Webhook, Failure> {
    store
        .webhooks()?
        .into_iter()
        .find(|h| h.id == *id && h.community == *community && h.deleted_at.is_none())
        .ok_or_else(|| Failure::not_found("webhook"))
}

/// Deletes a webhook: nothing more is fanned out to it, pending deliveries fail. Blocking.
pub fn delete(
    store: &dyn Store,
    community: &CommunityId,
    id: &WebhookId,
    actor: &KeyId,
    now: Timestamp,
) -> Result<(), Failure> {
    let mut hook = find(store, community, id)?;
    hook.deleted_at = Some(now);
    let audit = AuditRecord::new(
        now,
        AuditActor::Key(actor.clone()),
        AuditAction::WebhookDelete,
        hook.id.as_str(),
    )
    .about(community);
    store.put_webhook(&hook, &audit)
}

/// A page of a webhook's delivery log, by outbox seq. Blocking.
pub fn deliveries(
    store: &dyn Store,
    community: &CommunityId,
    id: &WebhookId,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<Delivery>, Failure> {
    find(store, community, id)?;
    store.deliveries(id, after, limit)
}

/// Sends a delivery again (pending, due now, a fresh set of attempts). Blocking.
pub fn retry(
    store: &dyn Store,
    community: &CommunityId,
    id: &WebhookId,
    seq: u64,
    actor: &KeyId,
    now: Timestamp,
) -> Result<Delivery, Failure> {
    find(store, community, id)?;
    let mut delivery = store
        .deliveries(id, seq.checked_sub(1), 1)?
        .into_iter()
        .find(|d| d.seq == seq)
        .ok_or_else(|| Failure::not_found("delivery"))?;
    delivery.retry(now);
    let target = format!("{id}/{seq}");
    let audit = AuditRecord::new(
        now,
        AuditActor::Key(actor.clone()),
        AuditAction::WebhookRetry,
        &target,
    )
    .about(community);
    store.put_audit(&audit)?;
    store.put_deliveries(std::slice::from_ref(&delivery), None)?;
    Ok(delivery)
}

/// Turns outbox events after the fan-out cursor into pending deliveries, one per
/// subscribed webhook, moving the cursor (and dropping the outbox entries behind it) in
/// the same store step. The events read are made durable first, so nothing is announced
/// that a crash could take back. Returns how many events it handled. Blocking.
pub fn fan_out(store: &dyn Store, now: Timestamp) -> Result<usize, Failure> {
    let cursor = store.fanout_cursor()?;
    let events = store.outbox(cursor, 500)?;
    let Some((last, _)) = events.last() else {
        return Ok(0);
    };
    let last = *last;
    let hooks = store.webhooks()?;
    let mut deliveries = Vec::new();
    for (seq, event) in &events {
        for hook in hooks.iter().filter(|h| h.wants(*seq, event)) {
            deliveries.push(Delivery::new(hook, *seq, event, now));
        }
    }
    if !deliveries.is_empty() {
        // Nothing is announced that a crash could take back. (Without subscribers the
        // cursor just moves on: no flush on the submission path's account.)
        store.flush()?;
    }
    store.put_deliveries(&deliveries, Some(last))?;
    Ok(events.len())
}

/// One HTTP attempt's result: the status code if a response came, else why not.
pub type Attempt = (Option<u16>, Option<String>);

/// Sends a signed request; the worker's only I/O (a trait so tests can count calls).
pub trait Sender: Send + Sync {
    fn post(&self, url: &str, headers: &[(&str, String)], body: &[u8]) -> Attempt;
}

/// Attempts the due pending deliveries, oldest first, keeping each item's deliveries to
/// a webhook in order (a later one waits while an earlier one is pending). Returns how
/// many attempts it made. Blocking.
pub fn deliver_due(
    store: &dyn Store,
    sender: &dyn Sender,
    now: Timestamp,
) -> Result<usize, Failure> {
    let pending = store.pending_deliveries(1000)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let hooks = store.webhooks()?;
    let mut blocked: HashSet<(WebhookId, ItemId)> = HashSet::new();
    let mut attempts = 0;
    for mut d in pending {
        let key = d.item_id.map(|i| (d.webhook.clone(), i));
        if key.as_ref().is_some_and(|k| blocked.contains(k)) {
            continue;
        }
        if d.next_try_at.is_some_and(|t| t > now) {
            blocked.extend(key);
            continue;
        }
        let hook = hooks.iter().find(|h| h.id == d.webhook);
        let secret = hook.and_then(|h| h.secret.plain());
        let (Some(hook), Some(secret)) = (hook.filter(|h| h.deleted_at.is_none()), secret) else {
            d.status = DeliveryStatus::Failed;
            d.next_try_at = None;
            d.last_error = Some("the webhook was deleted".into());
            store.put_deliveries(std::slice::from_ref(&d), None)?;
            continue;
        };
        let body = d.event.body(d.seq);
        let id = message_id(d.seq);
        let at = Timestamp::now().millis() / 1000;
        let headers = [
            ("webhook-id", id.clone()),
            ("webhook-timestamp", at.to_string()),
            ("webhook-signature", signature(secret, &id, at, &body)),
        ];
        let (status, error) = sender.post(&hook.url, &headers, &body);
        attempts += 1;
        d.attempted(Timestamp::now(), status, error, rand::random::<f64>());
        if d.status != DeliveryStatus::Delivered {
            blocked.extend(key);
        }
        store.put_deliveries(std::slice::from_ref(&d), None)?;
    }
    Ok(attempts)
}

/// The real sender: `ureq` with a bounded timeout, no redirects, and a resolver that
/// refuses private destinations unless allowed (checked on the addresses actually
/// connected to, so a name cannot be re-pointed inside after creation).
pub struct HttpSender {
    agent: ureq::Agent,
}

impl HttpSender {
    pub fn new(config: &WebhooksConfig) -> HttpSender {
        let allow_private = config.allow_private_destinations;
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(config.timeout_seconds.max(1)))
            .redirects(0)
            .user_agent("warden-webhooks")
            .resolver(move |addr: &str| -> std::io::Result<Vec<SocketAddr>> {
                let all: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
                let allowed: Vec<SocketAddr> = all
                    .into_iter()
                    .filter(|a| allow_private || !is_private_destination(a.ip()))
                    .collect();
                if allowed.is_empty() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        "the destination resolves only to private addresses",
                    ));
                }
                Ok(allowed)
            })
            .build();
        HttpSender { agent }
    }
}

impl Sender for HttpSender {
    fn post(&self, url: &str, headers: &[(&str, String)], body: &[u8]) -> Attempt {
        let mut request = self.agent.post(url).set("content-type", "application/json");
        for (name, value) in headers {
            request = request.set(name, value);
        }
        match request.send_bytes(body) {
            Ok(response) => (Some(response.status()), None),
            Err(ureq::Error::Status(code, _)) => (Some(code), Some(format!("HTTP {code}"))),
            // The transport error's kind, not its text: that may quote the URL.
            Err(ureq::Error::Transport(t)) => (None, Some(format!("{:?}", t.kind()))),
        }
    }
}
