//! Identifiers and bounded text that cross the API boundary, parsed once at the edge
//! ("parse, don't validate"): a value of one of these types is valid by construction, so
//! the queue, the store and the HTTP layer never re-check it.
//!
//! ```
//! use warden::ids::{CommunityId, ContentText, ItemId};
//!
//! let community: CommunityId = "cats.example".parse().unwrap();
//! assert_eq!(community.as_str(), "cats.example");
//! assert!("no spaces please".parse::<CommunityId>().is_err());
//! assert!("*".parse::<CommunityId>().is_err()); // reserved for "every community"
//!
//! let id = ItemId::random();
//! assert_eq!(id.to_string().parse::<ItemId>().unwrap(), id);
//! assert!(ContentText::new("x".repeat(ContentText::MAX_BYTES + 1)).is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::schema::{self, string_schema};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $check:path, $schema:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<$name, String> {
                $check(&s)?;
                Ok($name(s))
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<$name, String> {
                $name::try_from(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        string_schema!($name, $schema);
    };
}

string_id!(
    /// A community (a forum, a server, a tenant): 1–64 ASCII letters, digits, `.`, `_`, `-`.
    CommunityId,
    check_community,
    schema::string(
        "A community id: 1 to 64 ASCII letters, digits, `.`, `_`, `-`.",
        Some("^[A-Za-z0-9._-]{1,64}$"),
        None
    )
);
string_id!(
    /// The platform's own id for a piece of content: 1–256 bytes, no control characters.
    ContentId,
    check_external,
    schema::string(
        "The platform's content id: 1 to 256 bytes, no control characters.",
        Some(schema::NO_CONTROL),
        Some((1, 256))
    )
);
string_id!(
    /// The platform's id for the author: 1–256 bytes, no control characters.
    AuthorId,
    check_external,
    schema::string(
        "The platform's author id: 1 to 256 bytes, no control characters.",
        Some(schema::NO_CONTROL),
        Some((1, 256))
    )
);
string_id!(
    /// The public id of an API key (`key_` and 16 hex digits); never the secret.
    KeyId,
    check_key_id,
    schema::string(
        "An API key's public id (never the secret).",
        Some(KEY_ID_PATTERN),
        None
    )
);
string_id!(
    /// A user report's id (`rpt_` and 16 hex digits), random.
    ReportId,
    check_report_id,
    schema::string(
        "A user report's id: `rpt_` and 16 lowercase hex digits.",
        Some("^rpt_[0-9a-f]{16}$"),
        None
    )
);
string_id!(
    /// A webhook's id (`whk_` and 16 hex digits), random.
    WebhookId,
    check_webhook_id,
    schema::string(
        "A webhook's id: `whk_` and 16 lowercase hex digits.",
        Some("^whk_[0-9a-f]{16}$"),
        None
    )
);

/// The form of a [`KeyId`] (the form the API documents; `check_key_id` enforces it).
pub(crate) const KEY_ID_PATTERN: &str = "^key_[0-9a-f]{16}$";

fn check_community(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("may contain only ASCII letters, digits, `.`, `_` and `-`".into());
    }
    Ok(())
}

pub(crate) fn check_external(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 256 {
        return Err("must be 1 to 256 bytes".into());
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

fn check_key_id(s: &str) -> Result<(), String> {
    check_prefixed(s, "key_")
}

fn check_report_id(s: &str) -> Result<(), String> {
    check_prefixed(s, "rpt_")
}

fn check_webhook_id(s: &str) -> Result<(), String> {
    check_prefixed(s, "whk_")
}

/// `prefix` and 16 lowercase hex digits.
fn check_prefixed(s: &str, prefix: &str) -> Result<(), String> {
    let ok = s.strip_prefix(prefix).is_some_and(|hex| {
        hex.len() == 16
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("must be `{prefix}` and 16 lowercase hex digits"))
    }
}

/// `prefix` and 64 random bits in hex.
fn random_prefixed(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

impl KeyId {
    /// A fresh random key id.
    pub fn random() -> KeyId {
        KeyId(random_prefixed("key_"))
    }
}

impl ReportId {
    pub fn random() -> ReportId {
        ReportId(random_prefixed("rpt_"))
    }
}

impl WebhookId {
    pub fn random() -> WebhookId {
        WebhookId(random_prefixed("whk_"))
    }
}

/// An item's id: 128 random bits, shown as 32 lowercase hex digits. Random rather than
/// sequential so ids reveal neither volume nor order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemId([u8; 16]);

impl ItemId {
    pub fn random() -> ItemId {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        ItemId(bytes)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> ItemId {
        ItemId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl FromStr for ItemId {
    type Err = String;
    fn from_str(s: &str) -> Result<ItemId, String> {
        let mut bytes = [0u8; 16];
        if s.len() != 32 || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("must be 32 lowercase hex digits".into());
        }
        hex::decode_to_slice(s, &mut bytes).map_err(|_| "must be 32 lowercase hex digits")?;
        Ok(ItemId(bytes))
    }
}

impl TryFrom<String> for ItemId {
    type Error = String;
    fn try_from(s: String) -> Result<ItemId, String> {
        s.parse()
    }
}

impl From<ItemId> for String {
    fn from(id: ItemId) -> String {
        id.to_string()
    }
}

string_schema!(
    ItemId,
    schema::string("An item id.", Some("^[0-9a-f]{32}$"), None)
);

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// User-generated text, at most [`ContentText::MAX_BYTES`]. Its `Debug` never prints the
/// text, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentText(String);

impl ContentText {
    /// 64 KiB: far above any comment or post, well below the request body limit.
    pub const MAX_BYTES: usize = 64 * 1024;

    pub fn new(text: impl Into<String>) -> Result<ContentText, String> {
        let text = text.into();
        if text.len() > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes", Self::MAX_BYTES));
        }
        Ok(ContentText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the text, hex: how an unchanged resubmission is recognized.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl TryFrom<String> for ContentText {
    type Error = String;
    fn try_from(s: String) -> Result<ContentText, String> {
        ContentText::new(s)
    }
}

impl From<ContentText> for String {
    fn from(t: ContentText) -> String {
        t.0
    }
}

string_schema!(
    ContentText,
    schema::string(
        "User-generated text: at most 65,536 bytes.",
        None,
        Some((0, ContentText::MAX_BYTES))
    )
);

impl fmt::Debug for ContentText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentText({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_ids() {
        assert!("a".parse::<CommunityId>().is_ok());
        assert!("A-b_c.9".parse::<CommunityId>().is_ok());
        assert!("".parse::<CommunityId>().is_err());
        assert!("x".repeat(65).parse::<CommunityId>().is_err());
        assert!("é".parse::<CommunityId>().is_err());
        assert!("a/b".parse::<CommunityId>().is_err());
    }

    #[test]
    fn external_ids() {
        assert!("t3_abc/комментарий".parse::<ContentId>().is_ok());
        assert!("a\nb".parse::<ContentId>().is_err());
        assert!("".parse::<AuthorId>().is_err());
    }

    #[test]
    fn key_ids() {
        let id = KeyId::random();
        assert_eq!(id.as_str().parse::<KeyId>().unwrap(), id);
        assert!("key_0123".parse::<KeyId>().is_err());
        assert!("key_0123456789ABCDEF".parse::<KeyId>().is_err());
        assert!("system".parse::<KeyId>().is_err());
    }

    #[test]
    fn item_ids() {
        assert!("0".repeat(32).parse::<ItemId>().is_ok());
        assert!("A".repeat(32).parse::<ItemId>().is_err());
        assert!("g".repeat(32).parse::<ItemId>().is_err());
        assert!("0".repeat(31).parse::<ItemId>().is_err());
        let json = serde_json::to_string(&ItemId::from_bytes([1; 16])).unwrap();
        assert_eq!(json, format!("\"{}\"", "01".repeat(16)));
    }

    #[test]
    fn text_debug_hides_content() {
        let t = ContentText::new("secret words").unwrap();
        assert_eq!(format!("{t:?}"), "ContentText(12 bytes)");
    }
}
