//! The body reader: `parse_loose` (JSON, Python repr, Node inspect),
//! `classify`, `html_title` and the incremental `Bracket` never panic, and
//! `Bracket` finds the same end whatever the pieces its text arrives in.
#![no_main]

use errsig::scan::envelope::{classify, html_title, parse_loose, Bracket};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let s = text.as_ref();

    if let Some((value, used)) = parse_loose(s) {
        assert!(used <= s.len(), "consumed {used} of {} bytes", s.len());
        let body = classify(&value);
        // What classify returns comes out of the value: never longer than the input.
        for field in [&body.error_type, &body.message].into_iter().flatten() {
            assert!(field.len() <= s.len() * 4 + 16, "{field:?}");
        }
    }
    if let Some(title) = html_title(s) {
        assert!(title.len() <= s.len());
    }

    // Whole, then in two pieces at a char boundary the fuzzer picks.
    let mut whole = Bracket::default();
    let end = whole.push(s);
    if let Some(end) = end {
        assert!(end <= s.len(), "closed at {end} past {}", s.len());
        assert!(s.is_char_boundary(end));
    }
    let mut cut = (split as usize * s.len()) / 255;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut pieces = Bracket::default();
    let first = pieces.push(&s[..cut]);
    let second = pieces.push(&s[cut..]);
    assert_eq!(first.or(second), end, "split at {cut}");
    let _ = pieces.in_string();
});
