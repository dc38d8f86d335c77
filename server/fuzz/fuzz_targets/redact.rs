//! Redaction is idempotent and nothing it would remove survives it, for any
//! text, and for any text with a fake key of every known kind spliced in.
#![no_main]

use errsig::scan::redact::{has_secret, redact, MASK};
use libfuzzer_sys::fuzz_target;

/// Fake credentials of every kind errsig knows, with their value part
/// chosen from the fuzzer's bytes.
const KINDS: &[&str] = &[
    "sk-ant-api03-",
    "sk-ant-admin01-",
    "sk-ant-oat01-",
    "sk-ant-ort01-",
    "sk-ant-sid01-",
    "Authorization: Bearer ",
    "x-api-key: ",
    "AKIA",
    "ASIA",
    "ya29.",
];

fn check(text: &str) {
    let once = redact(text);
    let twice = redact(&once);
    assert_eq!(once, twice, "redacting twice changed more");
    assert!(!has_secret(&once), "a secret survived: {once:?}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text);

    // A fake key of a kind the first byte picks, its value from the input's
    // alphanumerics (so a value is always there), spliced into the text.
    let Some(&pick) = data.first() else { return };
    let kind = KINDS[pick as usize % KINDS.len()];
    let mut value: String = text.chars().filter(char::is_ascii_alphanumeric).take(40).collect();
    if kind.starts_with("AKIA") || kind.starts_with("ASIA") {
        value = value.to_ascii_uppercase();
    }
    while value.len() < 20 {
        value.push('Q');
    }
    if kind.starts_with('A') && !kind.contains(':') {
        value.truncate(16);
    }
    let key = format!("{kind}{value}");
    let at = text.char_indices().map(|(i, _)| i).nth(pick as usize % (text.chars().count() + 1)).unwrap_or(text.len());
    // Separated by spaces, as a key is printed among words.
    let spliced = format!("{} {key} {}", &text[..at], &text[at..]);
    check(&spliced);
    let out = redact(&spliced);
    if text.contains(&value) {
        return; // the value is also ordinary text elsewhere: it may stay there
    }
    assert!(!out.contains(&value), "the value of {kind} survived: {out:?}");
    assert!(out.contains(MASK));
});
