//! Document edits give what a fresh open gives: random incremental changes
//! (inserts, deletes, replacements, several changes in one notification,
//! whole-text replacements, a terminal trimming its top, a resize), with
//! positions in UTF-16 or UTF-8 through emoji, CJK and TUI marks, leave the
//! language server's document with the findings, line count and position
//! mapping of the same text opened afresh.
//!
//! The document type lives in the binary (`server/src/lsp/document.rs`);
//! it uses only the library and `lsp_types`, so it is compiled in here as it
//! is, from its own file.
//!
//! Input: one byte of kind and width, four bytes of seed for the edits'
//! choices, then the pieces of text to edit with, separated by 0xFF (a byte
//! UTF-8 never holds, so a capture is split at nothing).
#![no_main]

#[allow(dead_code)]
#[path = "../../src/lsp/document.rs"]
mod document;
// `document.rs` reaches its sparse line index as `super::lines`.
#[path = "../../src/lsp/lines.rs"]
mod lines;

use document::{Document, Encoding, Kind};
use errsig::rules::Catalog;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, LazyLock};
use tower_lsp_server::lsp_types::{Position, Range, TextDocumentContentChangeEvent};

static CATALOG: LazyLock<Arc<Catalog>> = LazyLock::new(|| Arc::new(Catalog::builtin()));

/// Edits stop growing the text past this: each step opens the text afresh.
const MAX_TEXT: usize = 16 * 1024;
/// Steps per input.
const MAX_STEPS: usize = 16;

/// Pieces every input may use beside its own: surrogate pairs, wide
/// characters, Claude Code's marks, CRLF, an error and its evidence.
const BUILTIN: &[&str] = &[
    "😀",
    "日本語のログ",
    "⎿  ",
    "e\u{301}",
    "\r\n",
    "\n",
    "API Error: 403 Permission denied\n",
    "Failed to authenticate. API Error: 401 {\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"},\"request_id\":\"req_011CFAKEfake\"}\n",
    "> POST /v1/messages HTTP/1.1\n",
    "Error: 403 status code (no body)\n",
    "\x1b[31m●\x1b[0m 😀😀 wrapped 日本\n",
];

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The largest char boundary at or before `at`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn units(c: char, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => c.len_utf8(),
        Encoding::Utf16 => c.len_utf16(),
    }
}

/// The position of a byte offset, counted independently of the document.
fn position(text: &str, offset: usize, enc: Encoding) -> Position {
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[start..offset].chars().map(|c| units(c, enc)).sum();
    Position::new(line as u32, col as u32)
}

/// The byte offset a position stands for, as the protocol means it: past
/// the last line, the end; past a line's end, the line's end (before its
/// `\n`); inside a character (half a surrogate pair, a byte inside a UTF-8
/// sequence), the end of that character.
fn offset(text: &str, pos: Position, enc: Encoding) -> usize {
    let mut start = 0;
    for _ in 0..pos.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut count = 0;
    for (i, c) in text[start..end].char_indices() {
        if count >= pos.character as usize {
            return start + i;
        }
        count += units(c, enc);
    }
    end
}

/// What a client sees of the findings: positions relative to the top.
fn seen(d: &Document) -> Vec<String> {
    let r = d.removed();
    let mut v: Vec<String> = d
        .findings()
        .map(|f| {
            let e = &f.event;
            format!(
                "{}:{}/{}-{}:{}/{} {} {:?} {} {:?} {:?} {:?} {:?}",
                e.start.line - r,
                e.start.character,
                e.start.column,
                e.end.line - r,
                e.end.character,
                e.end.column,
                f.rule.id,
                e.status,
                e.status_inferred,
                e.error_type,
                e.message,
                e.request_id,
                e.hints
            )
        })
        .collect();
    v.sort();
    v
}

/// A position somewhere in the text: mostly at a character, sometimes past
/// a line's end, inside a surrogate pair or past the last line.
fn somewhere(rng: &mut Rng, text: &str, enc: Encoding) -> Position {
    let p = position(text, boundary(text, rng.below(text.len() + 1)), enc);
    match rng.below(8) {
        0 => Position::new(p.line, p.character + 1 + rng.below(3) as u32),
        1 => Position::new(p.line + rng.below(3) as u32, p.character),
        _ => p,
    }
}

fn check(d: &Document, text: &str, kind: Kind, columns: Option<usize>, rng: &mut Rng, step: usize) {
    let fresh = Document::open(kind, text.to_owned(), 0, CATALOG.clone(), columns);
    assert_eq!(d.line_count(), fresh.line_count(), "step {step}: line count");
    assert_eq!(d.line_count(), text.bytes().filter(|&b| b == b'\n').count() + 1, "step {step}: line count");
    assert_eq!(seen(d), seen(&fresh), "{kind:?} step {step}: edited vs fresh, text {text:?}");
    for _ in 0..4 {
        let enc = if rng.below(2) == 0 { Encoding::Utf16 } else { Encoding::Utf8 };
        let p = somewhere(rng, text, enc);
        assert_eq!(d.offset(p, enc), offset(text, p, enc), "step {step}: offset of {p:?} ({enc:?})");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let (ctl, rest) = data.split_at(5);
    // Files are opened without a width (the server infers it); a Neovim
    // terminal may have had its width announced before it opened.
    let (kind, columns) = match ctl[0] % 5 {
        0 | 1 => (Kind::File, None),
        2 => (Kind::NvimTerminal, Some(20 + (ctl[0] as usize / 5) % 100)),
        3 => (Kind::NvimTerminal, None),
        _ => (Kind::VscodeTerminal, None),
    };
    let mut rng = Rng(u64::from(u32::from_le_bytes([ctl[1], ctl[2], ctl[3], ctl[4]])) | 1 << 40);
    let own: Vec<String> = rest.split(|&b| b == 0xff).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
    let piece = |rng: &mut Rng| -> String {
        match rng.below(3) {
            0 => BUILTIN[rng.below(BUILTIN.len())].to_owned(),
            _ => {
                let p = &own[rng.below(own.len())];
                let a = boundary(p, rng.below(p.len() + 1));
                let b = boundary(p, a + rng.below(p.len() + 1 - a));
                p[a..b].to_owned()
            }
        }
    };

    let mut columns = columns;
    let mut text = own.first().cloned().unwrap_or_default();
    let mut d = Document::open(kind, text.clone(), 0, CATALOG.clone(), columns);
    check(&d, &text, kind, columns, &mut rng, 0);
    for step in 1..=MAX_STEPS {
        let enc = if rng.below(4) == 0 { Encoding::Utf8 } else { Encoding::Utf16 };
        let mut changes = Vec::new();
        for _ in 0..1 + rng.below(3) * usize::from(rng.below(4) == 0) {
            let (range, new) = match rng.below(12) {
                // Append (what terminals do).
                0..=3 => {
                    let end = position(&text, text.len(), enc);
                    (Some(Range::new(end, end)), piece(&mut rng))
                }
                // Insert, delete or replace anywhere, the range either way round.
                4..=8 => {
                    let a = somewhere(&mut rng, &text, enc);
                    let b = if rng.below(3) == 0 { a } else { somewhere(&mut rng, &text, enc) };
                    let new = if rng.below(3) == 0 { String::new() } else { piece(&mut rng) };
                    (Some(Range::new(a, b)), new)
                }
                // Trim whole lines from the top (a terminal's scrollback).
                9 | 10 => {
                    let lines = text.bytes().filter(|&b| b == b'\n').count() as u32;
                    let n = 1 + rng.below(lines as usize + 1) as u32;
                    (Some(Range::new(Position::new(0, 0), Position::new(n, 0))), String::new())
                }
                // The whole text anew.
                _ => (None, piece(&mut rng)),
            };
            if text.len() + new.len() > MAX_TEXT {
                continue;
            }
            // The client's own copy, edited as the protocol says.
            match range {
                Some(r) => {
                    let (a, b) = (offset(&text, r.start, enc), offset(&text, r.end, enc));
                    text.replace_range(a.min(b)..a.max(b), &new);
                }
                None => text.clone_from(&new),
            }
            changes.push(TextDocumentContentChangeEvent { range, range_length: None, text: new });
        }
        d.version += 1;
        d.apply(changes, enc);
        // Now and then the terminal is resized.
        if kind == Kind::NvimTerminal && rng.below(8) == 0 {
            columns = [None, Some(20), Some(40), Some(80)][rng.below(4)];
            d.set_columns(columns);
        }
        // A file's width is inferred from its text: a fresh open infers it too.
        let open_columns = if kind == Kind::File { None } else { columns };
        check(&d, &text, kind, open_columns, &mut rng, step);
    }
});
