//! Rule changes in an item transaction and their change-log seqs.
//!
//! The `rule_seq` counter row is what keeps the change log gap-free and in commit order
//! (see `tx.rs`): whoever increments it holds its lock until commit, and every node's
//! rule changes queue behind that lock. So a change does not take its seq when it is
//! made: the transaction's changes wait here and take their seqs together in the
//! statement that writes them, sent with the `COMMIT` ([`PgTx::commit`],
//! [`NUMBER_RULES`]), which leaves the lock held for the server's work on the last
//! statements only, instead of from the middle of the transaction on, or across a round
//! trip. (A transaction that must know a seq before it ends, an erasure naming its
//! rule in its receipt, takes them earlier in a round trip of its own: `settle_rules`.)

use std::collections::HashMap;

use tokio_postgres::Row;

use super::tx::{PgTx, RuleChange};
use super::*;
use crate::domain::privacy::Personal;
use crate::domain::suppress::RuleId;
use crate::store::record::StoredRule;

/// A rule change waiting for its change-log seq.
pub(super) struct PendingRule {
    key: Vec<u8>,
    /// The entry, its `seq` (and for a rule made here its `rule_id`) still to be set.
    stored: StoredRule,
    id: PendingId,
    /// Set (the active rule is written) or ended (it is deleted).
    active: bool,
}

/// Where a waiting change's `rule_id` comes from.
enum PendingId {
    /// The rule existed before this transaction: its id is known.
    Known,
    /// The change creates the rule: its id is made from the change's own seq.
    New,
    /// The rule was created earlier in this transaction: the id of that creation.
    SameAsNew,
}

impl PgTx<'_> {
    /// Applies one rule change: a change-log entry and the active rule, written once the
    /// transaction's seqs are taken (module docs).
    pub(super) fn change_rule(
        &self,
        key: &[u8],
        change: RuleChange,
        now: Timestamp,
    ) -> Result<(), Failure> {
        let current = self.active_rule(key)?;
        let fresh = self.fresh_rules.borrow().contains(key);
        let pending = match change {
            RuleChange::Set(wanted, subject) => {
                let (rule_id, created_at, id) = match &current {
                    Some(c) if fresh => (c.rule_id.clone(), c.created_at, PendingId::SameAsNew),
                    Some(c) => (c.rule_id.clone(), c.created_at, PendingId::Known),
                    None => (RuleId::created_at_seq(0), now, PendingId::New),
                };
                if matches!(id, PendingId::New) {
                    self.fresh_rules.borrow_mut().insert(key.to_vec());
                }
                let mut sealed = Personal::Plain(subject.id);
                sealed.seal(Some(self.store.master.log_key()), RULE_SUBJECT)?;
                let stored = StoredRule {
                    seq: 0,
                    rule_id,
                    kind: subject.kind,
                    community: subject.community,
                    id: sealed,
                    scopes: wanted.scopes,
                    reason: wanted.reason,
                    created_at,
                    expires_at: wanted.expires_at,
                    state: RuleState::Active,
                    changed_at: now,
                };
                self.rules
                    .borrow_mut()
                    .insert(key.to_vec(), Some(stored.clone()));
                PendingRule {
                    key: key.to_vec(),
                    stored,
                    id,
                    active: true,
                }
            }
            RuleChange::End(state) => {
                let Some(mut stored) = current else {
                    return Ok(());
                };
                stored.state = state;
                stored.changed_at = now;
                self.fresh_rules.borrow_mut().remove(key);
                self.rules.borrow_mut().insert(key.to_vec(), None);
                PendingRule {
                    key: key.to_vec(),
                    stored,
                    id: if fresh {
                        PendingId::SameAsNew
                    } else {
                        PendingId::Known
                    },
                    active: false,
                }
            }
        };
        self.pending_rules.borrow_mut().push(pending);
        self.notify("rules".to_string());
        Ok(())
    }

    /// How many seqs the waiting changes need.
    pub(super) fn rules_waiting(&self) -> i64 {
        i64::try_from(self.pending_rules.borrow().len()).unwrap_or(i64::MAX)
    }

    /// Takes the seqs of the waiting changes now, in a round trip of its own (for a
    /// caller that needs them before the transaction ends).
    pub(super) fn settle_rules(&self) -> Result<(), Failure> {
        let n = self.rules_waiting();
        if n == 0 {
            return Ok(());
        }
        let rows = self.rows(RULE_SEQ, &[&n])?;
        self.rules_numbered(&rows)
    }

    /// Numbers the waiting changes from the counter's new value (`rows`, from
    /// [`RULE_SEQ`]) and writes their entries and active rules, in the order made.
    pub(super) fn rules_numbered(&self, rows: &[Row]) -> Result<(), Failure> {
        let pending = self.pending_rules.take();
        let n = i64::try_from(pending.len()).map_err(internal)?;
        let last: i64 = rows
            .first()
            .ok_or_else(|| internal("the rule_seq counter row is missing"))?
            .try_get(0)
            .map_err(internal)?;
        let first = u64::try_from(last - n + 1).map_err(internal)?;
        let mut made: HashMap<Vec<u8>, RuleId> = HashMap::new();
        for (
            seq,
            PendingRule {
                key,
                mut stored,
                id,
                active,
            },
        ) in (first..).zip(pending)
        {
            stored.seq = seq;
            match id {
                PendingId::Known => {}
                PendingId::New => {
                    stored.rule_id = RuleId::created_at_seq(seq);
                    made.insert(key.clone(), stored.rule_id.clone());
                }
                PendingId::SameAsNew => {
                    stored.rule_id = made
                        .get(&key)
                        .cloned()
                        .ok_or_else(|| internal("a rule's creation is not in its transaction"))?;
                }
            }
            self.log_rule(&stored)?;
            if active {
                self.defer_row(
                    &super::rows::RULES_ACTIVE,
                    &key,
                    vec![
                        Box::new(key.clone()),
                        Box::new(stored.expires_at.map(|t| t.millis())),
                        Box::new(encode(&stored)?),
                    ],
                );
                self.rules.borrow_mut().insert(key, Some(stored));
            } else {
                self.defer(
                    "DELETE FROM rules_active WHERE key = $1",
                    vec![Box::new(key)],
                );
            }
            self.last_rule.set(Some(seq));
        }
        self.fresh_rules.borrow_mut().clear();
        Ok(())
    }

    /// The waiting changes as [`NUMBER_RULES`]'s parameters, for the commit's round trip:
    /// numbered there, so that no round trip comes between taking the seqs and the
    /// commit. `None` when none waits.
    pub(super) fn rules_for_commit(&self) -> Result<Option<RulesAtCommit>, Failure> {
        let pending = self.pending_rules.take();
        if pending.is_empty() {
            return Ok(None);
        }
        let mut rows = RulesAtCommit {
            n: i64::try_from(pending.len()).map_err(internal)?,
            docs: Vec::with_capacity(pending.len()),
            keys: Vec::with_capacity(pending.len()),
            items: Vec::with_capacity(pending.len()),
            active: Vec::with_capacity(pending.len()),
            expires: Vec::with_capacity(pending.len()),
            id_from: Vec::with_capacity(pending.len()),
        };
        let (seq_slot, id_slot) = slots();
        // The position (from 1) of the change that creates each rule made here.
        let mut made: HashMap<Vec<u8>, i64> = HashMap::new();
        for (position, pending) in (1_i64..).zip(pending) {
            let PendingRule {
                key,
                mut stored,
                id,
                active,
            } = pending;
            stored.seq = SEQ_SLOT;
            let id_from = match id {
                PendingId::Known => 0,
                PendingId::New => {
                    made.insert(key.clone(), position);
                    position
                }
                PendingId::SameAsNew => *made
                    .get(&key)
                    .ok_or_else(|| internal("a rule's creation is not in its transaction"))?,
            };
            if id_from > 0 {
                stored.rule_id = RuleId::created_at_seq(SEQ_SLOT);
            }
            let doc = encode(&stored)?;
            let holds = |slot: &str| doc.windows(slot.len()).any(|w| w == slot.as_bytes());
            if !holds(&seq_slot) || (id_from > 0 && !holds(&id_slot)) {
                return Err(internal("a rule document lacks its seq slot"));
            }
            rows.docs.push(doc);
            rows.items
                .push(stored.reason.item_id.map(|i| i.as_bytes().to_vec()));
            rows.expires.push(stored.expires_at.map(|t| t.millis()));
            rows.keys.push(key);
            rows.active.push(active);
            rows.id_from.push(id_from);
        }
        self.fresh_rules.borrow_mut().clear();
        Ok(Some(rows))
    }

    fn log_rule(&self, stored: &StoredRule) -> Result<(), Failure> {
        let item = stored.reason.item_id.map(|i| i.as_bytes().to_vec());
        self.defer_row(
            &super::rows::RULE_LOG,
            &[],
            vec![
                Box::new(to_i64(stored.seq)?),
                Box::new(item),
                Box::new(encode(stored)?),
            ],
        );
        Ok(())
    }
}

/// Takes `$1` change-log seqs; the row stays locked until commit.
pub(super) const RULE_SEQ: &str =
    "UPDATE warden_counters SET value = value + $1 WHERE name = 'rule_seq' RETURNING value";

/// The seq a rule document holds until the commit's statement writes its own in its
/// place ([`NUMBER_RULES`]); no real seq comes near it. A rule made in the transaction
/// holds `rul_<this>` as its id until then.
const SEQ_SLOT: u64 = u64::MAX;

/// The waiting rule changes, column by column, in the order made (see
/// [`PgTx::rules_for_commit`]).
pub(super) struct RulesAtCommit {
    pub(super) n: i64,
    pub(super) docs: Vec<Vec<u8>>,
    pub(super) keys: Vec<Vec<u8>>,
    pub(super) items: Vec<Option<Vec<u8>>>,
    pub(super) active: Vec<bool>,
    pub(super) expires: Vec<Option<i64>>,
    /// 0: the rule keeps its id; `k`: its id is made from the seq of change `k` (from
    /// 1), the one that created it.
    pub(super) id_from: Vec<i64>,
}

/// Takes the change log's next `$1` seqs and writes the waiting changes under them, in
/// the order made: each entry's document gets its seq (and a rule made here its id,
/// `rul_<seq of its creation>`) in place of [`SEQ_SLOT`]; the log gets every entry, and
/// each key's last entry sets or ends its active rule. Returns the last seq. One
/// statement, sent with the `COMMIT`: the counter row is locked from here to the commit,
/// with no round trip in between.
///
/// The slots are replaced in the document's bytes (`overlay` at `position`), never
/// decoded as text, so the database's encoding does not matter; both slots are 26 ASCII
/// bytes, and a quote inside a JSON string is escaped, so `"seq":<slot>` can only be the
/// field itself ([`PgTx::rules_for_commit`] checks that each document holds its slots).
pub(super) const NUMBER_RULES: &str = "WITH c AS ( \
       UPDATE warden_counters SET value = value + $1 WHERE name = 'rule_seq' \
       RETURNING value - $1 AS base), \
     e AS ( \
       SELECT c.base + r.n AS seq, r.key, r.item, r.active, r.expires, \
         CASE WHEN r.id_from > 0 THEN overlay(s.doc \
             PLACING ('\"rul_' || (c.base + r.id_from) || '\"')::bytea \
             FROM position('\"rul_18446744073709551615\"'::bytea IN s.doc) FOR 26) \
           ELSE s.doc END AS doc \
       FROM c, unnest($2::bytea[], $3::bytea[], $4::bytea[], $5::bool[], $6::bigint[], $7::bigint[]) \
         WITH ORDINALITY AS r(doc, key, item, active, expires, id_from, n), \
       LATERAL (SELECT overlay(r.doc PLACING ('\"seq\":' || (c.base + r.n))::bytea \
         FROM position('\"seq\":18446744073709551615'::bytea IN r.doc) FOR 26) AS doc) s), \
     logged AS (INSERT INTO rule_log (seq, item_id, doc) SELECT seq, item, doc FROM e), \
     last AS (SELECT DISTINCT ON (key) key, active, expires, doc FROM e ORDER BY key, seq DESC), \
     ended AS (DELETE FROM rules_active a USING last WHERE a.key = last.key AND NOT last.active), \
     upserted AS (INSERT INTO rules_active (key, expires_at, doc) \
       SELECT key, expires, doc FROM last WHERE active \
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at, doc = EXCLUDED.doc) \
     SELECT max(seq) FROM e";

/// The slot a waiting change's document holds for its seq, and for the id of a rule
/// made in the transaction (both 26 bytes, as [`NUMBER_RULES`] replaces them).
fn slots() -> (String, String) {
    (
        format!("\"seq\":{SEQ_SLOT}"),
        format!("\"{}\"", RuleId::created_at_seq(SEQ_SLOT).as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statement replaces exactly what a waiting change's document holds.
    #[test]
    fn the_commit_statement_fills_the_slots_documents_hold() {
        let (seq, id) = slots();
        assert_eq!((seq.len(), id.len()), (26, 26));
        for slot in [seq, id] {
            assert!(NUMBER_RULES.contains(&format!("'{slot}'::bytea")), "{slot}");
        }
        assert_eq!(NUMBER_RULES.matches("FOR 26").count(), 2);
    }
}
