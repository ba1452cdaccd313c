//! Reporters in the sled backend: pseudonyms, records and trusted marks. A record's
//! outcomes change only in item transactions (`tx.rs`, from `consequences`); the trusted
//! mark changes here, in a transaction of its own with its audit record.

use super::keys::*;
use super::*;
use crate::domain::notice::ReporterRecord;

impl SledStore {
    pub(super) fn content_item(
        &self,
        community: &CommunityId,
        content_id: &crate::ids::ContentId,
    ) -> std::result::Result<Option<ItemId>, Failure> {
        match self
            .tree(CONTENT)
            .get(content_key(community, content_id))
            .map_err(internal)?
        {
            Some(id) => Ok(Some(item_id(&id)?)),
            None => Ok(None),
        }
    }

    pub(super) fn reporter_record(
        &self,
        subject: &SubjectId,
    ) -> std::result::Result<Option<ReporterRecord>, Failure> {
        get_json(self.tree(REPORTERS), subject.as_bytes())
    }

    pub(super) fn mark_trusted(
        &self,
        subject: &SubjectId,
        trusted: bool,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        let audit_seq = self.db.generate_id().map_err(internal)?;
        self.transact(|tx| {
            let mut record: ReporterRecord =
                tx.get(REPORTERS, subject.as_bytes())?.unwrap_or_default();
            record.trusted = trusted;
            tx.put(REPORTERS, subject.as_bytes(), &record)?;
            tx.audit(audit_seq, audit)
        })
    }
}
