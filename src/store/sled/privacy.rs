//! Personal data in the sled backend: retention sweeps, erasure (GDPR Art. 17) and
//! export (GDPR Art. 15). What an erasure or a sweep changes on an item is decided in
//! `domain`; this file finds the records, drops the sealed text and persists.

use super::keys::*;
use super::tx::RuleChange;
use super::*;
use crate::domain::audit::{AuditAction, AuditActor};
use crate::domain::privacy::{ReceiptId, ReceiptSubject};
use crate::domain::suppress::{erasure_rule, Cause, RuleId, SubjectKind, SubjectRef};

impl SledStore {
    pub(super) fn open_rule(&self, stored: StoredRule) -> std::result::Result<Rule, Failure> {
        stored.open(self.vault.log_key())
    }

    /// Opens an item's personal data for a response: the author id and appeal statement
    /// under the author's key, report comments under their reporters' keys.
    pub(super) fn open_personal(&self, item: &mut Item) -> std::result::Result<(), Failure> {
        crate::store::record::open_item(item, |s| self.vault.key(s))
    }

    pub(super) fn open_revision(
        &self,
        id: &ItemId,
        revision: Revision,
    ) -> std::result::Result<Revision, Failure> {
        crate::store::record::open_revision(id, revision, |s| self.vault.key(s))
    }

    pub(super) fn sweep_texts(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> std::result::Result<usize, Failure> {
        let mut swept = 0;
        for due in self.due(RETENTION, now, limit)? {
            let id = item_id(due.get(8..).unwrap_or_default())?;
            let done = self.transact(|tx| {
                let Some(before) = tx.load(&id)? else {
                    tx.tree(RETENTION).remove(&*due)?;
                    return Ok(false);
                };
                if !before.is_text_due(now) {
                    return Ok(false);
                }
                let mut after = before.clone();
                for n in 1..=after.revision {
                    let rkey = child_key(&id, &n.to_be_bytes());
                    if let Some(mut r) = tx.get::<Revision>(REVISIONS, &rkey)? {
                        r.drop_text();
                        tx.put(REVISIONS, &rkey, &r)?;
                    }
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
    ) -> std::result::Result<Receipt, Failure> {
        // Nothing is sealed with this subject's key until it is gone.
        let _erasing = self.vault.erasing();
        let subject = self.vault.subject(community, author);
        let items = self.subject_items(&subject)?;
        let receipt_id = ReceiptId::random();
        let rule_subject = Subject {
            kind: SubjectKind::Author,
            community: community.clone(),
            id: SubjectRef::try_from(author.to_string()).map_err(internal)?,
        };
        let audit_seq = self.db.generate_id().map_err(internal)?;
        let (revisions, rules) = self.transact(|tx| {
            let mut revisions = 0u64;
            for id in &items {
                let mut skey = subject.as_bytes().to_vec();
                skey.extend_from_slice(id.as_bytes());
                tx.tree(SUBJECTS).remove(skey)?;
                let Some(before) = tx.load(id)? else { continue };
                let mut after = before.clone();
                for n in 1..=after.revision {
                    let rkey = child_key(id, &n.to_be_bytes());
                    if let Some(mut r) = tx.get::<Revision>(REVISIONS, &rkey)? {
                        if r.erase(&subject) {
                            tx.put(REVISIONS, &rkey, &r)?;
                            revisions += 1;
                        }
                    }
                }
                let events = after.erase(&subject, actor, now);
                tx.write_item(Some(&before), &mut after, events)?;
            }
            let mut akey = self.vault.author_ref(author).to_vec();
            akey.extend_from_slice(community.as_str().as_bytes());
            tx.tree(AUTHORS).remove(akey)?;
            tx.tree(REMOVALS).remove(&subject.as_bytes()[..])?;
            // Their record as a reporter (reputation, trusted mark) is about them too.
            tx.tree(REPORTERS).remove(&subject.as_bytes()[..])?;
            let erased = OutboxEvent::erased(community, receipt_id.as_str(), now);
            let seq = tx.next_outbox_seq()?;
            tx.put(OUTBOX, &seq.to_be_bytes(), &erased)?;
            let key = author_rule_key(&subject, Cause::Erasure);
            let mut rules = Vec::new();
            if tx.active_rule(&key)?.is_none() {
                let change = RuleChange::Set(erasure_rule(), rule_subject.clone());
                tx.change_rule(&key, change, now)?;
                if let Some(seq) = tx.last_rule.get() {
                    rules.push(RuleId::created_at_seq(seq));
                }
            }
            tx.audit(
                audit_seq,
                &AuditRecord::new(
                    now,
                    AuditActor::Key(actor.clone()),
                    AuditAction::SubjectErase,
                    receipt_id.as_str(),
                )
                .about(community),
            )?;
            Ok((revisions, rules))
        })?;
        // The records no longer need the key: make them durable, then destroy it. A crash
        // in between leaves an orphan key, destroyed on the next start.
        self.flush()?;
        let key_destroyed = self.vault.destroy(&subject)?;
        Ok(Receipt {
            receipt_id,
            subject: ReceiptSubject {
                kind: SubjectKind::Author,
                community: community.clone(),
                id: author.to_string(),
            },
            community: community.clone(),
            items: items.len() as u64,
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
    ) -> std::result::Result<Vec<ExportItem>, Failure> {
        let subject = self.vault.subject(community, author);
        crate::store::export::export_items(self, subject, self.subject_items(&subject)?)
    }
}
