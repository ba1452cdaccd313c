//! An export (GDPR Art. 15) read through the [`Store`] interface, so every backend
//! answers it alike: the subject's items, opened, with the revisions and appeal that are
//! theirs.

use super::Store;
use crate::domain::privacy::{
    ExportAppeal, ExportItem, ExportReport, ExportRevision, Personal, SubjectId,
};
use crate::failure::Failure;
use crate::ids::ItemId;

/// The export of `subject`'s data in `items` (the items its index names).
pub(crate) fn export_items(
    store: &dyn Store,
    subject: SubjectId,
    items: Vec<ItemId>,
) -> Result<Vec<ExportItem>, Failure> {
    let mut out = Vec::new();
    for id in items {
        let Some(mut item) = store.item(&id)? else {
            continue;
        };
        store.open_item(&mut item)?;
        let mut revisions = Vec::new();
        for n in 1..=item.revision {
            let Some(r) = store.revision(&id, n)? else {
                continue;
            };
            if r.subject != Some(subject) {
                continue;
            }
            revisions.push(ExportRevision {
                revision: r.revision,
                submitted_at: r.submitted_at,
                text: r.text.into_plain().map(String::from),
                context: r.context.and_then(Personal::into_plain),
                verdict: r.verdict,
                action: r.action,
            });
        }
        let appeal = item
            .appeal
            .clone()
            .filter(|_| item.subject == Some(subject))
            .map(|a| ExportAppeal {
                statement: a.statement.into_plain(),
                at: a.at,
                result: a.result,
            });
        out.push(ExportItem {
            item_id: item.id,
            community: item.community.clone(),
            content_id: item.content_id.clone(),
            status: item.status,
            outcome: item.outcome,
            labels: item.labels.clone(),
            created_at: item.created_at,
            updated_at: item.updated_at,
            text_removed: item.text_removed,
            revisions,
            appeal,
            events: store.events(&id)?,
            // Reports they filed on anyone's item: their comment is theirs.
            reports: item
                .reports
                .iter()
                .filter(|r| r.reporter == Some(subject))
                .map(|r| ExportReport {
                    report_id: r.id.clone(),
                    reason: r.reason,
                    revision: r.revision,
                    comment: r.comment.clone().and_then(Personal::into_plain),
                    at: r.at,
                    outcome: r.resolution.as_ref().map(|x| x.outcome),
                })
                .collect(),
        });
    }
    Ok(out)
}
