//! The scanner is push-based: findings come out as soon as a printing is
//! complete, and what it keeps is bounded whatever the input.

use errsig::rules::Catalog;
use errsig::Engine;
use std::sync::Arc;

fn engine(columns: Option<usize>) -> Engine {
    Engine::new(Arc::new(Catalog::builtin()), columns)
}

const LINE: &str = r#"API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CSHmzpnGHTh7ZxBa1cFA2"} · Please run /login"#;

#[test]
fn half_an_error_is_nothing_yet_and_the_rest_completes_it_before_the_input_ends() {
    let mut e = engine(None);
    let (a, b) = LINE.split_at(LINE.len() / 2);
    assert!(e.feed(b"$ claude -p hello\n").is_empty());
    assert!(e.feed(a.as_bytes()).is_empty(), "half an error is not a finding");
    assert!(e.pending().iter().all(|f| f.event.message.is_none()) || e.pending().is_empty());
    let found = e.feed(format!("{b}\n").as_bytes());
    assert_eq!(found.len(), 1, "the finding comes with the line that completes it");
    assert_eq!(found[0].rule.id, "403-permission-denied");
    assert_eq!(found[0].event.hints, ["Please run /login"]);
    assert!(e.finish().is_empty(), "and only once");
}

#[test]
fn a_pretty_body_completes_with_its_closing_line() {
    let mut e = engine(None);
    let body = "PermissionDeniedError: 403 {\n  \"type\": \"error\",\n  \"error\": {\n    \"type\": \"permission_error\",\n    \"message\": \"Permission denied\"\n  }\n}\n";
    let (a, b) = body.split_at(40);
    assert!(e.feed(a.as_bytes()).is_empty());
    let mut found = e.feed(b.as_bytes());
    // A hint may still follow on the next line (Claude Code prints
    // ` · Please run /login` after an HTML page): the live view has it already…
    if found.is_empty() {
        assert_eq!(e.pending().len(), 1, "pending() shows the complete printing at once");
        // …and the next line settles it.
        found = e.feed(b"    at APIError.generate (node_modules/@anthropic-ai/sdk/core/error.js:59:24)\n");
    }
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].event.start.line, found[0].event.end.line), (0, 6));
}

#[test]
fn a_terminal_wrapped_error_is_found_once_whole() {
    // A Neovim terminal 40 columns wide: the line is split into 40+40+… rows.
    let rows: Vec<String> = LINE.chars().collect::<Vec<_>>().chunks(40).map(|c| c.iter().collect()).collect();
    let mut e = engine(Some(40));
    let mut found = Vec::new();
    for r in &rows[..rows.len() - 1] {
        found.extend(e.feed(format!("{r}\n").as_bytes()));
    }
    assert!(found.is_empty(), "not before the last row");
    found.extend(e.feed(format!("{}\n", rows[rows.len() - 1]).as_bytes()));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].event.start.line as usize, found[0].event.end.line as usize), (0, rows.len() - 1));
    assert_eq!(found[0].event.request_id.as_deref(), Some("req_011CSHmzpnGHTh7ZxBa1cFA2"));
}

#[test]
fn an_uncertain_printing_waits_for_evidence_and_is_dropped_without_it() {
    let anthropic = "Error: 403 status code (no body)\n    at APIError.generate (file:///app/node_modules/@anthropic-ai/sdk/core/error.mjs:59:24)\n";
    let mut e = engine(None);
    assert!(e.feed(anthropic.as_bytes()).is_empty(), "held: the evidence may come later");
    assert_eq!(e.pending().len(), 1, "with the stack frame as evidence it is Anthropic's");
    assert_eq!(e.finish().len(), 1);

    let openai = "Error: 403 status code (no body)\n    at APIError.generate (file:///app/node_modules/openai/core/error.mjs:51:20)\n";
    let mut e = engine(None);
    e.feed(openai.as_bytes());
    assert!(e.finish().is_empty(), "OpenAI's SDK prints the same line");

    let mut e = engine(None);
    e.feed(b"Error: 403 status code (no body)\n");
    assert!(e.finish().is_empty(), "no evidence at all: someone else's 403");
}

#[test]
fn memory_stays_bounded_on_hostile_input() {
    let mut e = engine(Some(80));
    // One endless line.
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..64 {
        e.feed(&chunk);
        assert!(e.retained_bytes() <= 512 * 1024, "{}", e.retained_bytes());
    }
    e.feed(b"\n");
    // A body that never closes, and rows that are always exactly full.
    let mut e = engine(Some(80));
    e.feed(b"API Error: 403 {\"type\":\"error\",\"error\":{\n");
    let full = format!("{}\n", "a".repeat(80));
    let nested = format!("{}\n", "{\"a\":[".repeat(13));
    for _ in 0..20_000 {
        e.feed(full.as_bytes());
        e.feed(nested.as_bytes());
        assert!(e.retained_bytes() <= 512 * 1024, "{}", e.retained_bytes());
    }
    assert!(e.bytes_scanned() > 3_000_000);
}
