//! Round trips of an item transaction. On a database shared over the network (and on a
//! 2-core box where PostgreSQL competes with Warden for the CPU), a transaction costs
//! what its round trips cost, not what its statements cost: each one wakes the server,
//! the connection task and the waiting request thread. So statements go out pipelined
//! (tokio-postgres queues every polled query on the connection, and the server runs them
//! in order): writes nothing waits for are deferred and sent with the next read, `BEGIN`
//! with the first statement, `COMMIT` with the last writes, and what `consequences` will
//! read about an item is fetched in one batch before it runs ([`PgTx::prefetch`]).

use std::collections::HashSet;
use std::future::Future;

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::tx::{Param, PgTx};
use super::*;
use crate::domain::consequences::Needs;
use crate::domain::suppress::{Cause, RemovalHistory};
use crate::store::record::{author_rule_key, content_rule_key, StoredRule};

/// A read in a pipeline: its SQL and parameters.
pub(super) type Read<'p> = (&'static str, Vec<&'p (dyn ToSql + Sync)>);

/// The rows of a pipeline's reads ([`PgTx::send_reads`]), taken in the order sent.
pub(super) struct Reads(std::vec::IntoIter<Vec<Row>>);

impl Reads {
    /// The next read's rows.
    pub(super) fn next(&mut self) -> Result<Vec<Row>, Failure> {
        self.0
            .next()
            .ok_or_else(|| internal("a pipelined read returned nothing"))
    }
}

impl PgTx<'_> {
    /// Queues a write whose result nothing waits for. Deferred writes go out together,
    /// pipelined on the connection in the order they were queued, with the next statement
    /// that reads (so the transaction reads its own writes) and with the commit.
    pub(super) fn defer(&self, sql: &'static str, params: Vec<Param>) {
        self.pending
            .borrow_mut()
            .push(super::rows::Pending::One(sql, params));
    }

    /// Sends the deferred writes.
    pub(super) fn flush(&self) -> Result<(), Failure> {
        self.send(Vec::new()).map(|_| ())
    }

    /// Sends the deferred writes, then `reads`, in one round trip, and returns each read's
    /// rows. The first statement to fail is the error (those after it fail only because
    /// the transaction is aborted).
    pub(super) fn send(&self, reads: Vec<Read<'_>>) -> Result<Vec<Vec<Row>>, Failure> {
        let pending: Vec<(&'static str, Vec<Param>)> = self
            .pending
            .take()
            .into_iter()
            .map(super::rows::Pending::statement)
            .collect();
        if pending.is_empty() && reads.is_empty() {
            return Ok(Vec::new());
        }
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = pending
            .iter()
            .map(|(_, p)| p.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect())
            .chain(reads.iter().map(|(_, p)| p.clone()))
            .collect();
        let sqls: Vec<&str> = pending
            .iter()
            .map(|(sql, _)| *sql)
            .chain(reads.iter().map(|(sql, _)| *sql))
            .collect();
        let results = self.store.block(async {
            let mut statements = Vec::with_capacity(sqls.len());
            for sql in &sqls {
                statements.push(self.tx.prepare_cached(sql).await?);
            }
            let mut queries: Vec<_> = statements
                .iter()
                .zip(&params)
                .map(|(statement, params)| Box::pin(self.tx.query(statement, params)))
                .collect();
            // Polled in order, every time: each query is queued on the connection at its
            // first poll, so the server runs them in the order they were given.
            let mut results: Vec<Option<Result<Vec<Row>, tokio_postgres::Error>>> =
                queries.iter().map(|_| None).collect();
            futures_util::future::poll_fn(|cx| {
                let mut waiting = false;
                for (query, result) in queries.iter_mut().zip(results.iter_mut()) {
                    if result.is_none() {
                        match query.as_mut().poll(cx) {
                            std::task::Poll::Ready(r) => *result = Some(r),
                            std::task::Poll::Pending => waiting = true,
                        }
                    }
                }
                if waiting {
                    std::task::Poll::Pending
                } else {
                    std::task::Poll::Ready(())
                }
            })
            .await;
            Ok::<_, tokio_postgres::Error>(results)
        });
        let results = results.map_err(|e| self.fail(e))?;
        let mut rows = Vec::with_capacity(results.len());
        for result in results.into_iter().flatten() {
            rows.push(result.map_err(|e| self.fail(e))?);
        }
        Ok(rows.split_off(pending.len()))
    }

    /// [`PgTx::send`], its rows to be taken read by read.
    pub(super) fn send_reads(&self, reads: Vec<Read<'_>>) -> Result<Reads, Failure> {
        Ok(Reads(self.send(reads)?.into_iter()))
    }

    /// One read, sent with the deferred writes.
    pub(super) fn rows(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Failure> {
        let mut rows = self.send(vec![(sql, params.to_vec())])?;
        rows.pop()
            .ok_or_else(|| internal("a pipelined read returned nothing"))
    }

    /// One statement whose row count matters, after the deferred writes.
    pub(super) fn exec(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Failure> {
        self.flush()?;
        self.store
            .block(async {
                let stmt = self.tx.prepare_cached(sql).await?;
                self.tx.execute(&stmt, params).await
            })
            .map_err(|e| self.fail(e))
    }

    /// Reads in one round trip what writing `item` and deriving its consequences will
    /// ask for (`domain::consequences::needs`), unless this transaction already holds
    /// it: the subject's key always; the community's policy, the item's content rules
    /// (locked `FOR UPDATE`, in key order) when the change may touch them (a claim, a
    /// release, an erasure do not); and when it may touch the author's removals (a
    /// claim or an approval does not), the subject's advisory lock (taken before its
    /// history is read, as `lock_subject` does), its removal history and the author's
    /// rule. What `needs` left out and `consequences` asks anyway, `Holding` reads then.
    pub(super) fn prefetch(&self, item: &Item, needs: Needs) -> Result<(), Failure> {
        self.prefetch_all(&[(item, needs)])
    }

    /// [`PgTx::prefetch`] for several items in one round trip (a step of several
    /// changes, `claim.rs`): the authors' advisory locks first, all in one statement in
    /// lock-word order (so two steps locking several authors take them in one order),
    /// then each item's reads in item order, its own rule keys in key order.
    pub(super) fn prefetch_all(&self, wanted: &[(&Item, Needs)]) -> Result<(), Failure> {
        /// What one item's part of the round trip asks for.
        struct Plan {
            subject: Option<SubjectId>,
            subject_bytes: Option<Vec<u8>>,
            keys: Vec<Vec<u8>>,
            policy_of: Option<String>,
            want_history: bool,
            want_key: bool,
            want_policy: bool,
        }
        impl Plan {
            /// Whether the item reads the [`HELD`] statement.
            fn held(&self) -> bool {
                self.want_policy || self.want_key || !self.keys.is_empty()
            }
        }
        // Asked for by an earlier item of this round trip: not asked again.
        let mut asked_policies: HashSet<CommunityId> = HashSet::new();
        // The authors whose advisory locks this round trip needs (`pending_locks` leaves
        // out those the transaction already holds).
        let mut to_lock: Vec<SubjectId> = Vec::new();
        let mut asked_subjects: HashSet<SubjectId> = HashSet::new();
        let mut asked_histories: HashSet<SubjectId> = HashSet::new();
        let mut asked_keys: HashSet<Vec<u8>> = HashSet::new();
        let mut plans = Vec::with_capacity(wanted.len());
        for (item, needs) in wanted {
            let subject = item.subject;
            let mut keys: Vec<Vec<u8>> = Vec::new();
            if needs.content_rules {
                keys.extend(
                    Cause::CONTENT
                        .iter()
                        .map(|cause| content_rule_key(&item.id, *cause)),
                );
            }
            let author = needs.author;
            if let (true, Some(s)) = (author, &subject) {
                keys.push(author_rule_key(s, Cause::AuthorRemovals));
            }
            keys.retain(|k| !self.rules.borrow().contains_key(k) && asked_keys.insert(k.clone()));
            keys.sort();
            let want_policy = needs.policy
                && !self.policies.borrow().contains_key(&item.community)
                && asked_policies.insert(item.community.clone());
            if let (true, Some(s)) = (author, subject) {
                if !to_lock.contains(&s) {
                    to_lock.push(s);
                }
            }
            let want_key = subject.is_some_and(|s| {
                !matches!(self.keys.borrow().get(&s), Some(Some(_))) && asked_subjects.insert(s)
            });
            let want_history = author
                && subject.is_some_and(|s| {
                    !self.removals.borrow().contains_key(&s) && asked_histories.insert(s)
                });
            plans.push(Plan {
                subject,
                subject_bytes: subject.map(|s| s.as_bytes().to_vec()),
                keys,
                policy_of: want_policy.then(|| item.community.as_str().to_string()),
                want_history,
                want_key,
                want_policy,
            });
        }
        let locks = self.pending_locks(&to_lock);
        let mut reads: Vec<Read<'_>> = Vec::new();
        // The advisory locks before the histories they guard, each read its own
        // statement: a statement reads in the snapshot it started with, before a lock it
        // waited for.
        reads.extend(locks.statement());
        // NULL (and an empty list) for what is not wanted: that part reads nothing.
        let subjects_of: Vec<Option<&[u8]>> = plans
            .iter()
            .map(|p| p.subject_bytes.as_deref().filter(|_| p.want_key))
            .collect();
        for (plan, subject_of) in plans.iter().zip(&subjects_of) {
            if let (true, Some(bytes)) = (plan.want_history, &plan.subject_bytes) {
                reads.push((
                    "SELECT doc FROM removals WHERE subject = $1",
                    vec![bytes as &(dyn ToSql + Sync)],
                ));
            }
            if plan.held() {
                reads.push((
                    HELD,
                    vec![
                        &plan.policy_of as &(dyn ToSql + Sync),
                        subject_of as &(dyn ToSql + Sync),
                        &plan.keys as &(dyn ToSql + Sync),
                    ],
                ));
            }
        }
        if reads.is_empty() {
            return Ok(());
        }
        let mut results = self.send_reads(reads)?;
        let mut next = || results.next();
        locks.taken(self, &mut next)?;
        for (plan, (item, _)) in plans.into_iter().zip(wanted) {
            if let (true, Some(s)) = (plan.want_history, plan.subject) {
                let history: RemovalHistory = first_doc(&next()?)?.unwrap_or_default();
                self.removals.borrow_mut().insert(s, history);
            }
            if !plan.held() {
                continue;
            }
            let rows = next()?;
            let row = rows
                .first()
                .ok_or_else(|| internal("the held read returned no row"))?;
            if plan.want_policy {
                let policy: CommunityPolicy = match row.try_get::<_, Option<&[u8]>>(0) {
                    Ok(Some(doc)) => decode(doc)?,
                    Ok(None) => CommunityPolicy::default(),
                    Err(e) => return Err(internal(e)),
                };
                self.policies
                    .borrow_mut()
                    .insert(item.community.clone(), policy);
            }
            if let (true, Some(s)) = (plan.want_key, plan.subject) {
                let key = match row.try_get::<_, Option<&[u8]>>(1).map_err(internal)? {
                    Some(bytes) => Some(super::tx::key_from(bytes)?),
                    None => None,
                };
                self.keys.borrow_mut().insert(s, key);
            }
            let found: Vec<Vec<u8>> = row.try_get(2).map_err(internal)?;
            let docs: Vec<Vec<u8>> = row.try_get(3).map_err(internal)?;
            self.keep_rules(plan.keys, found.into_iter().zip(docs))?;
        }
        Ok(())
    }

    /// Reads and locks, in one statement, those of the active rules under `keys` this
    /// transaction does not hold yet.
    pub(super) fn lock_rules(&self, keys: &[Vec<u8>]) -> Result<(), Failure> {
        let mut keys: Vec<Vec<u8>> = keys
            .iter()
            .filter(|k| !self.rules.borrow().contains_key(*k))
            .cloned()
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        keys.sort();
        let found = self.rows(RULES, &[&keys])?;
        let found = found
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<Vec<(Vec<u8>, Vec<u8>)>, tokio_postgres::Error>>()
            .map_err(internal)?;
        self.keep_rules(keys, found)
    }

    /// Keeps what a read of the active rules under `keys` found (key, document): a
    /// rule, or `None`, under each key.
    pub(super) fn keep_rules(
        &self,
        keys: Vec<Vec<u8>>,
        found: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    ) -> Result<(), Failure> {
        let mut rules = self.rules.borrow_mut();
        for key in keys {
            rules.insert(key, None);
        }
        for (key, doc) in found {
            let rule: StoredRule = decode(&doc)?;
            rules.insert(key, Some(rule));
        }
        Ok(())
    }
}

/// Active rules by key, locked in key order (so two transactions locking several take
/// them in one order) until the transaction ends.
const RULES: &str = "SELECT key, doc FROM rules_active WHERE key = ANY($1) ORDER BY key FOR UPDATE";

/// What a change holds besides the author's removals, in one statement (each part reads
/// nothing for a NULL or an empty list): the community's policy ($1), the subject's key
/// share-locked so an erasure waits ($2), and the active rules under the keys in $3,
/// locked as [`RULES`] locks them, as two arrays in key order. One statement instead of
/// three: what is left of an item transaction's cost is per statement.
const HELD: &str = "SELECT (SELECT doc FROM policies WHERE community = $1), \
       (SELECT key FROM subject_keys WHERE subject = $2 FOR SHARE), \
       r.keys, r.docs \
     FROM (SELECT coalesce(array_agg(key ORDER BY key), '{}'), \
             coalesce(array_agg(doc ORDER BY key), '{}') \
           FROM (SELECT key, doc FROM rules_active WHERE key = ANY($3) \
                 ORDER BY key FOR UPDATE) l) r(keys, docs)";

/// Takes the advisory locks of the words in `$1`, in the array's order (callers sort it,
/// so that transactions locking several take them in one order).
pub(super) const LOCK_WORDS: &str =
    "SELECT pg_advisory_xact_lock(w) FROM unnest($1::bigint[]) AS w";

/// Advisory locks a round trip takes ([`LOCK_WORDS`]): the subjects whose locks the
/// transaction does not hold yet, and their words, sorted and each once. The transaction
/// counts them as held only once the statement's result has been read.
pub(super) struct PendingLocks {
    subjects: Vec<SubjectId>,
    words: Vec<i64>,
}

impl PendingLocks {
    /// The statement that takes the locks; `None` when there is none to take.
    pub(super) fn statement(&self) -> Option<Read<'_>> {
        (!self.words.is_empty()).then(|| (LOCK_WORDS, vec![&self.words as &(dyn ToSql + Sync)]))
    }

    /// Reads the statement's result (when there was one) from `results`; the
    /// transaction holds the locks from then on.
    pub(super) fn taken(
        self,
        tx: &PgTx<'_>,
        results: &mut impl FnMut() -> Result<Vec<Row>, Failure>,
    ) -> Result<(), Failure> {
        if !self.words.is_empty() {
            results()?;
            tx.locked.borrow_mut().extend(self.subjects);
        }
        Ok(())
    }
}

impl PgTx<'_> {
    /// The advisory locks of `subjects` this transaction does not hold yet.
    pub(super) fn pending_locks<'s>(
        &self,
        subjects: impl IntoIterator<Item = &'s SubjectId>,
    ) -> PendingLocks {
        let subjects: Vec<SubjectId> = subjects
            .into_iter()
            .filter(|s| !self.locked.borrow().contains(s))
            .copied()
            .collect();
        let words: std::collections::BTreeSet<i64> = subjects.iter().map(advisory_word).collect();
        PendingLocks {
            subjects,
            words: words.into_iter().collect(),
        }
    }
}

/// The advisory lock that guards a subject's removal history and author rules.
pub(super) fn advisory_word(subject: &SubjectId) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&subject.as_bytes()[..8]);
    i64::from_be_bytes(word)
}

/// The JSON document in the first row's first column, if there is a row.
pub(super) fn first_doc<T: serde::de::DeserializeOwned>(
    rows: &[Row],
) -> Result<Option<T>, Failure> {
    match rows.first() {
        Some(row) => Ok(Some(decode(row.try_get::<_, &[u8]>(0).map_err(internal)?)?)),
        None => Ok(None),
    }
}
