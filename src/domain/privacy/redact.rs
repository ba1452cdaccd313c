//! Redaction: personal data (the pattern engine's `pii` detectors) masked out of what
//! moderators see, by default. `you can reach me at ana@example.com` becomes `you can
//! reach me at [email]`. Revealing it is a deliberate, audited act (`?reveal=pii`, see the
//! items route).
//!
//! ```
//! use warden::domain::privacy::redact::mask;
//!
//! assert_eq!(mask("mail ana@example.com or call +44 20 7946 0958"), "mail [email] or call [phone]");
//! assert_eq!(mask("nothing here"), "nothing here");
//! ```

use crate::patterns::pii_byte_spans;

/// `text` with every personal-data span replaced by `[kind]`.
pub fn mask(text: &str) -> String {
    let spans = pii_byte_spans(text);
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, kind) in spans {
        // Spans are ordered and disjoint; `get` keeps a bad span from panicking.
        if range.start < at {
            continue;
        }
        out.push_str(text.get(at..range.start).unwrap_or_default());
        out.push('[');
        out.push_str(kind.as_str());
        out.push(']');
        at = range.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Masks every string inside a JSON value (a submission's `context`).
pub fn mask_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            let masked = mask(s);
            if masked != *s {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_kind_and_keeps_the_rest() {
        assert_eq!(
            mask("card 4111 1111 1111 1111, ip 192.168.1.20, ssn 123-45-6789."),
            "card [payment_card], ip [ipv4], ssn [us_ssn]."
        );
        assert_eq!(mask("ünïcödé ana@example.com ✓"), "ünïcödé [email] ✓");
    }

    #[test]
    fn masks_inside_json() {
        let mut v = serde_json::json!({"thread": ["write me: bo@example.org"], "n": 3});
        mask_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"thread": ["write me: [email]"], "n": 3})
        );
    }
}
