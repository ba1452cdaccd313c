//! Properties of the text paths over arbitrary input: no panics, spans inside the
//! original, and spans that point at exactly what was planted.

use proptest::prelude::*;

use crate::common::engine;

fn check_spans(text: &str) {
    // Byte offset of every code point, and of the end.
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    let len = bytes.len() as u32 - 1;
    let verdict = engine().score(text);
    for m in &verdict.matches {
        assert!(m.start < m.end, "empty span {m:?} in {text:?}");
        assert!(m.end <= len, "span {m:?} past the end ({len}) of {text:?}");
        // Offsets map to character boundaries of the original.
        let (start, end) = (bytes[m.start as usize], bytes[m.end as usize]);
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        assert!(!text[start..end].is_empty());
    }
    assert!((0.0..=1.0).contains(&verdict.score));
}

/// Characters that exercise every folding path: ASCII, leet symbols, separators, masks,
/// invisible characters, combining marks, homoglyphs, compatibility forms, CJK, emoji.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => proptest::sample::select(vec![
            ' ', '.', '-', '_', '*', '#', '@', '$', '!', '|', '1', '0', '3', '\'', '\n', '\t',
            '\u{200B}', '\u{200D}', '\u{00AD}', '\u{202E}', '\u{FEFF}', '\u{0301}', '\u{0316}',
            'а', 'е', 'о', 'ѕ', 'ι', 'ο', 'ß', 'ﬁ', 'Ａ', 'ⓕ', '⒡', '𝐟', '🇦', '傻', '😀', 'İ', 'ǅ',
        ]),
        1 => any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>()) {
        check_spans(&text);
    }

    #[test]
    fn tricky_text_never_panics(chars in proptest::collection::vec(tricky_char(), 0..200)) {
        let text: String = chars.into_iter().collect();
        check_spans(&text);
        let folded = warden::text::fold(&text);
        prop_assert_eq!(folded.origins().len(), folded.as_str().chars().count());
        prop_assert!(folded.origins().windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn planted_word_is_found_exactly(
        prefix in proptest::collection::vec(tricky_char(), 0..40),
        suffix in proptest::collection::vec(tricky_char(), 0..40),
    ) {
        let prefix: String = prefix.into_iter().collect();
        let suffix: String = suffix.into_iter().collect();
        let text = format!("{prefix}\n motherfucker \n{suffix}");
        let start = prefix.chars().count() as u32 + 2;
        let verdict = engine().score(&text);
        prop_assert!(
            verdict.harms().any(|m| m.start == start && m.end == start + 12),
            "no exact span at {}..{} in {:?}: {:?}", start, start + 12, text, verdict.matches
        );
    }
}

#[test]
fn one_mebibyte_texts_score_in_linear_time() {
    // Each shape stresses one path: the automaton, masked-token globbing, alternate
    // readings of ambiguous characters, spelled-out runs, and one giant token.
    let mib = 1 << 20;
    let shapes = [
        "fuck ".repeat(mib / 5),
        "f*ck ".repeat(mib / 5),
        "k1ll ".repeat(mib / 5),
        "a b c d ".repeat(mib / 8),
        "a".repeat(mib),
        "1".repeat(mib),
        "a1".repeat(mib / 2),
        "\u{200B}".repeat(mib / 3),
        "ä̈̈̈".repeat(mib / 8),
        "gay muslim diabetes ".repeat(mib / 20),
    ];
    for text in &shapes {
        check_spans(text);
    }
}
