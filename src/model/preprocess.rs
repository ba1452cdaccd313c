//! The classifier's text preprocessing, identical to training's
//! (`training/warden_common.py::preprocess_with_map`): decode HTML character references
//! like Python's `html.unescape`, then replace URLs with `URL` and `@handles` with `@user`
//! (the placeholders the tweet corpora use). Every output character keeps the range of
//! input code points it came from, so model spans map back to what the user typed.

use std::sync::OnceLock;

use regex::{Captures, Regex};

use super::entities::{INVALID_CHARREFS, INVALID_CODEPOINTS, NAMED};

/// Preprocessed text and, per character, the `[start, end)` input code points it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Preprocessed {
    pub text: String,
    pub origins: Vec<(u32, u32)>,
}

struct Patterns {
    charref: Regex,
    url: Regex,
    handle: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| Patterns {
        // The pattern of CPython's html._charref.
        charref: Regex::new(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
            .expect("valid charref pattern"),
        url: Regex::new(r"https?://\S+").expect("valid URL pattern"),
        handle: Regex::new(r"@[A-Za-z0-9_]+").expect("valid handle pattern"),
    })
}

pub(crate) fn preprocess(text: &str) -> Preprocessed {
    let p = patterns();
    let mut out = Preprocessed {
        text: text.to_string(),
        origins: (0..text.chars().count() as u32)
            .map(|i| (i, i + 1))
            .collect(),
    };
    if text.contains('&') {
        out = substitute(out, &p.charref, |c| unescape_charref(&c[1]));
    }
    if text.contains("http") {
        out = substitute(out, &p.url, |_| "URL".to_string());
    }
    if out.text.contains('@') {
        out = substitute(out, &p.handle, |_| "@user".to_string());
    }
    out
}

/// `re.sub` that carries the origin map: a replacement inherits the whole range of what
/// it replaced.
fn substitute(
    input: Preprocessed,
    re: &Regex,
    replace: impl Fn(&Captures) -> String,
) -> Preprocessed {
    let mut text = String::with_capacity(input.text.len());
    let mut origins = Vec::with_capacity(input.origins.len());
    let mut last_byte = 0;
    let mut last_char = 0;
    for caps in re.captures_iter(&input.text) {
        let m = caps.get(0).expect("group 0 always participates");
        let before = &input.text[last_byte..m.start()];
        let start_char = last_char + before.chars().count();
        let end_char = start_char + m.as_str().chars().count();
        text.push_str(before);
        origins.extend_from_slice(&input.origins[last_char..start_char]);
        let range = (input.origins[start_char].0, input.origins[end_char - 1].1);
        let replacement = replace(&caps);
        origins.extend(std::iter::repeat_n(range, replacement.chars().count()));
        text.push_str(&replacement);
        last_byte = m.end();
        last_char = end_char;
    }
    text.push_str(&input.text[last_byte..]);
    origins.extend_from_slice(&input.origins[last_char..]);
    Preprocessed { text, origins }
}

/// CPython's `html._replace_charref`, step by step.
fn unescape_charref(s: &str) -> String {
    if let Some(numeric) = s.strip_prefix('#') {
        let (digits, radix) = match numeric.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (numeric, 10),
        };
        let digits = digits.trim_end_matches(';');
        // Python parses arbitrarily large numbers; anything past U+10FFFF is U+FFFD.
        let num = u64::from_str_radix(digits, radix).unwrap_or(u64::MAX);
        if let Ok(i) = INVALID_CHARREFS.binary_search_by_key(&num, |(k, _)| u64::from(*k)) {
            return INVALID_CHARREFS[i].1.to_string();
        }
        if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
            return '\u{FFFD}'.to_string();
        }
        if INVALID_CODEPOINTS.binary_search(&(num as u32)).is_ok() {
            return String::new();
        }
        return char::from_u32(num as u32).map_or_else(|| '\u{FFFD}'.to_string(), String::from);
    }
    let named = |name: &str| {
        NAMED
            .binary_search_by_key(&name, |(k, _)| k)
            .ok()
            .map(|i| NAMED[i].1)
    };
    if let Some(value) = named(s) {
        return value.to_string();
    }
    // The longest known prefix (legacy references without `;`), as the standard says.
    let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    for &x in boundaries.iter().skip(2).rev() {
        if let Some(value) = named(&s[..x]) {
            return format!("{value}{}", &s[x..]);
        }
    }
    format!("&{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!(preprocess($input).text, $expected);
            }
        };
    }

    // Expected values are what Python's preprocess() returns.
    t!(plain, "hello", "hello");
    t!(named, "fish &amp; chips &lt;3", "fish & chips <3");
    t!(legacy_without_semicolon, "&ampx &notit;", "&x ¬it;");
    t!(numeric, "&#39;&#x41;&#X42", "'AB");
    t!(invalid_charref, "&#128;&#0;", "€\u{FFFD}");
    t!(huge_numeric, "&#99999999999999999999;", "\u{FFFD}");
    t!(invalid_codepoint, "a&#1;b", "ab");
    t!(unknown_name, "&bogus; &", "&bogus; &");
    t!(url, "see https://x.io/a?b=1 now", "see URL now");
    t!(handle, "@Jane_Doe hi @user", "@user hi @user");
    t!(entity_makes_handle, "&#64;bob", "@user");

    #[test]
    fn origins_cover_replacements() {
        let p = preprocess("é @bob!");
        assert_eq!(p.text, "é @user!");
        assert_eq!(p.origins.len(), p.text.chars().count());
        assert_eq!(p.origins[0], (0, 1));
        assert_eq!(p.origins[2], (2, 6));
        assert_eq!(p.origins[6], (2, 6));
        assert_eq!(p.origins[7], (6, 7));
    }
}
