//! Connections refused below the API, by actix-http itself: a malformed request (400), a
//! head over the size limit (431), a body left unread after an early error response, a
//! connection that broke. (A head that does not arrive in time gets its 408 from
//! actix-http without any log line, so there is nothing to count there.)
//!
//! actix-http logs each of these at ERROR (`stream error: …`). Any unauthenticated client
//! can cause them at will, so at ERROR they would let anyone fill the error log and bury
//! real failures. [`layer`] takes them out of the log and counts them by reason instead;
//! the counts are in `/metrics` (`warden_http_protocol_rejections_total`), and `serve`
//! logs a one-line summary at info when they changed ([`summary`]), at most once a minute.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The target of actix-http's HTTP/1 connection handler, which logs the rejections.
pub(crate) const DISPATCHER_TARGET: &str = "actix_http::h1::dispatcher";

/// Why actix-http refused or dropped a connection. `as_str` is the metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// 400: a request line or header that does not parse.
    BadRequest,
    /// 431: a request head over the buffer limit.
    HeadTooLarge,
    /// The response went out before the body was read (401, 413, 415 …).
    UnreadBody,
    /// The connection broke (reset, closed mid-request).
    Io,
}

impl Reason {
    const ALL: [Reason; 4] = [
        Reason::BadRequest,
        Reason::HeadTooLarge,
        Reason::UnreadBody,
        Reason::Io,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Reason::BadRequest => "bad_request",
            Reason::HeadTooLarge => "head_too_large",
            Reason::UnreadBody => "unread_body",
            Reason::Io => "io",
        }
    }

    /// The reason of a `stream error: …` message, from actix-http's `DispatchError`
    /// texts; `None` for anything else (that stays in the log).
    fn of(message: &str) -> Option<Reason> {
        let error = message.strip_prefix("stream error: ")?;
        if let Some(parse) = error.strip_prefix("request parse error: ") {
            return Some(if parse.starts_with("message head is too large") {
                Reason::HeadTooLarge
            } else {
                Reason::BadRequest
            });
        }
        if error.starts_with("handler dropped payload") {
            Some(Reason::UnreadBody)
        } else if error.starts_with("I/O error") {
            Some(Reason::Io)
        } else {
            None
        }
    }

    fn counter(self) -> &'static AtomicU64 {
        &COUNTS[self as usize]
    }
}

/// Counts since the process started. Process-wide, like the log they replace.
static COUNTS: [AtomicU64; Reason::ALL.len()] = [const { AtomicU64::new(0) }; Reason::ALL.len()];

/// The counts by reason label.
fn counts() -> [(&'static str, u64); Reason::ALL.len()] {
    Reason::ALL.map(|r| (r.as_str(), r.counter().load(Ordering::Relaxed)))
}

/// `/metrics` lines for the counts.
pub(crate) fn render(out: &mut String) {
    let name = "warden_http_protocol_rejections_total";
    let _ = writeln!(
        out,
        "# HELP {name} Connections refused or dropped below the API (not logged at ERROR).\n\
         # TYPE {name} counter"
    );
    for (reason, n) in counts() {
        let _ = writeln!(out, "{name}{{reason=\"{reason}\"}} {n}");
    }
}

/// A summary for the log when the counts moved since `seen` (which it updates).
pub(crate) fn summary(seen: &mut [u64; Reason::ALL.len()]) -> Option<String> {
    let now = counts();
    let mut parts = Vec::new();
    for (i, (reason, n)) in now.iter().enumerate() {
        if *n > seen[i] {
            parts.push(format!("{reason} +{}", n - seen[i]));
        }
        seen[i] = *n;
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The tracing layer that drops actix-http's rejection errors from the log and counts
/// them. It vetoes the event (`event_enabled`), so no other layer formats it.
pub fn layer<S: Subscriber>() -> impl Layer<S> {
    Rejections
}

struct Rejections;

impl<S: Subscriber> Layer<S> for Rejections {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || meta.target() != DISPATCHER_TARGET {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        match Reason::of(&message.0) {
            Some(reason) => {
                reason.counter().fetch_add(1, Ordering::Relaxed);
                false
            }
            None => true,
        }
    }
}

/// An event's `message` field, formatted.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_from_actix_messages() {
        let cases = [
            (
                "stream error: request parse error: invalid Header provided",
                Some(Reason::BadRequest),
            ),
            (
                "stream error: request parse error: message head is too large",
                Some(Reason::HeadTooLarge),
            ),
            (
                "stream error: handler dropped payload before reading EOF",
                Some(Reason::UnreadBody),
            ),
            (
                "stream error: I/O error: Connection reset by peer",
                Some(Reason::Io),
            ),
            ("stream error: internal error", None),
            ("Internal server error: unexpected eof", None),
        ];
        for (message, reason) in cases {
            assert_eq!(Reason::of(message), reason, "{message}");
        }
    }
}
