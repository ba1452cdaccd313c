//! False positives over a whole dictionary: every word of `/usr/share/dict/words` (Debian's
//! `wamerican`, installed by `make setup`) that is not itself a wordlist term is scored
//! alone, and the share that yields any harm match must stay below 0.5%.

use std::collections::HashSet;

use crate::common::engine;

const DICT: &str = "/usr/share/dict/words";
const MAX_FALSE_POSITIVE_RATE: f64 = 0.005;

fn key(word: &str) -> String {
    word.to_lowercase().chars().filter(|c| *c != '\'').collect()
}

#[test]
fn dictionary_false_positive_rate() {
    let words = std::fs::read_to_string(DICT)
        .unwrap_or_else(|e| panic!("{DICT}: {e}; run `make setup` to install Debian's wamerican"));
    let terms: HashSet<String> = engine()
        .wordlists()
        .terms()
        .iter()
        .map(|t| key(&t.text))
        .collect();

    let mut scored = 0usize;
    let mut flagged: Vec<&str> = Vec::new();
    for word in words.lines().map(str::trim).filter(|w| !w.is_empty()) {
        if terms.contains(&key(word)) {
            continue;
        }
        scored += 1;
        if engine().score(word).harms().next().is_some() {
            flagged.push(word);
        }
    }
    let rate = flagged.len() as f64 / scored as f64;
    eprintln!(
        "dictionary: {} of {scored} words flagged ({:.3}%): {:?}",
        flagged.len(),
        rate * 100.0,
        &flagged[..flagged.len().min(200)]
    );
    assert!(scored > 50_000, "dictionary too small: {scored} words");
    assert!(
        rate < MAX_FALSE_POSITIVE_RATE,
        "false-positive rate {:.3}% ≥ 0.5%",
        rate * 100.0
    );
}
