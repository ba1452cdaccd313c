//! Personal-data detectors: email addresses, phone numbers, payment cards, IBANs, IP
//! addresses and US social security numbers.
//!
//! A match here hides text from moderators (redaction), so every detector validates what
//! it can: Luhn for cards, the ISO 13616 checksum for IBANs, octet ranges for IPv4, a real
//! parse for IPv6, numbering-plan rules for phone numbers and SSNs.

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use regex::Regex;

use crate::verdict::PiiKind;

/// A detected piece of personal data, as byte offsets into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PiiSpan {
    pub start: usize,
    pub end: usize,
    pub kind: PiiKind,
}

struct Detectors {
    email: Regex,
    phone_intl: Regex,
    phone_nanp: Regex,
    phone_national: Regex,
    card: Regex,
    iban: Regex,
    ipv4: Regex,
    ipv6: Regex,
    ssn: Regex,
}

fn detectors() -> &'static Detectors {
    static DETECTORS: OnceLock<Detectors> = OnceLock::new();
    DETECTORS.get_or_init(|| {
        // ASCII semantics (`(?-u)`): Unicode word boundaries force the regex engine off its
        // fast DFA on non-ASCII text, and the validators count ASCII digits only.
        let re = |pattern: &str| Regex::new(&format!("(?-u){pattern}")).expect("detector patterns are valid");
        Detectors {
            email: re(r"(?i)[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_%+-])?@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,24}\b"),
            phone_intl: re(r"\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{2,5}){1,5}\b"),
            phone_nanp: re(r"\b(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}\b|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}\b"),
            phone_national: re(r"\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b"),
            card: re(r"\b\d(?:[ -]?\d){12,18}\b"),
            iban: re(r"(?i)\b[a-z]{2}\d{2}(?:[ ]?[a-z0-9]){11,30}"),
            ipv4: re(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
            ipv6: re(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:(?:\d{1,3}\.){3}\d{1,3})?"),
            ssn: re(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b"),
        }
    })
}

/// Finds personal data in `text`, non-overlapping, ordered by position.
pub(crate) fn find_pii(text: &str) -> Vec<PiiSpan> {
    let bytes = text.as_bytes();
    let has_digit = bytes.iter().any(u8::is_ascii_digit);
    let has_at = bytes.contains(&b'@');
    let has_colon = bytes.contains(&b':');
    if !has_digit && !has_at {
        return Vec::new();
    }
    let d = detectors();
    let mut found = Vec::new();
    let mut push =
        |start: usize, end: usize, kind: PiiKind| found.push(PiiSpan { start, end, kind });

    if has_at {
        for m in d.email.find_iter(text) {
            if valid_email(m.as_str()) {
                push(m.start(), m.end(), PiiKind::Email);
            }
        }
    }
    if has_digit {
        for m in d.iban.find_iter(text) {
            if let Some(len) = iban_length(m.as_str()) {
                push(m.start(), m.start() + len, PiiKind::Iban);
            }
        }
        for m in d.card.find_iter(text) {
            if valid_card(m.as_str()) {
                push(m.start(), m.end(), PiiKind::PaymentCard);
            }
        }
        for m in d.ssn.find_iter(text) {
            if valid_ssn(m.as_str()) {
                push(m.start(), m.end(), PiiKind::UsSsn);
            }
        }
        for m in d.ipv4.find_iter(text) {
            if valid_ipv4(m.as_str()) && !dotted_neighbour(bytes, m.start(), m.end()) {
                push(m.start(), m.end(), PiiKind::Ipv4);
            }
        }
        for m in d.phone_intl.find_iter(text) {
            let digits = count_digits(m.as_str());
            if (8..=15).contains(&digits) && !preceded_by_alnum(bytes, m.start()) {
                push(m.start(), m.end(), PiiKind::Phone);
            }
        }
        for m in d.phone_nanp.find_iter(text) {
            if valid_nanp(m.as_str()) {
                push(m.start(), m.end(), PiiKind::Phone);
            }
        }
        for m in d.phone_national.find_iter(text) {
            if (10..=11).contains(&count_digits(m.as_str())) {
                push(m.start(), m.end(), PiiKind::Phone);
            }
        }
    }
    if has_colon {
        for m in d.ipv6.find_iter(text) {
            if valid_ipv6(m.as_str()) && !hex_neighbour(bytes, m.start(), m.end()) {
                push(m.start(), m.end(), PiiKind::Ipv6);
            }
        }
    }
    resolve_overlaps(found)
}

/// Keeps, among overlapping spans, the one found by the more specific detector (the order
/// of `priority`), then the longer.
fn resolve_overlaps(mut found: Vec<PiiSpan>) -> Vec<PiiSpan> {
    let priority = |k: PiiKind| match k {
        PiiKind::Email => 0,
        PiiKind::Iban => 1,
        PiiKind::PaymentCard => 2,
        PiiKind::UsSsn => 3,
        PiiKind::Ipv6 => 4,
        PiiKind::Ipv4 => 5,
        PiiKind::Phone => 6,
    };
    found.sort_by_key(|s| {
        (
            priority(s.kind),
            std::cmp::Reverse(s.end - s.start),
            s.start,
        )
    });
    let mut kept: Vec<PiiSpan> = Vec::with_capacity(found.len());
    for span in found {
        if !kept
            .iter()
            .any(|k| span.start < k.end && k.start < span.end)
        {
            kept.push(span);
        }
    }
    kept.sort_by_key(|s| s.start);
    kept
}

fn count_digits(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

fn preceded_by_alnum(bytes: &[u8], start: usize) -> bool {
    start > 0 && bytes[start - 1].is_ascii_alphanumeric()
}

fn valid_email(s: &str) -> bool {
    let Some((local, _)) = s.split_once('@') else {
        return false;
    };
    !local.contains("..") && !local.starts_with('.')
}

/// Luhn-valid, 13–19 digits, with an issuer prefix in use (2–6) and not one repeated digit.
fn valid_card(s: &str) -> bool {
    let d = digits(s);
    if !(13..=19).contains(&d.len()) || !(2..=6).contains(&d[0]) || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = x as u32;
            if i % 2 == 1 {
                let doubled = x * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                x
            }
        })
        .sum();
    sum % 10 == 0
}

/// IBAN lengths by country (ISO 13616 registry).
fn iban_country_length(country: &str) -> Option<usize> {
    Some(match country {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FO" | "GL" | "NL" => 18,
        "MK" | "SI" => 19,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "XK" => 20,
        "CH" | "CR" | "HR" | "LI" | "LV" => 21,
        "BG" | "BH" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" => 22,
        "AE" | "GI" | "IL" | "TL" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "PT" | "ST" => 25,
        "IS" | "TR" => 26,
        "FR" | "GR" | "IT" | "MC" | "MR" | "SM" => 27,
        "AL" | "AZ" | "BY" | "CY" | "DO" | "GT" | "HU" | "LB" | "PL" | "SV" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" => 30,
        "MT" | "SC" => 31,
        "LC" => 32,
        _ => return None,
    })
}

/// If `candidate` starts with a valid IBAN, its length in bytes (spaces included).
fn iban_length(candidate: &str) -> Option<usize> {
    let country = candidate.get(..2)?.to_ascii_uppercase();
    let want = iban_country_length(&country)?;
    let mut compact = String::with_capacity(want);
    let mut consumed = 0;
    for (i, c) in candidate.char_indices() {
        if compact.len() == want {
            break;
        }
        if c != ' ' {
            compact.push(c.to_ascii_uppercase());
        }
        consumed = i + c.len_utf8();
    }
    if compact.len() != want
        || candidate[consumed..].starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        return None;
    }
    // Move the country code and check digits to the end, letters to numbers, mod 97.
    let rearranged = compact[4..].chars().chain(compact[..4].chars());
    let mut remainder = 0u32;
    for c in rearranged {
        let value = c.to_digit(36)?;
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    (remainder == 1).then_some(consumed)
}

fn valid_ssn(s: &str) -> bool {
    let d = digits(s);
    let area = d[0] as u32 * 100 + d[1] as u32 * 10 + d[2] as u32;
    let group = d[3] * 10 + d[4];
    let serial = d[5..].iter().fold(0u32, |acc, &x| acc * 10 + x as u32);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

fn valid_ipv4(s: &str) -> bool {
    s.split('.').all(|octet| {
        octet.parse::<u16>().is_ok_and(|v| v <= 255) && (octet == "0" || !octet.starts_with('0'))
    })
}

/// `1.2.3.4.5` is a version number, not an address.
fn dotted_neighbour(bytes: &[u8], start: usize, end: usize) -> bool {
    let before = start >= 2 && bytes[start - 1] == b'.' && bytes[start - 2].is_ascii_digit();
    let after = end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit();
    before || after
}

fn valid_ipv6(s: &str) -> bool {
    let groups = s.split(':').filter(|g| !g.is_empty()).count();
    groups >= 3 && s.parse::<Ipv6Addr>().is_ok()
}

fn hex_neighbour(bytes: &[u8], start: usize, end: usize) -> bool {
    let is_part = |b: u8| b.is_ascii_hexdigit() || b == b':';
    (start > 0 && is_part(bytes[start - 1])) || (end < bytes.len() && is_part(bytes[end]))
}

/// North American numbers: area code and exchange start with 2–9.
fn valid_nanp(s: &str) -> bool {
    let mut d = digits(s);
    if d.len() == 11 && d[0] == 1 {
        d.remove(0);
    }
    d.len() == 10 && d[0] >= 2 && d[3] >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PiiKind, &str)> {
        find_pii(text)
            .into_iter()
            .map(|s| (s.kind, &text[s.start..s.end]))
            .collect()
    }

    macro_rules! t {
        ($name:ident, $input:expr, [$(($kind:ident, $found:expr)),*]) => {
            #[test]
            fn $name() {
                assert_eq!(kinds($input), vec![$((PiiKind::$kind, $found)),*]);
            }
        };
    }

    t!(
        email,
        "mail me at jane.doe+x@example.co.uk now",
        [(Email, "jane.doe+x@example.co.uk")]
    );
    t!(not_email, "@user and a@b and foo@bar", []);
    t!(
        e164,
        "call +44 20 7946 0958 today",
        [(Phone, "+44 20 7946 0958")]
    );
    t!(e164_compact, "+14155552671", [(Phone, "+14155552671")]);
    t!(
        nanp,
        "(415) 555-2671 or 415-555-2671",
        [(Phone, "(415) 555-2671"), (Phone, "415-555-2671")]
    );
    t!(nanp_invalid_area, "115-555-2671", []);
    t!(
        uk_national,
        "ring 020 7946 0958",
        [(Phone, "020 7946 0958")]
    );
    t!(date_is_not_phone, "on 2024-01-15 at 10:30", []);
    t!(
        card,
        "card 4111 1111 1111 1111 exp",
        [(PaymentCard, "4111 1111 1111 1111")]
    );
    t!(
        card_dashes,
        "5500-0000-0000-0004",
        [(PaymentCard, "5500-0000-0000-0004")]
    );
    t!(card_bad_luhn, "4111 1111 1111 1112", []);
    t!(
        iban,
        "IBAN DE89 3704 0044 0532 0130 00 thanks",
        [(Iban, "DE89 3704 0044 0532 0130 00")]
    );
    t!(
        iban_compact,
        "GB82WEST12345698765432",
        [(Iban, "GB82WEST12345698765432")]
    );
    t!(iban_bad_checksum, "DE88 3704 0044 0532 0130 00", []);
    t!(ipv4, "from 192.168.1.20.", [(Ipv4, "192.168.1.20")]);
    t!(ipv4_out_of_range, "999.1.1.1", []);
    t!(version_not_ip, "v1.2.3.4.5", []);
    t!(
        ipv6,
        "addr 2001:db8:85a3::8a2e:370:7334 ok",
        [(Ipv6, "2001:db8:85a3::8a2e:370:7334")]
    );
    t!(time_not_ipv6, "at 12:30:45", []);
    t!(ssn, "ssn 123-45-6789", [(UsSsn, "123-45-6789")]);
    t!(ssn_invalid, "666-45-6789 000-12-3456 123-00-4567", []);
    t!(plain_numbers, "I have 12345 apples and 3.14", []);
}
