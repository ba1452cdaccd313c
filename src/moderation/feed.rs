//! The suppression feed: follows the rule change log up to what is durable, keeps the
//! active rules in memory for `:check`, and wakes the Server-Sent Events streams.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::suppress::{Rule, RuleId, RuleState, Scope, Subject};
use crate::failure::Failure;
use crate::ids::{CommunityId, ItemId};
use crate::moderation::items::{self, Access};
use crate::store::Store;

/// One subject the caller asked about that is suppressed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suppressed {
    pub subject: Subject,
    /// Every scope the subject's active rules cover.
    pub scopes: Vec<Scope>,
    /// The rules that suppress it in the scope asked about.
    pub rule_ids: Vec<RuleId>,
}

/// The active rules by subject: what `:check` reads.
#[derive(Default)]
struct Index {
    by_subject: HashMap<Subject, Vec<Rule>>,
    by_id: HashMap<RuleId, Subject>,
}

impl Index {
    fn apply(&mut self, rule: Rule) {
        if let Some(old) = self.by_id.remove(&rule.rule_id) {
            if let Some(list) = self.by_subject.get_mut(&old) {
                list.retain(|r| r.rule_id != rule.rule_id);
                if list.is_empty() {
                    self.by_subject.remove(&old);
                }
            }
        }
        if rule.state == RuleState::Active {
            self.by_id
                .insert(rule.rule_id.clone(), rule.subject.clone());
            self.by_subject
                .entry(rule.subject.clone())
                .or_default()
                .push(rule);
        }
    }
}

/// Which communities a reader may see: `None` for all.
pub type Visible<'a> = Option<&'a [CommunityId]>;

fn visible(v: Visible<'_>, community: &CommunityId) -> bool {
    v.is_none_or(|list| list.contains(community))
}

/// A page of the change log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RulePage)]
pub struct Page {
    pub rules: Vec<Rule>,
    /// Resume from here: the last seq examined (returned, or skipped because it belongs to
    /// a community the reader does not see), or `after` when there was nothing new.
    pub next: u64,
}

/// The most entries one feed read examines; a reader that sees few communities resumes
/// from `next` past the entries it skipped.
const MAX_SCAN: usize = 10_000;

/// The service's view of the change log: the durable watermark, the active-rule index,
/// and the signal that wakes feed streams.
pub struct Suppressions {
    index: RwLock<Index>,
    /// The last seq applied to the index.
    applied: Mutex<u64>,
    durable: watch::Sender<u64>,
}

impl Suppressions {
    /// Loads the active rules. Everything in the store when it is opened is on disk, so
    /// the whole log counts as durable. Blocking.
    pub fn load(store: &dyn Store) -> Result<Suppressions, Failure> {
        // The position first: on a shared store other nodes keep writing, and entries
        // after it are applied again by `advance` (each replaces its rule's state), so a
        // rule committed between the two reads is not missed.
        let last = store.rule_seq();
        let mut index = Index::default();
        for rule in store.active_rules()? {
            index.apply(rule);
        }
        Ok(Suppressions {
            index: RwLock::new(index),
            applied: Mutex::new(last),
            durable: watch::channel(last).0,
        })
    }

    /// The newest seq known durable.
    pub fn durable(&self) -> u64 {
        *self.durable.borrow()
    }

    /// Changes to [`Suppressions::durable`], for streams.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.durable.subscribe()
    }

    /// Everything up to `mark` is durable: applies those entries to the index, then
    /// announces them. Called by the group commit after each flush. Blocking.
    pub fn advance(&self, store: &dyn Store, mark: u64) -> Result<(), Failure> {
        let mut applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        while *applied < mark {
            let batch = store.rule_log(*applied, 1000)?;
            let Some(last) = batch.last().map(|r| r.seq) else {
                break;
            };
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            for rule in batch.into_iter().filter(|r| r.seq <= mark) {
                index.apply(rule);
            }
            *applied = last.min(mark);
        }
        let done = *applied;
        drop(applied);
        self.durable.send_if_modified(|d| {
            let changed = done > *d;
            *d = (*d).max(done);
            changed
        });
        Ok(())
    }

    /// The change log after `after`, up to `limit` entries the reader may see, durable
    /// ones only. Blocking.
    pub fn page(
        &self,
        store: &dyn Store,
        after: u64,
        limit: usize,
        communities: Visible<'_>,
    ) -> Result<Page, Failure> {
        let durable = self.durable();
        let mut rules = Vec::new();
        let mut next = after;
        let mut scanned = 0;
        while rules.len() < limit && next < durable && scanned < MAX_SCAN {
            let want = (limit - rules.len()).max(64).min(MAX_SCAN - scanned);
            let batch = store.rule_log(next, want)?;
            if batch.is_empty() {
                break;
            }
            for rule in batch {
                if rule.seq > durable || rules.len() >= limit {
                    return Ok(Page { rules, next });
                }
                scanned += 1;
                next = rule.seq;
                if visible(communities, &rule.subject.community) {
                    rules.push(rule);
                }
            }
        }
        Ok(Page { rules, next })
    }

    /// Which `subjects` are suppressed in `scope` now.
    pub fn check(&self, scope: Scope, subjects: &[Subject], now: Timestamp) -> Vec<Suppressed> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for subject in subjects {
            let Some(rules) = index.by_subject.get(subject) else {
                continue;
            };
            let live: Vec<&Rule> = rules
                .iter()
                .filter(|r| r.state == RuleState::Active && r.expires_at.is_none_or(|t| t > now))
                .collect();
            let rule_ids: Vec<RuleId> = live
                .iter()
                .filter(|r| r.covers(scope, now))
                .map(|r| r.rule_id.clone())
                .collect();
            if rule_ids.is_empty() {
                continue;
            }
            let mut scopes: Vec<Scope> = live.iter().flat_map(|r| r.scopes.clone()).collect();
            scopes.sort();
            scopes.dedup();
            out.push(Suppressed {
                subject: subject.clone(),
                scopes,
                rule_ids,
            });
        }
        out
    }

    /// How many rules are active (metrics).
    pub fn active(&self) -> usize {
        self.index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .len()
    }

    /// The active rules about `subject` (exports).
    pub fn rules_about(&self, subject: &Subject) -> Vec<Rule> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.by_subject.get(subject).cloned().unwrap_or_default()
    }
}

/// The rules one item produced, each in its latest state, in the order they were
/// created (`GET /v1/items/{id}/suppressions`). Blocking.
pub fn item_rules(
    store: &dyn Store,
    id: &ItemId,
    access: &Access<'_>,
) -> Result<Vec<Rule>, Failure> {
    items::find(store, id, access)?;
    let mut latest: Vec<Rule> = Vec::new();
    // Entries come in log order: a later one replaces its rule's earlier one.
    for rule in store.item_rules(id)? {
        match latest.iter_mut().find(|r| r.rule_id == rule.rule_id) {
            Some(r) => *r = rule,
            None => latest.push(rule),
        }
    }
    Ok(latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::suppress::tests::{rule, subject};

    #[test]
    fn the_index_follows_revocations() {
        let mut index = Index::default();
        let a = subject("a");
        index.apply(rule(1, "rul_1", &a, RuleState::Active));
        index.apply(rule(2, "rul_2", &a, RuleState::Active));
        assert_eq!(index.by_subject[&a].len(), 2);
        index.apply(rule(3, "rul_1", &a, RuleState::Revoked));
        assert_eq!(index.by_subject[&a].len(), 1);
        index.apply(rule(4, "rul_2", &a, RuleState::Expired));
        assert!(index.by_subject.is_empty());
        assert!(index.by_id.is_empty());
    }
}
