//! The application layer: one module per use case, each reading and writing through a
//! [`Store`](crate::store::Store) and applying the rules of [`domain`](crate::domain).
//! The HTTP API and the command line call these; they never loop over the store
//! themselves.
//!
//! * [`audit`]: reading the audit log within a reader's scope;
//! * [`bulk`]: one decision over the items a filter selects;
//! * [`calibration`]: the engine's live precision, and threshold suggestions;
//! * [`changes`]: concurrent requests' changes of single items written together;
//! * [`claims`]: claiming with leases, concurrent claims made together, and returning
//!   expired leases to their queues;
//! * [`coalesce`]: concurrent requests' submissions stored together, one store call at a time;
//! * [`communities`]: the per-community rules cache;
//! * [`decisions`]: deciding, releasing, undoing, appealing, revealing personal data;
//! * [`feedback`]: score feedback, appended and listed for calibration;
//! * [`feed`]: the suppression change log as a feed, and the active-rule index;
//! * [`items`]: reading one item whole, its history, and changing it;
//! * [`labels`]: moderator-decided items exported for retraining;
//! * [`operations`]: the operations dashboard;
//! * [`keys`]: creating, revoking and listing API keys, with their audit records;
//! * [`notices`]: user reports (notice and action) and trusted flaggers;
//! * [`reports`]: an author's record, statements of reasons, transparency reports;
//! * [`subjects`]: data-subject requests, export and erasure;
//! * [`submit`]: a scored text as a submission, and storing a batch;
//! * [`webhooks`]: webhook endpoints, their delivery log, and the delivery worker;
//! * `turns`: the thread behind the coalescers, and how requests reach it.

pub mod audit;
pub mod bulk;
pub mod calibration;
pub mod changes;
pub mod claims;
pub mod coalesce;
pub mod communities;
pub mod decisions;
pub mod feed;
pub mod feedback;
pub mod items;
pub mod keys;
pub mod labels;
pub mod notices;
pub mod operations;
pub mod reports;
pub mod subjects;
pub mod submit;
#[cfg(test)]
mod test_support;
pub(crate) mod turns;
pub mod webhooks;
