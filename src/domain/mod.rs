//! The moderation domain: pure types and rules, no store and no I/O.
//!
//! * [`item`] and [`event`]: items, their lifecycle and its append-only history;
//! * [`notice`]: user reports, reporters' reputation and report routing;
//! * [`queue`]: priority and the order the human queues are served in;
//! * [`suppress`]: suppression rules, the policy that derives them, and the rule diff;
//! * [`community`]: per-community policy documents and compiled rules;
//! * [`privacy`]: subjects, sealed personal data, redaction, receipts and exports;
//! * [`transparency`]: decision records, DSA statements of reasons and reports;
//! * [`webhook`]: events for platforms, their signatures and delivery rules;
//! * [`audit`]: the audit log's records;
//! * [`feedback`]: score feedback, a caller's correction of Warden's scores;
//! * [`bulk`]: one decision applied to the items a filter selects;
//! * [`operations`]: the operations dashboard's incrementally kept tallies;
//! * [`calibration`]: the engine's live precision from moderators' decisions, and
//!   threshold suggestions.
//!
//! Everything here is a function of its arguments: the application layer
//! (`moderation`) reads and writes through the store and calls these rules.

pub mod audit;
pub mod bulk;
pub mod calibration;
pub mod community;
pub mod consequences;
pub mod event;
pub mod feedback;
pub mod history;
pub mod item;
pub mod notice;
pub mod operations;
pub mod privacy;
pub mod queue;
pub mod queue_samples;
pub mod suppress;
pub mod transparency;
pub mod webhook;
