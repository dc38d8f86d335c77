//! One error, rendered every way it is printed, gives the same fields.
//!
//! The body carries the awkward parts on purpose: an apostrophe (Python then
//! switches to double quotes), an escaped newline, extra nested fields with
//! brackets inside strings, and keys in another order.

use errsig::rules::Catalog;
use errsig::{scan_bytes, Finding};
use serde_json::json;
use std::sync::Arc;

const MESSAGE: &str = "Your organization's role doesn't allow this.\nAsk an admin.";
const REQUEST_ID: &str = "req_011CRenderingsTestAbCdEfGh";

fn renderings() -> Vec<(&'static str, String)> {
    let envelope =
        json!({"type": "error", "error": {"type": "permission_error", "message": MESSAGE}, "request_id": REQUEST_ID});
    let compact = serde_json::to_string(&envelope).unwrap();
    let pretty = serde_json::to_string_pretty(&envelope).unwrap();
    let reordered = format!(
        r#"{{"request_id":"{REQUEST_ID}","error":{{"message":{},"type":"permission_error"}},"type":"error"}}"#,
        serde_json::to_string(MESSAGE).unwrap()
    );
    let extra = format!(
        r#"{{"type":"error","error":{{"details":{{"reason":"role","path":["a}}","[b"],"n":null}},"type":"permission_error","message":{}}},"request_id":"{REQUEST_ID}"}}"#,
        serde_json::to_string(MESSAGE).unwrap()
    );
    let python = format!(
        r#"{{'type': 'error', 'error': {{'type': 'permission_error', 'message': "Your organization's role doesn't allow this.\nAsk an admin."}}, 'request_id': '{REQUEST_ID}'}}"#
    );
    let escaped_in_log = serde_json::to_string(&json!({
        "level": "error",
        "msg": "request failed",
        "error": format!("API Error: 403 {compact}"),
    }))
    .unwrap();
    vec![
        ("claude code, compact", format!("API Error: 403 {compact} · Please run /login")),
        ("ts sdk, pretty", format!("PermissionDeniedError: 403 {pretty}")),
        ("ts sdk, reordered", format!("Error: 403 {reordered}")),
        ("debug log, extra fields", format!("2026-11-28T18:08:12.199Z [ERROR] Error in API request: 403 {extra}")),
        ("python sdk repr", format!("anthropic.PermissionDeniedError: Error code: 403 - {python}")),
        ("escaped json in a log record", escaped_in_log),
        (
            "curl -i",
            format!("HTTP/2 403 \r\ncontent-type: application/json\r\nrequest-id: {REQUEST_ID}\r\n\r\n{pretty}"),
        ),
    ]
}

/// Split every line into rows of `width` characters, as a terminal buffer
/// does, optionally colouring each row as `tmux capture-pane -e` shows it.
fn hard_wrap(text: &str, width: usize, ansi: bool) -> String {
    let mut rows = Vec::new();
    for line in text.split('\n') {
        let chars: Vec<char> = line.chars().collect();
        let chunks: Vec<String> = if chars.is_empty() {
            vec![String::new()]
        } else {
            chars.chunks(width).map(|c| c.iter().collect()).collect()
        };
        for c in chunks {
            rows.push(if ansi { format!("\x1b[38;5;211m{c}\x1b[39m") } else { c });
        }
    }
    rows.join("\n")
}

fn colour(text: &str) -> String {
    // SGR in the middle of tokens, a hyperlink and a shell mark: none of it
    // may change what is read.
    let t = text.replacen("permission_error", "permi\x1b[1mssion\x1b[22m_error", 1);
    format!("\x1b]633;C\x07\x1b[31m{t}\x1b[0m \x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\")
}

fn check(what: &str, found: &[Finding], lines: u32) {
    assert_eq!(found.len(), 1, "{what}: {found:#?}");
    let e = &found[0].event;
    assert_eq!(e.status, Some(403), "{what}");
    assert_eq!(e.error_type.as_deref(), Some("permission_error"), "{what}");
    assert_eq!(e.message.as_deref(), Some(MESSAGE), "{what}");
    assert_eq!(e.request_id.as_deref(), Some(REQUEST_ID), "{what}");
    assert_eq!(e.start.line, 0, "{what}");
    assert_eq!(e.end.line + 1, lines, "{what}: end line");
    assert_eq!(found[0].rule.id, "403-generic", "{what}: the message is not the bare 'Permission denied'");
}

#[test]
fn every_rendering_gives_the_same_fields() {
    let catalog = Arc::new(Catalog::builtin());
    let mut n = 0;
    for (name, text) in renderings() {
        let lines = text.lines().count() as u32;
        check(name, &scan_bytes(catalog.clone(), None, text.as_bytes()), lines);
        check(&format!("{name}, ansi"), &scan_bytes(catalog.clone(), None, colour(&text).as_bytes()), lines);
        for width in [40, 57, 80] {
            for ansi in [false, true] {
                let wrapped = hard_wrap(&text, width, ansi);
                let mut rows = wrapped.split('\n').count() as u32;
                if name.starts_with("escaped") {
                    // The finding ends with the string that holds it, before
                    // the record's closing `"}`.
                    let last = text.find(r#"\"}""#).expect("end of the held envelope") + 2;
                    rows = (last / width) as u32 + 1;
                }
                let what = format!("{name}, wrapped at {width}, ansi {ansi}");
                check(&what, &scan_bytes(catalog.clone(), Some(width), wrapped.as_bytes()), rows);
                n += 1;
            }
        }
    }
    assert_eq!(n, 42);
}
