//! The evasion table: obfuscated abuse that must be caught, and benign text with bad
//! substrings inside that must not be. Each family reports every miss at once.
//!
//! Every case also runs through the default engine with the shipped classifier on (as
//! `warden serve` runs it): a must-catch case may never get a milder action than the
//! pattern stage alone gives it (obfuscation is evidence of intent, not of harmlessness),
//! and a must-pass text stays `allow`.

use warden::{Action, Category, Verdict};

use crate::common::{engine, model_engine};

use Category::{
    IdentityAttack as Ia, Insult as In, Profanity as Pr, SelfHarm as Sh, Sexual as Sx, Threat as Th,
};

/// Asserts every `(text, category)` yields a match of that category; lists all misses.
fn must_catch(family: &str, cases: &[(&str, Category)]) {
    let misses: Vec<String> = cases
        .iter()
        .filter_map(|(text, category)| {
            let verdict = engine().score(text);
            let caught = verdict.harms().any(|m| m.category == *category);
            if !caught {
                return Some(format!(
                    "  {text:?}: wanted {category}, got {}",
                    describe(&verdict)
                ));
            }
            let with_model = model_engine().score(text);
            (with_model.action < verdict.action).then(|| {
                format!(
                    "  {text:?}: {} with the model, {} with patterns only ({})",
                    with_model.action,
                    verdict.action,
                    describe(&with_model)
                )
            })
        })
        .collect();
    assert!(
        misses.is_empty(),
        "{family}: {} of {} missed\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
}

/// Benign texts the shipped classifier still flags on its own (listed in its model card's
/// known failure modes); the pattern stage must still pass them.
const KNOWN_MODEL_FALSE_ALARMS: &[&str] = &["kill the lights"];

/// Asserts no harm is found in any of `texts`; lists all false positives.
fn must_pass(family: &str, texts: &[&str]) {
    let hits: Vec<String> = texts
        .iter()
        .filter_map(|text| {
            let verdict = engine().score(text);
            if verdict.harms().count() > 0 {
                return Some(format!("  {text:?}: {}", describe(&verdict)));
            }
            let with_model = model_engine().score(text);
            let known = KNOWN_MODEL_FALSE_ALARMS.contains(text);
            (with_model.action != Action::Allow && !known)
                .then(|| format!("  {text:?}: {} with the model", with_model.action))
        })
        .collect();
    assert!(
        hits.is_empty(),
        "{family}: {} of {} flagged\n{}",
        hits.len(),
        texts.len(),
        hits.join("\n")
    );
}

fn describe(v: &Verdict) -> String {
    let found: Vec<String> = v
        .harms()
        .map(|m| format!("{} {}..{} ({})", m.rule, m.start, m.end, m.category))
        .collect();
    if found.is_empty() {
        "nothing".into()
    } else {
        found.join(", ")
    }
}

#[test]
fn plain_and_case() {
    must_catch(
        "plain",
        &[
            ("fuck off", Pr),
            ("FUCK", Pr),
            ("What The Fuck", Pr),
            ("you bitch", In),
            ("stupid cunt", Pr),
            ("what a dumbass", In),
            ("motherfucker", Pr),
            ("go kill yourself", Th),
            ("I will kill you", Th),
            ("I want to kill myself", Sh),
            ("fucking hell", Pr),
            ("shithead", Pr),
            ("bitches", In),
        ],
    );
}

/// Insults and profanities the way people type them to get past a filter, the kind the
/// 1.0 engine let through once the classifier (reading the obfuscated text) called the
/// sentence harmless.
#[test]
fn obfuscated_insults_in_short_sentences() {
    must_catch(
        "obfuscated insults",
        &[
            ("you b1tch", In),
            ("c u n t", Pr),
            ("fuuuuuuck this", Pr),
            ("wh0re", In),
            ("a55hole", In),
            ("you are such a d1ckhead", In),
            ("sh1t happens every day", Pr),
            ("what a f*cking joke", Pr),
            ("go to hell you b!tch", In),
            ("s.h.i.t", Pr),
            ("f u c k   y o u", Pr),
            ("stfu you wh*re", In),
            ("bitchhhhhh please", In),
            ("nice one, a$$hole", In),
            ("fu\u{00AD}ck off", Pr),
        ],
    );
}

#[test]
fn diacritics_and_zalgo() {
    must_catch(
        "diacritics",
        &[
            ("Fück you", Pr),
            ("shît happens", Pr),
            ("bítch", In),
            ("cünt", Pr),
            ("àsshole", In),
            ("whörë", In),
            ("f̷u̷c̷k̷", Pr),
            ("s̶h̶i̶t̶", Pr),
            ("f\u{0301}\u{0316}\u{0349}uck", Pr),
            ("dümbàss", In),
        ],
    );
}

#[test]
fn homoglyphs() {
    must_catch(
        "homoglyphs",
        &[
            ("fuсk", Pr),    // Cyrillic с
            ("ѕһіт", Pr),    // Cyrillic ѕ һ і т
            ("bіtch", In),   // Cyrillic і
            ("аsshole", In), // Cyrillic а
            ("whοre", In),   // Greek ο
            ("cυnt", Pr),    // Greek υ
            ("fսck", Pr),    // Armenian ս
            ("ΒΙΤCΗ", In),   // Greek capitals
            ("niggеr", Ia),  // Cyrillic е
            ("ꜰᴜᴄᴋ", Pr),    // small capitals
            ("ᶠᵘᶜᵏ", Pr),    // superscripts
            ("dumbаss", In), // Cyrillic а
        ],
    );
}

#[test]
fn compatibility_forms() {
    must_catch(
        "compatibility",
        &[
            ("ｆｕｃｋ", Pr),
            ("ｓｈｉｔ", Pr),
            ("ＢＩＴＣＨ", In),
            ("ⓕⓤⓒⓚ", Pr),
            ("ⓢⓗⓘⓣ", Pr),
            ("⒡⒰⒞⒦", Pr),
            ("𝐟𝐮𝐜𝐤", Pr),
            ("𝓯𝓾𝓬𝓴", Pr),
            ("𝔣𝔲𝔠𝔨", Pr),
            ("𝕗𝕦𝕔𝕜", Pr),
            ("𝚏𝚞𝚌𝚔", Pr),
            ("🇫🇺🇨🇰", Pr),
            ("🇸🇭🇮🇹", Pr),
            ("𝖇𝖎𝖙𝖈𝖍", In),
            ("Ⓒⓤⓝⓣ", Pr),
        ],
    );
}

#[test]
fn invisible_characters() {
    must_catch(
        "invisible",
        &[
            ("fu\u{200B}ck", Pr),
            ("sh\u{00AD}it", Pr),
            ("bi\u{200D}tch", In),
            ("c\u{2060}unt", Pr),
            ("f\u{202E}uck", Pr),
            ("\u{FEFF}fuck", Pr),
            ("f\u{200C}u\u{200C}c\u{200C}k", Pr),
            ("ass\u{FE0F}hole", In),
            ("wh\u{180E}ore", In),
            ("k\u{200B}ill your\u{200B}self", Th),
        ],
    );
}

#[test]
fn leetspeak() {
    must_catch(
        "leet",
        &[
            ("sh1t", Pr),
            ("5hit", Pr),
            ("b1tch", In),
            ("@sshole", In),
            ("a$$hole", In),
            ("wh0re", In),
            ("d1ck", Sx),
            ("n1gger", Ia),
            ("f4ggot", Ia),
            ("r3tard", Ia),
            ("k1ll y0urself", Th),
            ("p0rn", Sx),
            ("b!tch", In),
            ("sh!t", Pr),
            ("$hit", Pr),
            ("d!ck", Sx),
            ("8itch", In),
            ("pu55y", Sx),
            ("cun7", Pr),
            ("fuck1ng", Pr),
            ("sh17", Pr),
            ("b17ch", In),
            ("m0therfucker", Pr),
            ("5lut", In),
            ("tw@t", In),
            ("k1ll urself", Th),
            ("dumb@ss", In),
            ("1diot", In),
        ],
    );
}

#[test]
fn separators() {
    must_catch(
        "separators",
        &[
            ("f.u.c.k", Pr),
            ("f u c k you", Pr),
            ("f-u-c-k", Pr),
            ("f_u_c_k", Pr),
            ("s.h.i.t", Pr),
            ("b i t c h", In),
            ("c-u-n-t", Pr),
            ("w.h.o.r.e", In),
            ("k y s", Th),
            ("f . u . c . k", Pr),
            ("F.U.C.K", Pr),
            ("you are a f u c k i n g idiot", Pr),
            ("s_l_u_t", In),
            ("d.i.c.k", Sx),
            ("n.i.g.g.e.r", Ia),
            ("f/u/c/k", Pr),
            ("f~u~c~k", Pr),
            ("f:u:c:k", Pr),
        ],
    );
}

#[test]
fn elongation() {
    must_catch(
        "elongation",
        &[
            ("fuuuuck", Pr),
            ("shiiiit", Pr),
            ("biiitch", In),
            ("b!!!tch", In),
            ("fuckkkk", Pr),
            ("asssshole", In),
            ("whoooore", In),
            ("cuuunt", Pr),
            ("FUUUUUUCK", Pr),
            ("sluuuut", In),
            ("diiiick", Sx),
            ("fffffuck", Pr),
        ],
    );
}

#[test]
fn masking() {
    must_catch(
        "masking",
        &[
            ("f*ck", Pr),
            ("f**k", Pr),
            ("sh*t", Pr),
            ("b*tch", In),
            ("a**hole", In),
            ("c*nt", Pr),
            ("wh*re", In),
            ("motherf*cker", Pr),
            ("f#ck", Pr),
            ("d*ck", Sx),
            ("f*cking", Pr),
            ("b**ch", In),
            ("sl*t", In),
            ("n*gger", Ia),
            ("fu*k", Pr),
        ],
    );
}

#[test]
fn combined_evasions() {
    must_catch(
        "combined",
        &[
            ("ｆ*ｃｋ", Pr),
            ("sh1iiit", Pr),
            ("F.U.C.K.I.N.G", Pr),
            ("ƒuck", Pr),
            ("Ｂ1ＴＣＨ", In),
            ("f\u{200B}*ck", Pr),
            ("a$$h0le", In),
            ("$h!t", Pr),
            ("wh0000re", In),
            ("ⓕ*ⓒⓚ", Pr),
            ("b.1.t.c.h", In),
            ("fμck", Pr),
        ],
    );
}

#[test]
fn threats_and_self_harm() {
    must_catch(
        "threats",
        &[
            ("I will kill you", Th),
            ("kill yourself", Th),
            ("kys", Th),
            ("K Y S", Th),
            ("i want to kill myself", Sh),
            ("I want to die", Sh),
            ("thinking about suicide", Sh),
            ("going to cut myself tonight", Sh),
            ("i will find you", Th),
        ],
    );
}

#[test]
fn spans_point_at_what_was_typed() {
    for (text, expected) in [
        ("you f.u.c.k", "f.u.c.k"),
        ("xx ｆｕｃｋ!", "ｆｕｃｋ"),
        ("so fu\u{200B}ck it", "fu\u{200B}ck"),
        ("🇫🇺🇨🇰 off", "🇫🇺🇨🇰"),
        ("what a f*cking mess", "f*ck"),
        ("Ñoño shîiiit", "shîiiit"),
    ] {
        let verdict = engine().score(text);
        let m = verdict
            .harms()
            .next()
            .unwrap_or_else(|| panic!("nothing in {text:?}"));
        let found: String = text
            .chars()
            .skip(m.start as usize)
            .take((m.end - m.start) as usize)
            .collect();
        assert_eq!(found, expected, "in {text:?}");
    }
}

#[test]
fn scunthorpe_and_friends() {
    must_pass(
        "scunthorpe",
        &[
            "Scunthorpe",
            "assassin",
            "cocktail",
            "shiitake",
            "analysis",
            "therapist",
            "Penistone",
            "Middlesex",
            "cockpit",
            "Scunthorpe United won",
            "Assassin's Creed",
            "cocktail party",
            "shiitake mushrooms",
            "data analysis",
            "my therapist says",
            "Penistone Road",
            "Middlesex University",
            "cockpit voice recorder",
            "shitake soup",
        ],
    );
}

#[test]
fn benign_with_bad_substrings() {
    must_pass(
        "benign substrings",
        &[
            "classic",
            "grass",
            "passage",
            "embarrass",
            "bassist",
            "Dickens",
            "Dickensian",
            "Hancock",
            "peacock",
            "Sussex",
            "Essex",
            "Wessex",
            "sextant",
            "sextet",
            "Mississippi",
            "Titanic",
            "title",
            "constitution",
            "petition",
            "competition",
            "repetition",
            "rapeseed",
            "grape",
            "drape",
            "scrape",
            "skyscraper",
            "scrapbook",
            "buttress",
            "button",
            "butter",
            "rebuttal",
            "cumulative",
            "cucumber",
            "document",
            "circumstance",
            "accumulate",
            "penal",
            "penalty",
            "peninsula",
            "shell",
            "analyst",
            "analog",
            "canal",
            "banal",
            "assume",
            "assess",
            "assignment",
            "associate",
            "bass guitar",
            "Massachusetts",
            "ambassador",
            "harass",
            "crass",
            "brass",
            "glass",
            "molasses",
            "cassette",
            "compass",
            "sassy",
            "lasso",
            "tassel",
            "hassle",
            "vassal",
            "cockroach",
            "cockatoo",
            "Hitchcock",
            "woodcock",
            "shuttlecock",
            "Dickinson",
            "titmouse",
            "tithe",
            "titular",
            "arsenal",
            "arsenic",
            "cunning",
            "Cunningham",
            "scunner",
            "sextuple",
            "hello",
            "shellfish",
            "mishit",
            "pitch",
            "witch",
            "kitchen",
            "hitch",
            "stitch",
            "bitcoin",
            "spice",
            "niger river",
            "Nigeria",
            "snigger",
            "kill the lights",
            "this song kills",
            "killer app",
            "dying to see it",
            "cut the cake",
            "whoredom of words",
        ],
    );
}

#[test]
fn benign_sentences() {
    must_pass(
        "benign sentences",
        &[
            "Great match yesterday, congrats to the whole team!",
            "I am a gay man and proud of it",
            "As a Muslim woman I fast during Ramadan",
            "Black lives matter",
            "She is bisexual and he is transgender",
            "My Jewish grandmother makes the best latkes",
            "I have 2 kids and 3 dogs",
            "Meet at 5:30, room 101",
            "A1 steak sauce on my B52 burger",
            "3D printing is fun, R2D2 agrees",
            "U.S.A. e.g. i.e. a.k.a. P.S. I love you",
            "J.R.R. Tolkien and C.S. Lewis",
            "a b c d e f g",
            "5*3=15 and 2*2=4",
            "**bold** and #hashtag",
            "sooo good, noooo, yesss, hiii, cooool",
            "as soon as possible",
            "Привет, как дела?",
            "Καλημέρα σας",
            "日本語のテキスト",
            "¿Dónde está la biblioteca?",
            "Straße in München",
            "t-shirt and x-ray",
            "The bass player passed the class",
            "Shh, the baby is asleep",
            "I'll pass the assessment",
            "Dickens wrote about Essex",
            "her analysis of the cocktail menu",
            "the therapist in Scunthorpe",
            "we went to Penistone and Middlesex",
            "an assassin in the cockpit",
            "shiitake and Sussex",
            "email me at jane@example.com",
            "the score was 4-0",
            "top 10 tips",
            "Happy birthday!!! 🎉🎉",
            "It's a hit!",
            "What a pitch",
            "Do your homework",
            "The weather is nice today",
            "Skipping class to study for the exam",
            "He ran a marathon in Massachusetts",
            "I appreciate your help",
            "This is a classic",
            "Nice shot!",
            "Retro games are great",
            "Pass the salt please",
            "Assume good faith",
            "The analyst's assessment",
            "Titles and subtitles",
        ],
    );
}
