//! Character folding: one character the user typed becomes zero or more characters that
//! matchers can compare.
//!
//! Folding is per character and context-free, so the same function serves the text being
//! scored and the wordlist terms it is compared with. That symmetry is what lets Russian
//! terms keep matching Russian text even though Cyrillic look-alikes fold to Latin letters:
//! both sides fold the same way.

use unicode_normalization::char::decompose_compatible;

use super::Evasions;

/// Folds `c` and hands each resulting character, with the evasions that produced it, to
/// `emit`. Returns `false` when `c` is an invisible formatting character that was dropped.
#[inline]
pub(crate) fn fold_char(c: char, emit: &mut impl FnMut(char, Evasions)) -> bool {
    if c.is_ascii() {
        emit(c.to_ascii_lowercase(), Evasions::NONE);
        return true;
    }
    fold_non_ascii(c, emit)
}

fn fold_non_ascii(c: char, emit: &mut impl FnMut(char, Evasions)) -> bool {
    if is_invisible(c) {
        return false;
    }
    if let Some(letter) = regional_indicator(c) {
        emit(letter, Evasions::HOMOGLYPH);
        return true;
    }
    if let Some(folded) = confusable(c) {
        for f in folded.chars() {
            emit(f, Evasions::HOMOGLYPH);
        }
        return true;
    }
    if is_hangul_syllable(c) {
        // Compatibility decomposition would split syllables into jamo, which no reader
        // perceives as the same text.
        emit(c, Evasions::NONE);
        return true;
    }

    // The longest compatibility decomposition in Unicode is 18 characters (U+FDFA).
    let mut parts = ['\0'; 18];
    let mut len = 0;
    decompose_compatible(c, |d| {
        if len < parts.len() {
            parts[len] = d;
            len += 1;
        }
    });
    let parts = &parts[..len];

    let mut evasions = Evasions::NONE;
    if parts.iter().any(|&d| is_diacritic(d)) {
        evasions |= Evasions::DIACRITIC;
    }
    let base: &[char] = parts;
    let non_marks = base.iter().filter(|&&d| !is_diacritic(d)).count();
    let plain_or_accented =
        non_marks == 1 && (base[0] == c || evasions.contains(Evasions::DIACRITIC));
    if !plain_or_accented {
        evasions |= Evasions::COMPAT;
    }
    // Enclosed forms decompose into punctuation around the letter (`⒡` is `(f)`): keep
    // only the letters and digits so the enclosure does not split the word.
    let has_alnum = base.iter().any(|d| d.is_alphanumeric());
    let drop_punct = non_marks > 1 && has_alnum;

    for &d in base {
        if is_diacritic(d) || (drop_punct && !d.is_alphanumeric()) {
            continue;
        }
        for lower in d.to_lowercase() {
            match confusable(lower) {
                Some(folded) => {
                    for f in folded.chars() {
                        emit(f, evasions | Evasions::HOMOGLYPH);
                    }
                }
                None => emit(lower, evasions),
            }
        }
    }
    true
}

/// Characters that render as nothing (or only steer layout) and so can hide inside a word.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD              // soft hyphen
        | 0x034F            // combining grapheme joiner
        | 0x061C            // Arabic letter mark
        | 0x115F | 0x1160   // Hangul fillers
        | 0x17B4 | 0x17B5   // Khmer inherent vowels
        | 0x180B..=0x180F   // Mongolian variation selectors and vowel separator
        | 0x200B..=0x200F   // zero-width space/joiners, LRM, RLM
        | 0x202A..=0x202E   // bidi embeddings and overrides
        | 0x2060..=0x2064   // word joiner, invisible operators
        | 0x2066..=0x206F   // bidi isolates, deprecated format characters
        | 0x3164            // Hangul filler
        | 0xFE00..=0xFE0F   // variation selectors
        | 0xFEFF            // byte order mark / zero-width no-break space
        | 0xFFA0            // halfwidth Hangul filler
        | 0xFFF9..=0xFFFB   // interlinear annotation
        | 0x1BCA0..=0x1BCA3 // shorthand format controls
        | 0x1D173..=0x1D17A // musical formatting
        | 0xE0000..=0xE007F // tag characters
        | 0xE0100..=0xE01EF // variation selectors supplement
    )
}

/// Combining marks that only decorate a Latin, Greek or Cyrillic letter. Marks of other
/// scripts (Devanagari vowel signs, Arabic harakat) carry meaning and are kept.
fn is_diacritic(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Regional indicator symbols (🇦 … 🇿) are used as letters in "flag spelling".
fn regional_indicator(c: char) -> Option<char> {
    let cp = c as u32;
    (0x1F1E6..=0x1F1FF)
        .contains(&cp)
        .then(|| char::from(b'a' + (cp - 0x1F1E6) as u8))
}

/// Look-alikes that Unicode normalization leaves alone, folded to the Latin letters they
/// imitate. Uppercase forms are listed separately because some look different once
/// lowercased (Greek `Η` looks like `H`, its lowercase `η` like `n`).
fn confusable(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic
        'А' | 'а' => "a",
        'В' | 'в' | 'Ь' | 'ь' | 'Ъ' | 'ъ' => "b",
        'С' | 'с' => "c",
        'Ԁ' | 'ԁ' => "d",
        'Е' | 'е' | 'Ё' | 'ё' | 'Є' | 'є' => "e",
        'Н' | 'н' | 'Һ' | 'һ' => "h",
        'І' | 'і' | 'Ї' | 'ї' => "i",
        'Ј' | 'ј' => "j",
        'К' | 'к' | 'Ќ' | 'ќ' => "k",
        'Ӏ' | 'ӏ' => "l",
        'М' | 'м' => "m",
        'П' | 'п' => "n",
        'О' | 'о' => "o",
        'Р' | 'р' => "p",
        'Ԛ' | 'ԛ' => "q",
        'Г' | 'г' => "r",
        'Ѕ' | 'ѕ' => "s",
        'Т' | 'т' => "t",
        'Џ' | 'џ' => "u",
        'Ѵ' | 'ѵ' => "v",
        'Ԝ' | 'ԝ' | 'Ш' | 'ш' => "w",
        'Х' | 'х' => "x",
        'У' | 'у' | 'Ү' | 'ү' => "y",
        // Greek
        'Α' | 'α' | 'Ά' | 'ά' => "a",
        'Β' | 'β' => "b",
        'ς' => "c",
        'Ε' | 'ε' | 'Έ' | 'έ' => "e",
        'Η' | 'Ή' => "h",
        'Ι' | 'ι' | 'Ί' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'Κ' | 'κ' => "k",
        'Μ' => "m",
        'Ν' | 'η' | 'ή' | 'π' => "n",
        'Ο' | 'ο' | 'Ό' | 'ό' | 'σ' => "o",
        'Ρ' | 'ρ' => "p",
        'Τ' | 'τ' => "t",
        'υ' | 'ύ' | 'ϋ' | 'μ' => "u",
        'ν' => "v",
        'ω' | 'ώ' => "w",
        'Χ' | 'χ' => "x",
        'Υ' | 'γ' => "y",
        'Ζ' => "z",
        // Armenian
        'ա' => "w",
        'ց' => "g",
        'հ' => "h",
        'Լ' => "l",
        'Ո' | 'ո' | 'ռ' => "n",
        'Օ' | 'օ' => "o",
        'զ' => "q",
        'Ս' | 'ս' | 'Մ' => "u",
        'ք' => "p",
        // Cherokee capitals that pass for Latin capitals
        'Ꭺ' => "a",
        'Ᏼ' => "b",
        'Ꮯ' => "c",
        'Ꭼ' => "e",
        'Ꮐ' => "g",
        'Ꮋ' => "h",
        'Ꭵ' => "i",
        'Ꭻ' => "j",
        'Ꮶ' => "k",
        'Ꮮ' => "l",
        'Ꮇ' => "m",
        'Ꮲ' => "p",
        'Ꮢ' => "r",
        'Ꮪ' => "s",
        'Ꭲ' => "t",
        'Ꮤ' | 'Ꮃ' => "w",
        // Latin letters without a decomposition
        'ı' | 'ɩ' | 'ɪ' | 'ǀ' => "i",
        'ȷ' => "j",
        'ł' | 'Ł' | 'ʟ' => "l",
        'ø' | 'Ø' | 'ᴏ' | 'ɵ' => "o",
        'đ' | 'Đ' | 'ð' | 'Ð' | 'ᴅ' => "d",
        'ħ' | 'Ħ' | 'ʜ' => "h",
        'ŧ' | 'Ŧ' | 'ᴛ' => "t",
        'ƀ' | 'ʙ' => "b",
        'ɑ' | 'ᴀ' => "a",
        'ɡ' | 'ɢ' => "g",
        'ʏ' => "y",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' | 'ᴁ' => "ae",
        'œ' | 'Œ' | 'ɶ' => "oe",
        'ᴄ' => "c",
        // Letters with hooks and tails that pass for plain ones
        'ƒ' | 'Ƒ' => "f",
        'ɓ' | 'Ɓ' => "b",
        'ƈ' | 'Ƈ' => "c",
        'ɗ' | 'Ɗ' => "d",
        'ɠ' | 'Ɠ' => "g",
        'ɦ' => "h",
        'ƙ' | 'Ƙ' => "k",
        'ɱ' => "m",
        'ɲ' | 'Ɲ' => "n",
        'ƥ' | 'Ƥ' => "p",
        'ʂ' => "s",
        'ƭ' | 'Ƭ' => "t",
        'ʋ' | 'Ʋ' => "v",
        'ƴ' | 'Ƴ' => "y",
        'ȥ' | 'Ȥ' => "z",
        'ᴇ' => "e",
        'ꜰ' => "f",
        'ᴊ' => "j",
        'ᴋ' => "k",
        'ᴍ' => "m",
        'ɴ' => "n",
        'ᴘ' => "p",
        'ʀ' => "r",
        'ꜱ' => "s",
        'ᴜ' => "u",
        'ᴠ' => "v",
        'ᴡ' => "w",
        'ᴢ' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            fold_char(c, &mut |f, _| out.push(f));
        }
        out
    }

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!(fold($input), $expected);
            }
        };
    }

    t!(ascii_lowercases, "HeLLo", "hello");
    t!(diacritics, "Fück Ñandú", "fuck nandu");
    t!(cyrillic_lookalikes, "fuсk ЅНІТ", "fuck shit");
    t!(greek_upper_and_lower, "ΗΕΙΡ αβ", "heip ab");
    t!(armenian, "օս", "ou");
    t!(fullwidth, "ｆｕｃｋ", "fuck");
    t!(circled, "ⓕⓤⓒⓚ", "fuck");
    t!(parenthesized, "⒡⒰⒞⒦", "fuck");
    t!(math_bold, "𝐟𝐮𝐜𝐤", "fuck");
    t!(math_script, "𝓈𝒽𝒾𝓉", "shit");
    t!(regional_indicators, "🇫🇺🇨🇰", "fuck");
    t!(small_caps, "ꜰᴜᴄᴋ", "fuck");
    t!(
        invisible_dropped,
        "f\u{200B}u\u{00AD}c\u{202E}k\u{FEFF}",
        "fuck"
    );
    t!(zalgo, "f\u{0301}\u{0316}u\u{0308}ck", "fuck");
    t!(sharp_s, "Straße", "strasse");
    t!(hangul_kept, "한국어", "한국어");
    t!(devanagari_marks_kept, "हिन्दी", "हिन्दी");
    t!(superscript, "ᶠᵘᶜᵏ", "fuck");
    t!(cjk_kept, "傻逼", "傻逼");
    t!(hooked_letters, "ƒuƈƙ", "fuck");

    #[test]
    fn invisible_reports_false() {
        assert!(!fold_char('\u{200D}', &mut |_, _| {}));
        assert!(fold_char('a', &mut |_, _| {}));
    }
}
