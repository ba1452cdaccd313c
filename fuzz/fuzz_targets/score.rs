//! Fuzzes the whole text path: folding, normalization, matching, PII detection and the
//! verdict, checking that every span lies inside the input.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use warden::Engine;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().languages(["all"]).build().expect("engine"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let len = text.chars().count() as u32;
    let verdict = engine().score(&text);
    for m in &verdict.matches {
        assert!(m.start < m.end && m.end <= len, "span {m:?} outside 0..{len}");
    }
    let folded = warden::text::fold(&text);
    assert_eq!(folded.origins().len(), folded.as_str().chars().count());
});
