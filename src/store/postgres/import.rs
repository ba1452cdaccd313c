//! `warden migrate-store`: copies a sled deployment into an empty PostgreSQL store, in
//! one transaction (all of it or nothing), then verifies the copy.
//!
//! Records are copied as stored: the same JSON documents, personal data still sealed
//! under the same subject keys, which are copied too, as is the master key (so subject
//! pseudonyms and the rule log's sealed subjects stay valid). Change-log seqs, audit
//! numbers and score feedback ids are kept, so feed readers and calibrations resume
//! where they were.

use std::path::Path;

use super::*;
use crate::store::record::StoredRule;
use crate::store::{verify, SledStore};

/// What was copied, by table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    pub counts: Vec<(&'static str, u64)>,
    /// The change log's last seq, in both stores.
    pub rule_seq: u64,
}

/// The tables that must be empty before a copy (`vault_master` always holds a key).
const TARGET_TABLES: &[&str] = &[
    "items",
    "revisions",
    "events",
    "subjects",
    "authors",
    "rule_log",
    "rules_active",
    "removals",
    "decisions",
    "api_keys",
    "policies",
    "wordlists",
    "audit",
    "score_feedback",
    "subject_keys",
    "reporters",
    "outbox",
    "webhooks",
    "deliveries",
    "operations",
    "queue_samples",
    "queue_samples_hourly",
];

fn be_u64(bytes: &[u8]) -> Result<u64, Failure> {
    let b: [u8; 8] = bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| internal("malformed sled key"))?;
    Ok(u64::from_be_bytes(b))
}

/// Copies the sled store in `from` into the (empty) PostgreSQL store at `to`.
pub fn copy_from_sled(from: &Path, to: &str) -> Result<Copied, Error> {
    let fail = |f: Failure| Error::config(format!("migrate-store: {}", f.message()));
    let source = SledStore::open(from, 64 << 20)?;
    let target = PgStore::open(to)?;
    for table in TARGET_TABLES {
        let n = target.count(table).map_err(fail)?;
        if n > 0 {
            return Err(Error::config(format!(
                "migrate-store: the target is not empty ({n} rows in {table}): refusing to \
                 write into it"
            )));
        }
    }
    let copied = target.copy_all(&source).map_err(|f| {
        Error::config(format!(
            "migrate-store: the copy failed and was rolled back: {}",
            f.message()
        ))
    })?;
    drop(target);
    // Reopened: the copied master key is now the store's.
    let target = PgStore::open(to)?;
    check(&source, &target, &copied).map_err(fail)?;
    Ok(copied)
}

impl PgStore {
    fn count(&self, table: &str) -> Result<u64, Failure> {
        // `table` is one of ours, never input.
        let rows = self.rows(&format!("SELECT count(*) FROM {table}"), &[])?;
        let n: i64 = rows
            .first()
            .ok_or_else(|| internal("no count"))?
            .try_get(0)
            .map_err(internal)?;
        Ok(n.max(0) as u64)
    }

    fn copy_all(&self, source: &SledStore) -> Result<Copied, Failure> {
        let tree = |name: &str| source.raw_tree(name);
        let vault = source.vault();
        let master = vault.master()?;
        let subjects = vault.subjects_on_disk()?;
        self.transact(|tx| {
            let mut counts = Vec::new();
            let mut count = |name: &'static str, n: u64| counts.push((name, n));
            tx.exec(
                "UPDATE vault_master SET key = $1 WHERE id = 1",
                &[&master.expose().as_slice()],
            )?;
            let mut n = 0;
            for subject in &subjects {
                if let Some(key) = vault.key(subject)? {
                    tx.exec(
                        "INSERT INTO subject_keys (subject, key) VALUES ($1, $2)",
                        &[&subject.as_bytes().as_slice(), &key.expose().as_slice()],
                    )?;
                    n += 1;
                }
            }
            count("subject_keys", n);

            let mut n = 0;
            for kv in tree("items")?.iter() {
                let (_, v) = kv.map_err(internal)?;
                let item: Item = decode(&v)?;
                let entry = QueueEntry::of(&item);
                tx.exec(
                    "INSERT INTO items (id, community, content_id, doc, queue, rank, \
                     lease_expires, text_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &item.id.as_bytes().as_slice(),
                        &item.community.as_str(),
                        &item.content_id.as_str(),
                        &v.as_ref(),
                        &entry.as_ref().map(|e| i16::from(e.queue.tag())),
                        &entry.as_ref().map(|e| rank_to_i64(e.rank)),
                        &item.lease.as_ref().map(|l| l.expires_at.millis()),
                        &item.text_due_at.map(|t| t.millis()),
                    ],
                )?;
                n += 1;
            }
            count("items", n);

            // Trees keyed by item id (16 bytes) and a number.
            for (name, sql) in [
                (
                    "revisions",
                    "INSERT INTO revisions (item_id, revision, doc) VALUES ($1, $2, $3)",
                ),
                (
                    "events",
                    "INSERT INTO events (item_id, seq, doc) VALUES ($1, $2, $3)",
                ),
            ] {
                let mut n = 0;
                for kv in tree(name)?.iter() {
                    let (k, v) = kv.map_err(internal)?;
                    let item = k.get(..16).ok_or_else(|| internal("short key"))?;
                    let number = match k.len() - 16 {
                        4 => i64::from(u32::from_be_bytes(k[16..20].try_into().map_err(internal)?)),
                        _ => to_i64(be_u64(&k[16..])?)?,
                    };
                    tx.exec(sql, &[&item, &number, &v.as_ref()])?;
                    n += 1;
                }
                count(name, n);
            }

            let mut n = 0;
            for kv in tree("decisions_by_item")?.iter() {
                let (_, v) = kv.map_err(internal)?;
                let record: DecisionRecord = decode(&v)?;
                tx.exec(
                    "INSERT INTO decisions (item_id, seq, at, doc) VALUES ($1, $2, $3, $4)",
                    &[
                        &record.item_id.as_bytes().as_slice(),
                        &to_i64(record.seq)?,
                        &record.at.millis(),
                        &v.as_ref(),
                    ],
                )?;
                n += 1;
            }
            count("decisions", n);

            let mut n = 0;
            for kv in tree("subjects")?.iter() {
                let (k, _) = kv.map_err(internal)?;
                let (subject, item) = (k.get(..16), k.get(16..));
                tx.exec(
                    "INSERT INTO subjects (subject, item_id) VALUES ($1, $2)",
                    &[&subject, &item],
                )?;
                n += 1;
            }
            count("subjects", n);

            let mut n = 0;
            for kv in tree("authors")?.iter() {
                let (k, v) = kv.map_err(internal)?;
                let author = k.get(..16).ok_or_else(|| internal("short author key"))?;
                let community = std::str::from_utf8(&k[16..]).map_err(internal)?;
                tx.exec(
                    "INSERT INTO authors (author, community, subject) VALUES ($1, $2, $3)",
                    &[&author, &community, &v.as_ref()],
                )?;
                n += 1;
            }
            count("authors", n);

            let mut n = 0;
            let mut last = 0;
            for kv in tree("rule_log")?.iter() {
                let (_, v) = kv.map_err(internal)?;
                let stored: StoredRule = decode(&v)?;
                let item = stored.reason.item_id.map(|i| i.as_bytes().to_vec());
                tx.exec(
                    "INSERT INTO rule_log (seq, item_id, doc) VALUES ($1, $2, $3)",
                    &[&to_i64(stored.seq)?, &item, &v.as_ref()],
                )?;
                last = last.max(stored.seq);
                n += 1;
            }
            count("rule_log", n);
            let rule_seq = match tree("meta")?.get("rule_seq").map_err(internal)? {
                Some(v) => be_u64(&v)?,
                None => 0,
            };
            tx.exec(
                "UPDATE warden_counters SET value = $1 WHERE name = 'rule_seq'",
                &[&to_i64(rule_seq.max(last))?],
            )?;

            let mut n = 0;
            for kv in tree("rules_active")?.iter() {
                let (k, v) = kv.map_err(internal)?;
                let stored: StoredRule = decode(&v)?;
                tx.exec(
                    "INSERT INTO rules_active (key, expires_at, doc) VALUES ($1, $2, $3)",
                    &[
                        &k.as_ref(),
                        &stored.expires_at.map(|t| t.millis()),
                        &v.as_ref(),
                    ],
                )?;
                n += 1;
            }
            count("rules_active", n);

            for (name, sql) in [
                (
                    "removals",
                    "INSERT INTO removals (subject, doc) VALUES ($1, $2)",
                ),
                ("keys", "INSERT INTO api_keys (id, doc) VALUES ($1, $2)"),
                (
                    "policies",
                    "INSERT INTO policies (community, doc) VALUES ($1, $2)",
                ),
                (
                    "wordlists",
                    "INSERT INTO wordlists (community, doc) VALUES ($1, $2)",
                ),
            ] {
                let mut n = 0;
                for kv in tree(name)?.iter() {
                    let (k, v) = kv.map_err(internal)?;
                    if name == "removals" {
                        tx.exec(sql, &[&k.as_ref(), &v.as_ref()])?;
                    } else {
                        let id = std::str::from_utf8(&k).map_err(internal)?;
                        tx.exec(sql, &[&id, &v.as_ref()])?;
                    }
                    n += 1;
                }
                count(name, n);
            }

            // sled numbers audit records from 0 and the API from 1 (see `audit_log`).
            let mut n = 0;
            for kv in tree("audit")?.iter() {
                let (k, v) = kv.map_err(internal)?;
                tx.exec(
                    "INSERT INTO audit (seq, doc) VALUES ($1, $2)",
                    &[&to_i64(be_u64(&k)?.saturating_add(1))?, &v.as_ref()],
                )?;
                n += 1;
            }
            count("audit", n);

            let mut n = 0;
            for kv in tree("score_feedback")?.iter() {
                let (k, v) = kv.map_err(internal)?;
                let len = usize::from(*k.first().ok_or_else(|| internal("short key"))?);
                let community =
                    std::str::from_utf8(k.get(1..1 + len).unwrap_or_default()).map_err(internal)?;
                let id = be_u64(k.get(1 + len..).unwrap_or_default())?;
                tx.exec(
                    "INSERT INTO score_feedback (id, community, doc) VALUES ($1, $2, $3)",
                    &[&to_i64(id)?, &community, &v.as_ref()],
                )?;
                n += 1;
            }
            count("score_feedback", n);
            super::notices::copy_from_sled(tx, source, &mut count)?;
            super::samples::copy_from_sled(tx, source, &mut count)?;
            // New rows continue after the copied numbers.
            tx.exec(
                "SELECT setval(pg_get_serial_sequence('audit', 'seq'), \
                 greatest((SELECT max(seq) FROM audit), 1))",
                &[],
            )?;
            tx.exec(
                "SELECT setval(pg_get_serial_sequence('score_feedback', 'id'), \
                 greatest((SELECT max(id) FROM score_feedback), 1))",
                &[],
            )?;
            tx.notify("resync".to_string());
            Ok(Copied {
                counts: std::mem::take(&mut counts),
                rule_seq: rule_seq.max(last),
            })
        })
    }
}

/// The copy has every row counted, the same change log (seq by seq), and passes
/// [`verify`].
fn check(source: &SledStore, target: &PgStore, copied: &Copied) -> Result<(), Failure> {
    for (table, n) in &copied.counts {
        let table = match *table {
            "keys" => "api_keys",
            other => other,
        };
        let found = target.count(table)?;
        if found != *n {
            return Err(internal(format_args!(
                "{table}: {n} rows copied, {found} in the target"
            )));
        }
    }
    if target.rule_seq() != source.rule_seq() {
        return Err(internal(format_args!(
            "the change log ends at {} in the target, {} in the source",
            target.rule_seq(),
            source.rule_seq()
        )));
    }
    let mut after = 0;
    loop {
        let (a, b) = (source.rule_log(after, 1000)?, target.rule_log(after, 1000)?);
        if a != b {
            return Err(internal(format_args!(
                "the change logs differ after seq {after}"
            )));
        }
        let Some(last) = a.last() else { break };
        after = last.seq;
    }
    let report = verify(target)?;
    if let Some(problem) = report.problems.first() {
        return Err(internal(format_args!(
            "the copy does not verify ({} problems; first: {problem})",
            report.problems.len()
        )));
    }
    Ok(())
}
