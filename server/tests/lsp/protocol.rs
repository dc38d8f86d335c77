//! Protocol abuse: malformed frames and messages, unknown methods,
//! cancellation, huge requests and a client that stops reading. After each,
//! the server must still answer; where the stream cannot go on it must say
//! why on stderr and exit non-zero.

use super::client::Client;
use super::workspace;
use serde_json::{json, Value};

fn started(name: &str) -> (Client, std::path::PathBuf) {
    let ws = workspace(name);
    let mut c = Client::start_logged(&ws);
    c.initialize(json!({}), json!({}), &ws);
    (c, ws)
}

/// The server still answers a request.
fn alive(c: &mut Client) {
    let r = c.request("errsig/scanText", json!({ "text": "Failed to authenticate. API Error: 403 Permission denied" }));
    assert_eq!(r[0]["rule"], "403-permission-denied", "{r}");
}

fn framed(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The next message that is a response (skipping notifications).
fn next_response(c: &mut Client) -> Value {
    loop {
        let m = c.next_message().expect("a response");
        if m.get("method").is_none() {
            return m;
        }
    }
}

#[test]
fn malformed_messages_are_answered_and_the_server_goes_on() {
    let (mut c, _ws) = started("abuse-msg");
    let cases: &[(&str, Value, i64)] = &[
        ("{this is not json", Value::Null, -32700),
        ("[]", Value::Null, -32600),
        ("null", Value::Null, -32600),
        (r#"{"jsonrpc":"1.0","id":7,"method":"textDocument/hover"}"#, json!(7), -32600),
        (r#"{"jsonrpc":"2.0","id":{"an":"object"},"method":"textDocument/hover"}"#, Value::Null, -32600),
        (r#"{"jsonrpc":"2.0","id":"q","method":"$/somethingNew"}"#, json!("q"), -32601),
    ];
    for (body, id, code) in cases {
        c.send_bytes(&framed(body));
        let r = next_response(&mut c);
        assert_eq!((&r["id"], r["error"]["code"].as_i64()), (id, Some(*code)), "{body}: {r}");
        alive(&mut c);
    }
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn broken_frames_are_skipped_and_named_on_stderr() {
    let (mut c, _ws) = started("abuse-frame");
    let hover = r#"{"jsonrpc":"2.0","id":900,"method":"errsig/scanText","params":{"text":"x"}}"#;
    let cases: Vec<Vec<u8>> = vec![
        b"Content-Length: twelve\r\n\r\n{}".to_vec(),
        // Too short: the rest of the body runs into the next header.
        format!("Content-Length: 10\r\n\r\n{hover}").into_bytes(),
        // No header at all.
        hover.as_bytes().to_vec(),
        // Binary noise.
        vec![0, 255, 13, 10, 13, 10, 1, 2, 3],
    ];
    for case in &cases {
        c.send_bytes(case);
        alive(&mut c);
    }
    // LF-only headers are read as they are.
    let body = r#"{"jsonrpc":"2.0","id":901,"method":"errsig/scanText","params":{"text":"x"}}"#;
    c.send_bytes(format!("Content-Length: {}\n\n{body}", body.len()).as_bytes());
    let r = next_response(&mut c);
    assert_eq!((r["id"].as_i64(), &r["result"]), (Some(901), &json!([])), "{r}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let (status, stderr) = c.finish();
    assert_eq!(status, Some(0));
    assert!(stderr.contains("not a number"), "{stderr}");
    assert!(stderr.contains("not a message header"), "{stderr}");
}

#[test]
fn a_stream_cut_inside_a_message_ends_with_an_error() {
    let (mut c, _ws) = started("abuse-cut");
    alive(&mut c);
    c.send_bytes(b"Content-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\",");
    let (status, stderr) = c.finish();
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("ended inside a message of 500 bytes"), "{stderr}");
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let (mut c, _ws) = started("abuse-exit");
    c.notify("exit", Value::Null);
    let (status, _) = c.finish();
    assert_eq!(status, Some(1));
}

/// Dense errors: the slowest text to scan per byte.
fn dense(bytes: usize) -> String {
    let line = "API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"}} · Please run /login\n";
    line.repeat(bytes / line.len())
}

#[test]
fn huge_scans_are_refused_and_long_ones_cancelled_while_others_are_answered() {
    let (mut c, _ws) = started("abuse-heavy");
    let r = c.request_raw("errsig/scanText", json!({ "text": "x".repeat(4 * 1024 * 1024 + 1) }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("4194304"), "{r}");
    // A long scan, then a cheap request: the cheap one is answered first.
    let big =
        json!({ "jsonrpc": "2.0", "id": 500, "method": "errsig/scanText", "params": { "text": dense(256 * 1024) } });
    c.send(&big);
    c.send(&json!({ "jsonrpc": "2.0", "id": 501, "method": "errsig/scanText", "params": { "text": "x" } }));
    let first = next_response(&mut c);
    assert_eq!(first["id"], 501, "the cheap request waited for the long one: {}", first["id"]);
    assert_eq!(next_response(&mut c)["id"], 500);
    // Cancelled: answered with RequestCancelled.
    let mut big = big;
    big["id"] = json!(502);
    c.send(&big);
    c.notify("$/cancelRequest", json!({ "id": 502 }));
    let r = next_response(&mut c);
    assert_eq!((r["id"].as_i64(), r["error"]["code"].as_i64()), (Some(502), Some(-32800)), "{}", r["error"]);
    alive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_client_that_stops_reading_gets_everything_when_it_reads_again() {
    use std::io::Write;
    let (mut c, _ws) = started("abuse-slow");
    // The client stops reading while it writes a burst whose answers are
    // far more than the pipes hold: the server must neither die nor drop
    // anything, and answer everything once the client reads again.
    let text = dense(8 * 1024);
    let n = 100;
    c.pause_reading(true);
    let mut stdin = c.stdin_handle();
    let writer = std::thread::spawn(move || {
        for i in 0..n {
            let body = serde_json::to_vec(
                &json!({ "jsonrpc": "2.0", "id": 10_000 + i, "method": "errsig/scanText", "params": { "text": text } }),
            )
            .unwrap();
            stdin.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes()).unwrap();
            stdin.write_all(&body).unwrap();
        }
    });
    std::thread::sleep(std::time::Duration::from_secs(2));
    c.pause_reading(false);
    let mut ids = std::collections::BTreeSet::new();
    while ids.len() < n as usize {
        let r = next_response(&mut c);
        assert!(r["result"].as_array().is_some_and(|a| !a.is_empty()), "{}", r["error"]);
        ids.insert(r["id"].as_i64().unwrap());
    }
    writer.join().unwrap();
    alive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn absurd_widths_are_ignored_with_a_log_line() {
    let (mut c, _ws) = started("abuse-width");
    let uri = "term://~/w//77:/bin/sh";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "", "version": 0, "text": "$ ls\n" } }),
    );
    // Above the scanner's MAX_COLUMNS (65,536) or below 2: nothing changes
    // (2^40 used to be accepted, and cost 26 s and 106 MB).
    for columns in [1u64 << 40, 65_537, 1, 0] {
        c.notify("errsig/terminalWidth", json!({ "uri": uri, "columns": columns }));
        let s = c.request("errsig/debugStats", json!({ "uri": uri }));
        assert!(s["columns"].is_null(), "{columns}: {s}");
        assert_eq!(s["bytesScanned"], 5, "{columns}: nothing was re-scanned: {s}");
    }
    // The bounds themselves are widths.
    for columns in [2u64, 65_536, 80] {
        c.notify("errsig/terminalWidth", json!({ "uri": uri, "columns": columns }));
        let s = c.request("errsig/debugStats", json!({ "uri": uri }));
        assert_eq!(s["columns"], columns, "{s}");
    }
    // `errsig/scanText` ignores the same widths: as if none were given.
    let err = "Failed to authenticate. API Error: 403 Permission denied";
    let plain = c.request("errsig/scanText", json!({ "text": err }));
    for columns in [1u64 << 40, 0] {
        let r = c.request("errsig/scanText", json!({ "text": err, "columns": columns }));
        assert_eq!(r, plain, "{columns}");
    }
    alive(&mut c);
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let (status, stderr) = c.finish();
    assert_eq!(status, Some(0));
    let ignored = stderr.lines().filter(|l| l.contains("a width outside 2..=65536 is ignored")).count();
    assert_eq!(ignored, 6, "one log line per ignored width:\n{stderr}");
    assert!(stderr.contains("1099511627776"), "the width is named:\n{stderr}");
}

/// Memory per open document, by the server's own count (`heldBytes` of
/// `errsig/debugStats`: capacities of its text, line index, checkpoints and
/// findings), never by a clock.
#[test]
fn memory_per_open_document_is_bounded() {
    let (mut c, _ws) = started("bounded-docs");
    let tiny = "2026-11-28T10:00:00.000Z INFO api: started\nFailed to authenticate. API Error: 403 Permission denied\n";
    for i in 0..200 {
        let uri = format!("untitled:tiny-{i}");
        c.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "log", "version": 0, "text": tiny } }),
        );
    }
    for i in [0, 99, 199] {
        let s = c.request("errsig/debugStats", json!({ "uri": format!("untitled:tiny-{i}") }));
        assert_eq!(s["findings"], 1, "{s}");
        assert_eq!(s["checkpoints"], 0, "a small file keeps no scanner copies: {s}");
        assert!(s["heldBytes"].as_u64().unwrap() <= 10 * 1024, "a tiny document costs at most 10 KiB: {s}");
    }
    // A large file: its text once, plus bounded checkpoints.
    let line = "2026-11-28T10:00:00.000Z INFO worker: job finished in 12 ms, retry none, queue empty\n";
    let big = line.repeat(8 * 1024 * 1024 / line.len());
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": "untitled:big", "languageId": "log", "version": 0, "text": big } }),
    );
    let s = c.request("errsig/debugStats", json!({ "uri": "untitled:big" }));
    let held = s["heldBytes"].as_u64().unwrap() as f64;
    assert!(s["checkpoints"].as_u64().unwrap() <= 48, "{s}");
    assert!(held <= 1.2 * big.len() as f64, "{held} bytes held for {} of text: {s}", big.len());
    // A terminal that keeps printing and trims its top stays bounded too.
    let uri = "errsig-terminal:/1/bounded";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "", "version": 0, "text": "" } }),
    );
    let mut lines = 0u32;
    for v in 1..=300 {
        let chunk = line.repeat(100);
        let end = json!({ "line": lines, "character": 0 });
        let mut changes = vec![json!({ "range": { "start": end, "end": end }, "text": chunk })];
        lines += 100;
        if lines > 2000 {
            changes.push(json!({ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 1000, "character": 0 } }, "text": "" }));
            lines -= 1000;
        }
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": v }, "contentChanges": changes }),
        );
    }
    let s = c.request("errsig/debugStats", json!({ "uri": uri }));
    assert_eq!(s["lines"], lines + 1, "{s}");
    let text = (lines as usize) * line.len();
    assert!(s["heldBytes"].as_u64().unwrap() as usize <= 2 * text + 512 * 1024, "{text} bytes of text: {s}");
    assert_eq!(c.shutdown(), Some(0));
}
