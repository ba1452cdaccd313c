//! The role matrix's fixtures (`matrix.rs`, also driven by `openapi.rs`): keys with scope
//! `*` and the items, leases, removals and webhook deliveries an endpoint needs to exist
//! before it is called.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::json;

use super::{Server, ADMIN};

/// Keys with scope `*` used to set up fixtures.
pub(super) struct Ctx {
    pub(super) s: Server,
    pub(super) ingest: String,
    pub(super) moderator: String,
    n: AtomicU32,
}

impl Ctx {
    /// The fixtures' keys on `s`.
    pub(super) fn new(s: Server) -> Ctx {
        let ingest = s.key("ingest", &["*"]);
        let moderator = s.key("moderator", &["*"]);
        Ctx {
            s,
            ingest,
            moderator,
            n: AtomicU32::new(0),
        }
    }

    pub(super) fn unique(&self) -> String {
        format!("m{}", self.n.fetch_add(1, Ordering::Relaxed))
    }

    /// Leases every waiting item of `community` to the fixture moderator, so the next
    /// claim in it returns the next item created.
    pub(super) fn drain(&self, community: &str) {
        loop {
            let r = self.s.post(
                "/v1/queue/claim",
                &self.moderator,
                json!({"community": community, "limit": 100}),
            );
            assert_eq!(r.status, 200, "{r:?}");
            if r.body["items"].as_array().unwrap().is_empty() {
                return;
            }
        }
    }

    pub(super) fn review_item(&self, community: &str) -> String {
        let id = self.unique();
        self.s.queued(&self.ingest, community, &id)
    }

    /// Who [`Ctx::leased_item`] leases to: `key` if it may claim in `community`, else the
    /// fixture moderator.
    pub(super) fn claimer(&self, community: &str, key: Option<&str>, role: Option<&str>) -> String {
        match (role, key) {
            (Some("admin" | "moderator"), Some(key)) if community == "a" => key.to_string(),
            _ => self.moderator.clone(),
        }
    }

    /// An item waiting in `community`, leased to `key` if `key` may claim there, else to
    /// the fixture moderator.
    pub(super) fn leased_item(
        &self,
        community: &str,
        key: Option<&str>,
        role: Option<&str>,
    ) -> String {
        self.drain(community);
        let item = self.review_item(community);
        let claimer = self.claimer(community, key, role);
        let r = self.s.post(
            "/v1/queue/claim",
            &claimer,
            json!({"community": community, "limit": 1}),
        );
        assert_eq!(r.body["items"][0]["item_id"], item.as_str(), "{r:?}");
        item
    }

    /// An item removed by a moderator (so appealable). Decided by the bootstrap admin, which
    /// needs no lease, so the queue's leases are untouched.
    pub(super) fn removed_item(&self, community: &str) -> String {
        let item = self.review_item(community);
        let r = self.s.post(
            &format!("/v1/items/{item}/decision"),
            ADMIN,
            json!({"action": "remove", "reason": "spam"}),
        );
        assert_eq!(
            (r.status, r.body["outcome"].as_str()),
            (200, Some("remove")),
            "{r:?}"
        );
        item
    }
}

impl Ctx {
    /// A webhook of `community` (to a destination that never answers), subscribed to
    /// auto-decisions; the caller deletes it.
    pub(super) fn webhook(&self, community: &str) -> String {
        let r = self.s.post(
            &format!("/v1/communities/{community}/webhooks"),
            ADMIN,
            json!({"url": "http://example.invalid/hook", "events": ["item.auto_decided"]}),
        );
        assert_eq!(r.status, 201, "{r:?}");
        r.body["webhook_id"].as_str().unwrap().to_string()
    }

    /// The seq of a delivery to webhook `id`: an auto-decided item, then the fan-out.
    pub(super) fn delivery(&self, community: &str, id: &str) -> u64 {
        let r = self.s.post(
            "/v1/content",
            &self.ingest,
            json!({"community": community, "content_id": self.unique(), "author_id": "u", "text": "hello"}),
        );
        assert_eq!(r.status, 201, "{r:?}");
        for _ in 0..200 {
            let d = self.s.get(
                &format!("/v1/communities/{community}/webhooks/{id}/deliveries"),
                ADMIN,
            );
            if let Some(seq) = d.body["deliveries"][0]["seq"].as_u64() {
                return seq;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("no delivery was fanned out");
    }
}
