//! Personal data on PostgreSQL: retention sweeps, erasure (GDPR Art. 17) and export
//! (GDPR Art. 15). An erasure deletes the subject's key row and drops its texts in one
//! transaction; what PostgreSQL keeps of them afterwards (dead tuples until VACUUM, the
//! WAL, backups) is in the README.

use super::tx::RuleChange;
use super::*;
use crate::domain::audit::{AuditAction, AuditActor};
use crate::domain::privacy::{ReceiptId, ReceiptSubject};
use crate::domain::suppress::{erasure_rule, Cause, RuleId, Subject, SubjectKind, SubjectRef};
use crate::store::record::author_rule_key;

/// Where opening a record finds a subject's key: `None` when erased.
pub(super) type KeyOf<'a> = dyn Fn(&SubjectId) -> Result<Option<Key>, Failure> + 'a;

impl PgStore {
    /// The item's personal data opened with the keys `key_of` gives.
    pub(super) fn open_item_with(
        &self,
        item: &mut Item,
        key_of: &KeyOf<'_>,
    ) -> Result<(), Failure> {
        crate::store::record::open_item(item, key_of)
    }

    pub(super) fn open_revision(
        &self,
        id: &ItemId,
        revision: Revision,
    ) -> Result<Revision, Failure> {
        self.open_revision_with(id, revision, &|s| self.key(s))
    }

    /// A revision opened with the keys `key_of` gives (read beforehand, or now).
    pub(super) fn open_revision_with(
        &self,
        id: &ItemId,
        revision: Revision,
        key_of: &KeyOf<'_>,
    ) -> Result<Revision, Failure> {
        crate::store::record::open_revision(id, revision, key_of)
    }

    pub(super) fn sweep_texts(&self, now: Timestamp, limit: usize) -> Result<usize, Failure> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let due = self.rows(
            "SELECT id FROM items WHERE text_due <= $1 ORDER BY text_due, id LIMIT $2",
            &[&now.millis(), &limit],
        )?;
        let mut swept = 0;
        for row in due {
            let id = item_id(row.try_get(0).map_err(internal)?)?;
            let done = self.transact(|tx| {
                let Some(before) = tx.load(&id)? else {
                    return Ok(false);
                };
                if !before.is_text_due(now) {
                    return Ok(false);
                }
                let mut after = before.clone();
                for mut r in tx.revisions(&id)? {
                    r.drop_text();
                    tx.put_revision(&id, &r)?;
                }
                let events = after.expire_text(now);
                tx.write_item(Some(&before), &mut after, events)?;
                Ok(true)
            })?;
            swept += usize::from(done);
        }
        Ok(swept)
    }

    pub(super) fn erase_author(
        &self,
        community: &CommunityId,
        author: &AuthorId,
        actor: &KeyId,
        now: Timestamp,
    ) -> Result<Receipt, Failure> {
        let subject = self.master.subject(community, author);
        let author_ref = self.master.author_ref(author);
        let receipt_id = ReceiptId::random();
        let rule_subject = Subject {
            kind: SubjectKind::Author,
            community: community.clone(),
            id: SubjectRef::try_from(author.to_string()).map_err(internal)?,
        };
        let (items, revisions, rules, key_destroyed) = self.transact(|tx| {
            let sid = subject.as_bytes().as_slice();
            // The key row first: submissions sealing with it (they share-lock it) finish
            // before, later ones wait and then find no key.
            let key_destroyed = !tx
                .rows(
                    "SELECT 1 FROM subject_keys WHERE subject = $1 FOR UPDATE",
                    &[&sid],
                )?
                .is_empty();
            tx.lock_subject(&subject)?;
            let items = tx
                .rows("SELECT item_id FROM subjects WHERE subject = $1", &[&sid])?
                .iter()
                .map(|r| item_id(r.try_get(0).map_err(internal)?))
                .collect::<Result<Vec<_>, Failure>>()?;
            let mut revisions = 0u64;
            for id in &items {
                let Some(before) = tx.load(id)? else { continue };
                let mut after = before.clone();
                for mut r in tx.revisions(id)? {
                    if r.erase(&subject) {
                        tx.put_revision(id, &r)?;
                        revisions += 1;
                    }
                }
                let events = after.erase(&subject, actor, now);
                tx.write_item(Some(&before), &mut after, events)?;
            }
            tx.exec("DELETE FROM subjects WHERE subject = $1", &[&sid])?;
            tx.exec(
                "DELETE FROM authors WHERE author = $1 AND community = $2",
                &[&author_ref.as_slice(), &community.as_str()],
            )?;
            tx.exec("DELETE FROM removals WHERE subject = $1", &[&sid])?;
            // Their record as a reporter (reputation, trusted mark) is about them too.
            tx.exec("DELETE FROM reporters WHERE subject = $1", &[&sid])?;
            tx.outbox
                .borrow_mut()
                .push(crate::domain::webhook::OutboxEvent::erased(
                    community,
                    receipt_id.as_str(),
                    now,
                ));
            let key = author_rule_key(&subject, Cause::Erasure);
            let mut rules = Vec::new();
            if tx.active_rule(&key)?.is_none() {
                let change = RuleChange::Set(erasure_rule(), rule_subject.clone());
                tx.change_rule(&key, change, now)?;
                // The receipt names the rule, whose id is made from its seq.
                tx.settle_rules()?;
                if let Some(seq) = tx.last_rule.get() {
                    rules.push(RuleId::created_at_seq(seq));
                }
            }
            tx.audit(
                &AuditRecord::new(
                    now,
                    AuditActor::Key(actor.clone()),
                    AuditAction::SubjectErase,
                    receipt_id.as_str(),
                )
                .about(community),
            )?;
            // In the same transaction as the texts: both go, or neither.
            tx.exec("DELETE FROM subject_keys WHERE subject = $1", &[&sid])?;
            Ok((items.len() as u64, revisions, rules, key_destroyed))
        })?;
        Ok(Receipt {
            receipt_id,
            subject: ReceiptSubject {
                kind: SubjectKind::Author,
                community: community.clone(),
                id: author.to_string(),
            },
            community: community.clone(),
            items,
            revisions,
            key_destroyed,
            rules,
            erased_at: now,
        })
    }

    pub(super) fn export_author(
        &self,
        community: &CommunityId,
        author: &AuthorId,
    ) -> Result<Vec<ExportItem>, Failure> {
        let subject = self.master.subject(community, author);
        let items = self.items_of_subject(&subject, usize::MAX)?;
        crate::store::export::export_items(self, subject, items)
    }
}
