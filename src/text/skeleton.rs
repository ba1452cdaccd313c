//! The matcher's view of a text: tokens of folded, de-obfuscated letters with run lengths.
//!
//! The primary [`Stream`] is a haystack `" tok tok tok "` (tokens separated and surrounded by
//! single spaces) plus one [`Unit`] per haystack character. A unit is a letter with its run
//! length (`fuuuck` is `f u×3 c k`) and the span of original code points it covers, so any
//! match on the haystack maps straight back to the original text.
//!
//! Tokens containing an ambiguous character (`1` reads as `i`, `l` or `1`) put their primary
//! reading in the primary stream and every other reading in the alternates stream, one per
//! `"\n"`-separated segment, so "match all readings" costs nothing for ordinary text.

use std::ops::Range;

use super::{fold_char, Evasions};

/// Tokens with more ambiguous characters than this only get their first few ambiguities
/// expanded: 2^6 readings bounds the work per token whatever the input.
const MAX_AMBIGUOUS_EXPANDED: usize = 6;
/// Other readings are only produced for tokens up to this length (and only tokens this
/// short are copied as context), so work stays linear in the input: real words are short.
const MAX_EXPANDED_TOKEN: usize = 48;
/// How many separator characters may sit between two spelled-out letters (`f . u`).
const MAX_SEPARATOR_GAP: u32 = 3;
/// Spelled-out letters are joined into a word only from this many on, so ordinary
/// one-letter words ("a", "I") are left alone.
const MIN_SPELLED_LETTERS: usize = 3;

/// One character of a haystack with its run length and original span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unit {
    pub ch: char,
    pub run: u16,
    pub evasions: Evasions,
    /// First original code point covered.
    pub start: u32,
    /// One past the last original code point covered.
    pub end: u32,
}

impl Unit {
    pub fn is_boundary(&self) -> bool {
        self.ch == ' ' || self.ch == '\n'
    }
}

/// A haystack and its units.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stream {
    haystack: String,
    units: Vec<Unit>,
    /// Byte offset of each unit in `haystack`; built only once a non-ASCII unit appears,
    /// because for ASCII haystacks byte and unit indices coincide.
    unit_bytes: Option<Vec<u32>>,
}

impl Stream {
    pub fn haystack(&self) -> &str {
        &self.haystack
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// The unit that starts at haystack byte `byte` (or the first after it).
    pub fn unit_at(&self, byte: usize) -> usize {
        match &self.unit_bytes {
            None => byte,
            Some(bytes) => bytes.partition_point(|&b| (b as usize) < byte),
        }
    }

    /// The token (maximal run of non-boundary units) around unit `i`.
    pub fn token_around(&self, i: usize) -> Range<usize> {
        let start = self.units[..i]
            .iter()
            .rposition(Unit::is_boundary)
            .map_or(0, |p| p + 1);
        let end = self.units[i..]
            .iter()
            .position(Unit::is_boundary)
            .map_or(self.units.len(), |p| i + p);
        start..end
    }

    /// The haystack text of units `range`.
    pub fn text_of(&self, range: Range<usize>) -> &str {
        let byte = |u: usize| match &self.unit_bytes {
            None => u,
            Some(bytes) => bytes.get(u).map_or(self.haystack.len(), |&b| b as usize),
        };
        &self.haystack[byte(range.start)..byte(range.end)]
    }

    // Always inlined: an out-of-line call passes the unit through memory, written field by
    // field and read back whole, which stalls store forwarding on every character.
    #[inline(always)]
    fn push(&mut self, unit: Unit) {
        if self.unit_bytes.is_none() && unit.ch.is_ascii() {
            self.haystack.push(unit.ch);
        } else {
            self.push_byte_offset(unit.ch);
        }
        self.units.push(unit);
    }

    /// The slow path of [`push`](Self::push): haystacks with non-ASCII units keep a byte
    /// offset per unit.
    #[cold]
    fn push_byte_offset(&mut self, ch: char) {
        let bytes = self
            .unit_bytes
            .get_or_insert_with(|| (0..self.haystack.len() as u32).collect());
        bytes.push(self.haystack.len() as u32);
        self.haystack.push(ch);
    }

    fn clear(&mut self) {
        self.haystack.clear();
        self.units.clear();
        self.unit_bytes = None;
    }

    fn push_boundary(&mut self, ch: char, at: u32) {
        self.push(Unit {
            ch,
            run: 1,
            evasions: Evasions::NONE,
            start: at,
            end: at,
        });
    }

    /// Appends one reading of a token, collapsing repeated characters into runs.
    fn push_token(&mut self, chars: impl Iterator<Item = (char, Evasions, u32, u32)>) {
        let first = self.units.len();
        for (ch, evasions, start, end) in chars {
            if self.units.len() > first {
                let last = self.units.last_mut().expect("pushed above");
                if last.ch == ch {
                    last.run = last.run.saturating_add(1);
                    last.end = end;
                    last.evasions |= evasions;
                    continue;
                }
            }
            self.push(Unit {
                ch,
                run: 1,
                evasions,
                start,
                end,
            });
        }
    }
}

/// The normalized form of a text as the pattern matchers see it. Built by [`normalize`].
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    primary: Stream,
    alternates: Stream,
    masked: Vec<Range<usize>>,
    /// First unit of each token in the primary stream.
    token_starts: Vec<usize>,
    original_len: u32,
}

impl Normalized {
    /// The primary reading: `" tok tok "`, lowercase, de-obfuscated, runs collapsed.
    pub fn primary(&self) -> &str {
        self.primary.haystack()
    }

    /// Every other reading of the ambiguous tokens, `"\n"`-separated.
    pub fn alternates(&self) -> &str {
        self.alternates.haystack()
    }

    pub(crate) fn primary_stream(&self) -> &Stream {
        &self.primary
    }

    pub(crate) fn alternate_stream(&self) -> &Stream {
        &self.alternates
    }

    /// Unit ranges (in the primary stream) of tokens containing mask characters.
    pub(crate) fn masked_tokens(&self) -> &[Range<usize>] {
        &self.masked
    }

    /// Length of the original text in code points.
    pub fn original_len(&self) -> u32 {
        self.original_len
    }
}

/// Builds the matcher's view of `text`.
///
/// ```
/// use warden::text::normalize;
///
/// assert_eq!(normalize("F.U.C.K you").primary(), " fuck you ");
/// assert_eq!(normalize("sh!iiit").primary(), " shit ");     // runs collapsed, kept as counts
/// // `1` also reads `l`; the reading is emitted between its neighbours, runs collapsed.
/// assert!(normalize("ki11 it").alternates().contains(" kil it "));
/// ```
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    normalize_into(text, &mut out);
    out
}

/// [`normalize`] into an existing value, reusing its buffers: scoring many texts on one
/// thread then writes into memory that is already allocated and cached.
pub fn normalize_into(text: &str, out: &mut Normalized) {
    let mut builder = Builder::reusing(std::mem::take(out), text.len());
    let mut index = 0u32;
    let mut after_invisible = Evasions::NONE;
    for c in text.chars() {
        let extra = after_invisible;
        let visible = fold_char(c, &mut |f, evasions| {
            builder.push_char(f, evasions | extra, index, index + 1)
        });
        after_invisible = if visible {
            Evasions::NONE
        } else {
            Evasions::INVISIBLE
        };
        index += 1;
    }
    *out = builder.finish(index);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letters of any script, their combining marks, and digits of other scripts.
    Letter,
    /// ASCII digits: letters in leetspeak, themselves otherwise.
    Digit,
    /// Symbols that stand for letters inside words (`@ $ ! | +`).
    Symbol,
    /// Characters that hide a letter (`*`, `#`).
    Mask,
    /// Apostrophes inside words are dropped (`don't` reads `dont`).
    Apostrophe,
    /// Characters people put between spelled-out letters.
    Separator,
    /// Everything else ends a word and a spelled-out run.
    Break,
}

#[inline]
fn classify(c: char) -> Class {
    match c {
        'a'..='z' => Class::Letter,
        '0'..='9' => Class::Digit,
        '@' | '$' | '!' | '|' | '+' | '€' | '£' | '¢' => Class::Symbol,
        '*' | '#' | '•' | '∗' | '●' | '⁎' => Class::Mask,
        '\'' | '’' | 'ʼ' | '`' => Class::Apostrophe,
        ' ' | '\t' | '.' | '-' | '_' | ',' | '/' | '\\' | '~' | ':' | ';' | '=' | '^' | '"'
        | '·' | '–' | '—' | '‐' | '‑' => Class::Separator,
        c if c.is_ascii() => Class::Break,
        c if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) => {
            Class::Letter
        }
        _ => Class::Break,
    }
}

/// All readings of a character inside a word that has letters, primary reading first.
/// Digits keep themselves as their last reading so terms like `2g1c` still match.
fn readings(c: char) -> &'static [char] {
    match c {
        '0' => &['o', '0'],
        '1' => &['i', 'l', '1'],
        '3' => &['e', '3'],
        '4' => &['a', '4'],
        '5' => &['s', '5'],
        '6' => &['b', '6'],
        '7' => &['t', '7'],
        '8' => &['b', '8'],
        '9' => &['g', '9'],
        '@' => &['a'],
        '$' => &['s'],
        '!' => &['i'],
        '|' => &['i', 'l'],
        '+' => &['t'],
        '€' => &['e'],
        '£' => &['l'],
        '¢' => &['c'],
        _ => &[],
    }
}

/// Whether `c` may stand at the edge of a word. `!` after a word is punctuation and `#`
/// before one is a hashtag; `$` and `@` at an edge are still letters (`a$$`, `@ss`).
fn allowed_at_start(class: Class, c: char) -> bool {
    match class {
        Class::Letter | Class::Digit => true,
        Class::Symbol => matches!(c, '@' | '$' | '€' | '£' | '¢'),
        Class::Mask | Class::Apostrophe | Class::Separator | Class::Break => false,
    }
}

fn allowed_at_end(class: Class, c: char) -> bool {
    match class {
        Class::Letter | Class::Digit => true,
        Class::Symbol => matches!(c, '$' | '€' | '£' | '¢'),
        Class::Mask => c == '*',
        Class::Apostrophe | Class::Separator | Class::Break => false,
    }
}

#[derive(Debug, Clone, Copy)]
struct RawChar {
    ch: char,
    class: Class,
    evasions: Evasions,
    start: u32,
    end: u32,
}

/// The `pick`-th reading of one character of a word, as a unit to push; `None` for
/// characters that are dropped (apostrophes).
fn read(
    c: &RawChar,
    pick: usize,
    has_letter: bool,
    extra: Evasions,
) -> Option<(char, Evasions, u32, u32)> {
    let evasions = c.evasions | extra;
    Some(match c.class {
        Class::Apostrophe => return None,
        Class::Mask => ('*', evasions, c.start, c.end),
        _ if has_letter => match readings(c.ch).get(pick) {
            Some(&read) if read != c.ch => (read, evasions | Evasions::LEET, c.start, c.end),
            _ => (c.ch, evasions, c.start, c.end),
        },
        _ => (c.ch, evasions, c.start, c.end),
    })
}

/// Calls `f` with the reading index of every character for each non-primary reading of
/// `chars`: an odometer over the first `MAX_AMBIGUOUS_EXPANDED` ambiguous characters.
fn for_each_reading(chars: &[RawChar], mut f: impl FnMut(&[usize])) {
    let ambiguous: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| readings(c.ch).len() > 1)
        .map(|(i, _)| i)
        .take(MAX_AMBIGUOUS_EXPANDED)
        .collect();
    let mut picks = vec![0usize; chars.len()];
    loop {
        // Advance the odometer; all zeros (the primary reading) is never yielded.
        let mut k = 0;
        loop {
            let Some(&i) = ambiguous.get(k) else { return };
            picks[i] += 1;
            if picks[i] < readings(chars[i].ch).len() {
                break;
            }
            picks[i] = 0;
            k += 1;
        }
        f(&picks);
    }
}

/// Appends one reading as its own `"\n"`-separated segment of the alternates stream,
/// between copies of its neighbouring tokens.
fn push_alternate(
    stream: &mut Stream,
    before: Option<&[Unit]>,
    reading: &mut dyn Iterator<Item = (char, Evasions, u32, u32)>,
    after: Option<&[Unit]>,
) {
    let at = before.and_then(|b| b.first()).map_or(0, |u| u.start);
    if !stream.units.is_empty() {
        stream.push_boundary('\n', at);
    }
    stream.push_boundary(' ', at);
    if let Some(before) = before {
        for unit in before {
            stream.push(*unit);
        }
        stream.push_boundary(' ', at);
    }
    stream.push_token(reading);
    let end = stream.units.last().map_or(at, |u| u.end);
    stream.push_boundary(' ', end);
    if let Some(after) = after {
        for unit in after {
            stream.push(*unit);
        }
        stream.push_boundary(' ', end);
    }
}

struct Builder {
    primary: Stream,
    alternates: Stream,
    masked: Vec<Range<usize>>,
    /// Characters of the word being read.
    word: Vec<RawChar>,
    /// Whether every character of `word` is a letter: no readings, masks or trimming to
    /// consider, the common case.
    word_plain: bool,
    /// Consecutive one-character words that may be a spelled-out word.
    spelled: Vec<RawChar>,
    spelled_count: usize,
    /// Separators seen since the last word; `None` once a break was seen.
    gap: Option<u32>,
    /// First unit of each token in the primary stream.
    token_starts: Vec<usize>,
    /// Other readings to emit once every token is known, since each is emitted between
    /// its neighbours' primary readings (so `k1ll y0u` still matches `kill you`).
    alternate_jobs: Vec<AlternateJob>,
}

struct AlternateJob {
    token: usize,
    chars: Vec<RawChar>,
    extra: Evasions,
    /// `None`: every non-primary reading; `Some((front, back))`: the primary reading
    /// without that many characters at each end.
    trim: Option<(usize, usize)>,
}

impl Builder {
    fn reusing(previous: Normalized, capacity: usize) -> Builder {
        let Normalized {
            mut primary,
            mut alternates,
            mut masked,
            mut token_starts,
            ..
        } = previous;
        primary.clear();
        primary.haystack.reserve(capacity + 2);
        primary.units.reserve(capacity + 2);
        primary.push_boundary(' ', 0);
        alternates.clear();
        masked.clear();
        token_starts.clear();
        Builder {
            primary,
            alternates,
            masked,
            word: Vec::with_capacity(32),
            word_plain: true,
            spelled: Vec::new(),
            spelled_count: 0,
            gap: Some(0),
            token_starts,
            alternate_jobs: Vec::new(),
        }
    }

    #[inline]
    fn push_char(&mut self, ch: char, evasions: Evasions, start: u32, end: u32) {
        let class = classify(ch);
        match class {
            Class::Letter | Class::Digit | Class::Symbol | Class::Mask | Class::Apostrophe => {
                self.word_plain &= class == Class::Letter;
                self.word.push(RawChar {
                    ch,
                    class,
                    evasions,
                    start,
                    end,
                });
            }
            Class::Separator => {
                self.end_word();
                self.gap = self.gap.map(|g| g + 1);
            }
            Class::Break => {
                self.end_word();
                self.gap = None;
            }
        }
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let mut word = std::mem::take(&mut self.word);
        let mut lo = 0;
        let mut hi = word.len();
        while lo < hi && !allowed_at_start(word[lo].class, word[lo].ch) {
            lo += 1;
        }
        while hi > lo && !allowed_at_end(word[hi - 1].class, word[hi - 1].ch) {
            hi -= 1;
        }
        let trimmed = &word[lo..hi];
        if !trimmed.is_empty() {
            let single = trimmed.len() == 1;
            let continues_spelling = single
                && self.spelled_count > 0
                && matches!(self.gap, Some(g) if (1..=MAX_SEPARATOR_GAP).contains(&g));
            if single {
                if !continues_spelling {
                    self.flush_spelled();
                }
                self.spelled.push(trimmed[0]);
                self.spelled_count += 1;
            } else {
                self.flush_spelled();
                let plain = self.word_plain;
                self.emit(trimmed, Evasions::NONE, plain);
            }
            self.gap = Some(0);
        }
        word.clear();
        self.word = word;
        self.word_plain = true;
    }

    fn flush_spelled(&mut self) {
        if self.spelled_count == 0 {
            return;
        }
        let spelled = std::mem::take(&mut self.spelled);
        if self.spelled_count >= MIN_SPELLED_LETTERS {
            self.emit(&spelled, Evasions::SEPARATOR, false);
            self.schedule_spelled_trims(&spelled);
        } else {
            for c in &spelled {
                self.emit(std::slice::from_ref(c), Evasions::NONE, false);
            }
        }
        self.spelled = spelled;
        self.spelled.clear();
        self.spelled_count = 0;
    }

    /// Appends one word to the primary stream and schedules its other readings.
    fn emit(&mut self, word: &[RawChar], extra: Evasions, plain: bool) {
        let has_letter = plain || word.iter().any(|c| c.class == Class::Letter);
        let first_unit = self.primary.units.len();
        self.token_starts.push(first_unit);
        self.primary
            .push_token(word.iter().filter_map(|c| read(c, 0, has_letter, extra)));
        let last_end = self.primary.units.last().map_or(0, |u| u.end);
        let token = first_unit..self.primary.units.len();
        self.primary.push_boundary(' ', last_end);

        if plain {
            return;
        }
        if word.iter().any(|c| c.class == Class::Mask) {
            self.masked.push(token);
        }
        if has_letter
            && word.len() <= MAX_EXPANDED_TOKEN
            && word.iter().any(|c| readings(c.ch).len() > 1)
        {
            self.alternate_jobs.push(AlternateJob {
                token: self.token_starts.len() - 1,
                chars: word
                    .iter()
                    .filter(|c| c.class != Class::Apostrophe)
                    .copied()
                    .collect(),
                extra,
                trim: None,
            });
        }
    }

    /// A spelled-out run often swallows a neighbouring one-letter word ("a f u c k",
    /// "f u c k u"): offer the run without its first or last letters as other readings.
    fn schedule_spelled_trims(&mut self, run: &[RawChar]) {
        let token = self.token_starts.len() - 1;
        if run.len() > MAX_EXPANDED_TOKEN {
            return;
        }
        for (front, back) in [(1, 0), (2, 0), (0, 1), (0, 2), (1, 1)] {
            if run.len() >= front + back + MIN_SPELLED_LETTERS {
                self.alternate_jobs.push(AlternateJob {
                    token,
                    chars: run.to_vec(),
                    extra: Evasions::SEPARATOR,
                    trim: Some((front, back)),
                });
            }
        }
    }

    /// Units of the primary stream's token `k`, if it is short enough to copy as context.
    fn context_units(&self, k: usize) -> Option<&[Unit]> {
        let start = self.token_starts[k];
        let end = self
            .token_starts
            .get(k + 1)
            .map_or(self.primary.units.len() - 1, |next| next - 1);
        (end - start <= MAX_EXPANDED_TOKEN).then(|| &self.primary.units[start..end])
    }

    fn emit_alternates(&mut self) {
        let jobs = std::mem::take(&mut self.alternate_jobs);
        let mut alternates = std::mem::take(&mut self.alternates);
        for job in &jobs {
            let before = job.token.checked_sub(1).and_then(|k| self.context_units(k));
            let after = (job.token + 1 < self.token_starts.len())
                .then(|| self.context_units(job.token + 1))
                .flatten();
            let mut emit_reading =
                |reading: &mut dyn Iterator<Item = (char, Evasions, u32, u32)>| {
                    push_alternate(&mut alternates, before, reading, after);
                };
            let has_letter = job.chars.iter().any(|c| c.class == Class::Letter);
            match job.trim {
                Some((front, back)) => {
                    let part = &job.chars[front..job.chars.len() - back];
                    emit_reading(
                        &mut part
                            .iter()
                            .filter_map(|c| read(c, 0, has_letter, job.extra)),
                    );
                }
                None => for_each_reading(&job.chars, |picks| {
                    emit_reading(
                        &mut job
                            .chars
                            .iter()
                            .zip(picks)
                            .filter_map(|(c, &pick)| read(c, pick, true, job.extra)),
                    )
                }),
            }
        }
        self.alternates = alternates;
    }

    fn finish(mut self, original_len: u32) -> Normalized {
        self.end_word();
        self.flush_spelled();
        self.emit_alternates();
        Normalized {
            primary: self.primary,
            alternates: self.alternates,
            masked: self.masked,
            token_starts: self.token_starts,
            original_len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! t {
        ($name:ident, $input:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!(normalize($input).primary(), $expected);
            }
        };
    }

    t!(plain_words, "Hello, World!", " helo world ");
    t!(empty, "", " ");
    t!(dots, "f.u.c.k", " fuck ");
    t!(spaces, "f u c k off", " fuck of ");
    t!(dashes, "f-u-c-k", " fuck ");
    t!(underscores, "f_u_c_k", " fuck ");
    t!(wide_gaps, "f . u . c . k", " fuck ");
    t!(two_singles_not_joined, "a b cd", " a b cd ");
    t!(break_stops_spelling, "a b\nc d", " a b c d ");
    t!(elongation, "fuuuuck", " fuck ");
    t!(leet_digits, "sh1t 5h0t", " shit shot ");
    t!(leet_symbols, "a$$ @ss b!tch", " as as bitch ");
    t!(exclamation_at_end_is_punctuation, "wow!!", " wow ");
    t!(hashtag, "#fun", " fun ");
    t!(masks, "f*ck f**k", " f*ck f*k ");
    t!(trailing_mask, "fu**", " fu* ");
    t!(
        numbers_stay_numbers,
        "in 2019 I paid $100",
        " in 2019 i paid $10 "
    );
    t!(apostrophe_dropped, "don't", " dont ");
    t!(homoglyph_word, "ѕһіт", " shit ");
    t!(invisible_inside_word, "fu\u{200B}ck", " fuck ");
    t!(cjk, "你好 世界", " 你好 世界 ");

    #[test]
    fn runs_and_spans() {
        let n = normalize("fuuuck");
        let units = n.primary_stream().units();
        // " f u c k " → boundary, f, u×3, c, k, boundary
        assert_eq!(units.len(), 6);
        assert_eq!(units[2].ch, 'u');
        assert_eq!(units[2].run, 3);
        assert_eq!((units[2].start, units[2].end), (1, 4));
        assert_eq!((units[4].start, units[4].end), (5, 6));
    }

    #[test]
    fn separator_spans_cover_original() {
        let n = normalize("xx f.u.c.k");
        let units = n.primary_stream().units();
        let f = units.iter().position(|u| u.ch == 'f').unwrap();
        assert_eq!(units[f].start, 3);
        assert_eq!(units[f + 3].end, 10);
        assert!(units[f].evasions.contains(Evasions::SEPARATOR));
    }

    #[test]
    fn alternates_for_ambiguous_digit() {
        let n = normalize("1diot");
        assert_eq!(n.primary(), " idiot ");
        assert_eq!(n.alternates(), " ldiot \n 1diot ");
    }

    #[test]
    fn spelled_run_offers_trimmed_readings() {
        let n = normalize("a f u c k");
        assert_eq!(n.primary(), " afuck ");
        assert!(n.alternates().contains(" fuck "));
        assert!(n.alternates().contains(" afuc "));
    }

    #[test]
    fn alternates_carry_neighbours() {
        // Haystacks hold collapsed runs: `kill` reads `kil` with an `l` run of 2.
        let n = normalize("i ki11 you");
        assert!(
            n.alternates().contains(" i kil you "),
            "{:?}",
            n.alternates()
        );
    }

    #[test]
    fn masked_tokens_are_recorded() {
        let n = normalize("you f*ck");
        assert_eq!(n.masked_tokens().len(), 1);
        let r = n.masked_tokens()[0].clone();
        assert_eq!(n.primary_stream().text_of(r), "f*ck");
    }

    #[test]
    fn ambiguity_is_bounded() {
        let n = normalize(&"a1".repeat(20));
        // Only the first MAX_AMBIGUOUS_EXPANDED ambiguities expand: 3^6 - 1 readings.
        assert_eq!(n.alternates().matches('\n').count(), 3usize.pow(6) - 2);
    }

    #[test]
    fn unit_lookup_non_ascii() {
        let n = normalize("añb ok");
        let s = n.primary_stream();
        assert_eq!(s.haystack(), " anb ok ");
        let n = normalize("傻 ok");
        let s = n.primary_stream();
        assert_eq!(s.unit_at(1), 1);
        assert_eq!(s.unit_at(4), 2);
        assert_eq!(s.text_of(1..2), "傻");
    }
}
