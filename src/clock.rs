//! Time as the moderation service records it: [`Timestamp`], milliseconds since the Unix
//! epoch, shown to clients as RFC 3339 in UTC.
//!
//! ```
//! use warden::clock::Timestamp;
//!
//! let t = Timestamp::from_millis(1_700_000_000_123);
//! assert_eq!(t.to_string(), "2023-11-14T22:13:20.123Z");
//! assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
//! assert_eq!(t.plus_seconds(2).millis(), 1_700_000_002_123);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A point in time with millisecond precision.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = DateTime)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: u32) -> Timestamp {
        Timestamp(self.0.saturating_add(i64::from(seconds) * 1000))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        // RFC 3339 with exactly three fractional digits, so strings sort like times.
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Timestamp, String> {
        let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("not RFC 3339: {e}"))?;
        Ok(Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64))
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(s: String) -> Result<Timestamp, String> {
        s.parse()
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}
