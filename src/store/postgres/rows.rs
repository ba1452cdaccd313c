//! Multi-row writes. An item transaction appends rows to a handful of tables (events,
//! the item, its revision, index rows, rule-log entries, active rules, …); a batch of
//! 1,000 submissions appends 1,000 of each. Each statement costs the server a parse of
//! its message, a bind, an executor start and a reply, whatever it writes, so rows
//! deferred for one table travel as one `INSERT … SELECT * FROM unnest($1::…[], …)`,
//! one array per column, instead of one statement per row. The SQL stays static: one
//! prepared statement per kind for many rows, and its `VALUES` twin for the one row of a
//! single item's change (the cheaper plan for the common case).
//!
//! Rows join the newest pending statement of their kind unless that would move them
//! before a write they must follow: a single statement queued after it (it may touch the
//! same table), or another kind of write to the same table (an upsert and a delete of one
//! rule). Writes to different tables commute (the schema has no triggers or foreign
//! keys). An upsert (`ON CONFLICT … DO UPDATE`) may not touch one row twice in one
//! statement, so a row whose key the statement already holds starts a new one after it.

use std::collections::HashSet;
use std::error::Error;

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{IsNull, Kind, ToSql, Type};

use super::tx::{Param, PgTx};

/// A multi-row insert: its table and its statement, whose `$n` is the array of the
/// rows' `n`th column.
pub(super) struct Insert {
    table: &'static str,
    sql: &'static str,
    /// The same for one row, as `VALUES`: the cheaper plan for the common case.
    one: &'static str,
    /// Whether it updates on conflict (so one statement may hold a key once).
    upsert: bool,
}

/// A write waiting to be sent (see [`PgTx::defer`]).
pub(super) enum Pending {
    One(&'static str, Vec<Param>),
    Rows {
        insert: &'static Insert,
        /// One list of parameters per column.
        columns: Vec<Vec<Param>>,
        /// The conflict keys of an upsert's rows.
        keys: HashSet<Vec<u8>>,
    },
}

impl Pending {
    /// The statement and its parameters, a multi-row insert's columns as arrays.
    pub(super) fn statement(self) -> (&'static str, Vec<Param>) {
        match self {
            Pending::One(sql, params) => (sql, params),
            Pending::Rows {
                insert, columns, ..
            } if columns.first().is_some_and(|c| c.len() == 1) => {
                (insert.one, columns.into_iter().flatten().collect())
            }
            Pending::Rows {
                insert, columns, ..
            } => (
                insert.sql,
                columns
                    .into_iter()
                    .map(|c| Box::new(Column(c)) as Param)
                    .collect(),
            ),
        }
    }
}

impl PgTx<'_> {
    /// Queues one row of `insert` (`key`: the row's conflict key, for an upsert), to be
    /// sent with the deferred writes as part of one multi-row statement (module docs).
    pub(super) fn defer_row(&self, insert: &'static Insert, key: &[u8], row: Vec<Param>) {
        let mut pending = self.pending.borrow_mut();
        for entry in pending.iter_mut().rev() {
            match entry {
                Pending::One(..) => break,
                Pending::Rows {
                    insert: kind,
                    columns,
                    keys,
                } if std::ptr::eq(*kind, insert) => {
                    if insert.upsert && !keys.insert(key.to_vec()) {
                        break;
                    }
                    for (column, param) in columns.iter_mut().zip(row) {
                        column.push(param);
                    }
                    return;
                }
                Pending::Rows { insert: kind, .. } if kind.table == insert.table => break,
                Pending::Rows { .. } => {}
            }
        }
        let mut keys = HashSet::new();
        if insert.upsert {
            keys.insert(key.to_vec());
        }
        pending.push(Pending::Rows {
            insert,
            columns: row.into_iter().map(|p| vec![p]).collect(),
            keys,
        });
    }
}

pub(super) const EVENTS: Insert = Insert {
    table: "events",
    sql: "INSERT INTO events (item_id, seq, doc) \
          SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[])",
    one: "INSERT INTO events (item_id, seq, doc) \
          VALUES ($1, $2, $3)",
    upsert: false,
};

pub(super) const DECISIONS: Insert = Insert {
    table: "decisions",
    sql: "INSERT INTO decisions (item_id, seq, at, doc) \
          SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bigint[], $4::bytea[]) \
          ON CONFLICT (item_id, seq) DO UPDATE SET at = EXCLUDED.at, doc = EXCLUDED.doc",
    one: "INSERT INTO decisions (item_id, seq, at, doc) \
          VALUES ($1, $2, $3, $4) \
          ON CONFLICT (item_id, seq) DO UPDATE SET at = EXCLUDED.at, doc = EXCLUDED.doc",
    upsert: true,
};

pub(super) const ITEMS: Insert = Insert {
    table: "items",
    sql: "INSERT INTO items (id, community, content_id, doc, queue, rank, lease_expires, \
          text_due) SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::bytea[], \
          $5::smallint[], $6::bigint[], $7::bigint[], $8::bigint[]) \
          ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, queue = EXCLUDED.queue, \
          rank = EXCLUDED.rank, lease_expires = EXCLUDED.lease_expires, \
          text_due = EXCLUDED.text_due",
    one: "INSERT INTO items (id, community, content_id, doc, queue, rank, lease_expires, \
          text_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
          ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, queue = EXCLUDED.queue, \
          rank = EXCLUDED.rank, lease_expires = EXCLUDED.lease_expires, \
          text_due = EXCLUDED.text_due",
    upsert: true,
};

pub(super) const REVISIONS: Insert = Insert {
    table: "revisions",
    sql: "INSERT INTO revisions (item_id, revision, doc) \
          SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[]) \
          ON CONFLICT (item_id, revision) DO UPDATE SET doc = EXCLUDED.doc",
    one: "INSERT INTO revisions (item_id, revision, doc) \
          VALUES ($1, $2, $3) \
          ON CONFLICT (item_id, revision) DO UPDATE SET doc = EXCLUDED.doc",
    upsert: true,
};

pub(super) const REMOVALS: Insert = Insert {
    table: "removals",
    sql: "INSERT INTO removals (subject, doc) SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
          ON CONFLICT (subject) DO UPDATE SET doc = EXCLUDED.doc",
    one: "INSERT INTO removals (subject, doc) VALUES ($1, $2) \
          ON CONFLICT (subject) DO UPDATE SET doc = EXCLUDED.doc",
    upsert: true,
};

pub(super) const REPORTERS: Insert = Insert {
    table: "reporters",
    sql: "INSERT INTO reporters (subject, doc) SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
          ON CONFLICT (subject) DO UPDATE SET doc = EXCLUDED.doc",
    one: "INSERT INTO reporters (subject, doc) VALUES ($1, $2) \
          ON CONFLICT (subject) DO UPDATE SET doc = EXCLUDED.doc",
    upsert: true,
};

pub(super) const SUBJECTS: Insert = Insert {
    table: "subjects",
    sql: "INSERT INTO subjects (subject, item_id) \
          SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT DO NOTHING",
    one: "INSERT INTO subjects (subject, item_id) \
          VALUES ($1, $2) ON CONFLICT DO NOTHING",
    upsert: false,
};

/// The subject is the pseudonym of (community, author): a row that exists already holds
/// it, so it is not rewritten (no new row version).
pub(super) const AUTHORS: Insert = Insert {
    table: "authors",
    sql: "INSERT INTO authors (author, community, subject) \
          SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[]) \
          ON CONFLICT (author, community) DO NOTHING",
    one: "INSERT INTO authors (author, community, subject) \
          VALUES ($1, $2, $3) \
          ON CONFLICT (author, community) DO NOTHING",
    upsert: false,
};

pub(super) const RULE_LOG: Insert = Insert {
    table: "rule_log",
    sql: "INSERT INTO rule_log (seq, item_id, doc) \
          SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])",
    one: "INSERT INTO rule_log (seq, item_id, doc) \
          VALUES ($1, $2, $3)",
    upsert: false,
};

pub(super) const RULES_ACTIVE: Insert = Insert {
    table: "rules_active",
    sql: "INSERT INTO rules_active (key, expires_at, doc) \
          SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[]) \
          ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at, doc = EXCLUDED.doc",
    one: "INSERT INTO rules_active (key, expires_at, doc) \
          VALUES ($1, $2, $3) \
          ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at, doc = EXCLUDED.doc",
    upsert: true,
};

/// Operations tallies are appended, one row per (hour, community) and transaction, and
/// summed on read (`tally.rs`).
pub(super) const OPERATIONS: Insert = Insert {
    table: "operations",
    sql: "INSERT INTO operations (hour, community, doc) \
          SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])",
    one: "INSERT INTO operations (hour, community, doc) VALUES ($1, $2, $3)",
    upsert: false,
};

/// A column of rows as a one-dimensional array parameter, each element encoded by its
/// own `ToSql` as the array's element type (a `None` as a NULL element).
#[derive(Debug)]
struct Column(Vec<Param>);

impl ToSql for Column {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        let Kind::Array(member) = ty.kind() else {
            return Err(format!("a column of rows bound to {ty}, not an array").into());
        };
        let len = i32::try_from(self.0.len())?;
        // PostgreSQL's binary array: dimensions, a has-nulls flag, the element type, each
        // dimension's length and lower bound, then each element as length and bytes
        // (length -1 for NULL).
        out.put_i32(1);
        let flag_at = out.len();
        out.put_i32(0);
        out.put_u32(member.oid());
        out.put_i32(len);
        out.put_i32(1);
        let mut nulls = false;
        for element in &self.0 {
            let at = out.len();
            out.put_i32(0);
            let size = match element.to_sql_checked(member, out)? {
                IsNull::Yes => {
                    nulls = true;
                    out.truncate(at + 4);
                    -1
                }
                IsNull::No => i32::try_from(out.len() - at - 4)?,
            };
            out[at..at + 4].copy_from_slice(&size.to_be_bytes());
        }
        if nulls {
            out[flag_at..flag_at + 4].copy_from_slice(&1i32.to_be_bytes());
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Array(_))
    }

    tokio_postgres::types::to_sql_checked!();
}
