//! Claiming: leasing the highest-priority waiting items to a moderator, and returning
//! expired leases to their queues. Each lease is one atomic read-check-write in the store,
//! so concurrent claimers never get the same item; concurrent claims of one queue and
//! scope on a node are made together ([`Claims`]).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::clock::Timestamp;
use crate::domain::event::Event;
use crate::domain::item::{is_lost_race, Item, QueueName, Revision};
use crate::domain::queue::{CommunityFilter, Cursor, QueueEntry};
use crate::failure::Failure;
use crate::ids::{CommunityId, KeyId};
use crate::moderation::items::{self, ItemRecord};
use crate::store::{ClaimedOpened, Store};
use crate::Code;

mod together;

pub use together::{ClaimTurn, Claims};

/// How many due leases one pass returns to their queues; the sweeper catches the rest.
const EXPIRE_BATCH: usize = 1000;

/// Returns items whose lease ran out to their queue, with an `expired` event each. Called
/// before queue reads and claims (see [`LeaseChecks`]) and periodically by the server.
pub fn expire_due(store: &dyn Store, now: Timestamp) -> Result<usize, Failure> {
    let mut expired = 0;
    for id in store.leases_due(now, EXPIRE_BATCH)? {
        match store.update(&id, &|item| item.expire(now)) {
            Ok(_) => expired += 1,
            // Decided or released since the index was read.
            Err(f) if is_lost_race(&f) || f.code() == Code::NotFound => {}
            Err(f) => return Err(f),
        }
    }
    Ok(expired)
}

/// How long after a look on this node a claim or a queue read does not look for expired
/// leases again. Looking is a store round trip: on PostgreSQL a third of a claim's, so
/// 16 moderators claiming spent a round trip per claim finding nothing. A lease that
/// ends is back in its queue at most this much later on the request path; the server's
/// sweeper returns any the requests leave.
pub const LOOK_AGAIN_AFTER_MS: i64 = 200;

/// When this node last looked for expired leases on the request path.
#[derive(Debug, Default)]
pub struct LeaseChecks {
    last: AtomicI64,
}

impl LeaseChecks {
    /// Whether a request at `now` looks for expired leases ([`expire_due`]): when no
    /// request on this node did within [`LOOK_AGAIN_AFTER_MS`] (or the clock went back).
    /// Of requests arriving together, one looks.
    pub fn due(&self, now: Timestamp) -> bool {
        let now = now.millis();
        let last = self.last.load(Ordering::Relaxed);
        let stale = now < last || now - last >= LOOK_AGAIN_AFTER_MS;
        stale
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// What a moderator asks for when claiming.
#[derive(Debug, Clone)]
pub struct ClaimOrder {
    pub queue: QueueName,
    /// The communities whose items the claim may take; `None`: every community.
    pub communities: Option<Vec<CommunityId>>,
    pub limit: usize,
    pub holder: KeyId,
    pub lease_seconds: u32,
}

impl ClaimOrder {
    /// The claim's scope, as queue reads take it.
    pub fn community_filter(&self) -> CommunityFilter<'_> {
        match &self.communities {
            None => CommunityFilter::All,
            Some(list) => CommunityFilter::Only(list),
        }
    }

    /// The claim made at `now`, as a change of each item it takes: leased to the holder
    /// for the order's lease.
    pub fn change(&self, now: Timestamp) -> impl Fn(&mut Item) -> Result<Vec<Event>, Failure> + '_ {
        let expires_at = now.plus_seconds(self.lease_seconds);
        move |item: &mut Item| item.claim(self.queue, &self.holder, now, expires_at)
    }
}

/// Leases up to `order.limit` of the highest-priority waiting items to the holder at
/// `now`, in one store step of its own: each lease is an atomic read-check-write, so
/// concurrent claimers never get the same item (whoever loses the race for one moves on
/// to the next). The revisions and keys come back with the claim: on PostgreSQL,
/// reading them after it cost three more round trips per claim. Blocking; the server
/// claims through [`claim_together`].
pub fn claim_alone(store: &dyn Store, order: &ClaimOrder, now: Timestamp) -> ClaimedOpened {
    store.claim_opened(
        order.queue,
        &order.community_filter(),
        order.limit,
        &order.change(now),
    )
}

/// As [`claim_alone`], together with the other claims of the same queue and scope waiting on
/// this node ([`Claims`]), and off the async executor.
pub async fn claim_together(
    claims: &Claims,
    store: Arc<dyn Store>,
    order: ClaimOrder,
    now: Timestamp,
) -> Result<Vec<ItemRecord>, Failure> {
    let claimed = claims.claim(order, now).await?;
    if !claimed.iter().any(|(item, _)| items::opening_reads(item)) {
        // Nothing to read: no hop to the blocking pool and back.
        return records(&*store, claimed);
    }
    tokio::task::spawn_blocking(move || records(&*store, claimed))
        .await
        .map_err(|e| Failure::internal(format!("blocking task: {e}")))?
}

/// Claimed items whole, for views.
fn records(
    store: &dyn Store,
    claimed: Vec<(Item, Option<Revision>)>,
) -> Result<Vec<ItemRecord>, Failure> {
    claimed
        .into_iter()
        .map(|(item, revision)| items::opened(store, item, revision))
        .collect()
}

/// A page of `queue`: the items waiting (unleased) after `cursor`, whole, highest
/// priority first, and the cursor of the next page if there is one. With
/// `reported_only`, the page keeps only items with open user reports (so it may hold
/// fewer than `limit` while more follow). Blocking.
pub fn waiting(
    store: &dyn Store,
    queue: QueueName,
    communities: &CommunityFilter<'_>,
    cursor: Option<Cursor>,
    limit: usize,
    reported_only: bool,
) -> Result<(Vec<ItemRecord>, Option<Cursor>), Failure> {
    let mut entries = store.queue(queue, communities, cursor, limit + 1)?;
    let more = entries.len() > limit;
    entries.truncate(limit);
    let mut out = Vec::with_capacity(entries.len());
    for entry in &entries {
        // Claimed or decided since the index was read: skip it.
        if let Some(item) = store.item(&entry.item_id)? {
            let reported = !item.open_reports().is_empty();
            if QueueEntry::of(&item).is_some() && (reported || !reported_only) {
                out.push(items::record(store, item)?);
            }
        }
    }
    let next = more
        .then(|| entries.last().map(QueueEntry::cursor))
        .flatten();
    Ok((out, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ItemId;

    /// Requests at these times (ms) look for expired leases, or not.
    #[test]
    fn a_node_looks_for_expired_leases_once_per_interval() {
        let checks = LeaseChecks::default();
        let cases: &[(i64, bool)] = &[
            (1_000, true),
            (1_000, false),
            (1_199, false),
            (1_200, true),
            (1_350, false),
            (1_401, true),
            // The clock went back: look, and count from there.
            (900, true),
            (1_000, false),
            (1_100, true),
        ];
        for (at, looks) in cases {
            assert_eq!(checks.due(Timestamp::from_millis(*at)), *looks, "at {at}");
        }
    }

    /// The store alone guarantees exclusive leases: 16 threads claim straight from the
    /// store (no server, no claim lock) and never share an item.
    #[test]
    fn concurrent_claims_never_share_an_item() {
        use std::collections::HashSet;
        use std::sync::Arc;

        use crate::domain::item::Submission;
        use crate::store::{verify, SledStore};

        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path(), 16 << 20).unwrap());
        let verdict = crate::Engine::builder()
            .build()
            .unwrap()
            .score("you are a f*cking idiot");
        let actor = KeyId::random();
        let batch: Vec<Submission> = (0..200)
            .map(|i| Submission {
                new_id: ItemId::random(),
                community: "c".parse().unwrap(),
                content_id: format!("{i}").parse().unwrap(),
                author_id: "a".parse().unwrap(),
                ownership_change: false,
                text: crate::ids::ContentText::new("t").unwrap(),
                context: None,
                verdict: verdict.clone(),
                action: crate::Action::Review,
                labels: Vec::new(),
                actor: actor.clone(),
                at: Timestamp::now(),
            })
            .collect();
        store.submit(&batch).unwrap();

        let threads: Vec<_> = (0..16)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let holder = KeyId::random();
                    let mut mine = Vec::new();
                    loop {
                        let claim = ClaimOrder {
                            queue: QueueName::Review,
                            communities: None,
                            limit: 2,
                            holder: holder.clone(),
                            lease_seconds: 60,
                        };
                        let got = claim_items(&*store, &claim);
                        if got.is_empty() {
                            return mine;
                        }
                        mine.extend(got);
                    }
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for t in threads {
            for id in t.join().unwrap() {
                assert!(seen.insert(id), "{id} leased twice");
            }
        }
        assert_eq!(seen.len(), 200);
        let report = verify(&*store).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }

    fn claim_items(store: &dyn Store, c: &ClaimOrder) -> Vec<ItemId> {
        claim_alone(store, c, Timestamp::now())
            .unwrap()
            .into_iter()
            .map(|(item, _)| item.id)
            .collect()
    }
}
