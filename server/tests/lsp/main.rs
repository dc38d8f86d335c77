//! End to end: the built `errsig lsp` over real stdio framing.

mod advice;
mod client;
mod protocol;
mod secrets;
mod terminal_width;
mod user_anchors;

use client::Client;
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real").join(name);
    std::fs::read_to_string(p).unwrap()
}

/// A fresh workspace directory for one test.
fn workspace(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("errsig-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn uri_of(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn open(c: &mut Client, uri: &str, language: &str, text: &str) {
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": language, "version": 0, "text": text } }),
    );
}

/// Append `text` at the end of a document whose text so far is `sofar`
/// (positions in UTF-16, as the default encoding).
fn append(c: &mut Client, uri: &str, version: i32, sofar: &mut String, text: &str) {
    let line = sofar.matches('\n').count();
    let col = sofar.rsplit('\n').next().unwrap_or("").encode_utf16().count();
    let pos = json!({ "line": line, "character": col });
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": { "start": pos, "end": pos }, "text": text }] }),
    );
    sofar.push_str(text);
}

#[test]
fn position_encoding_is_negotiated() {
    let ws = workspace("enc");
    let mut c = Client::start(&ws);
    let r = c.initialize(json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }), json!({}), &ws);
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(r["capabilities"]["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(r["serverInfo"]["name"], "errsig");
    assert_eq!(c.shutdown(), Some(0));
    let mut c = Client::start(&ws);
    let r = c.initialize(json!({}), json!({}), &ws);
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-16");
    assert!(r["capabilities"]["diagnosticProvider"].is_null(), "push unless the client pulls");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_log_file_gets_diagnostics_hover_and_working_actions() {
    let ws = workspace("log");
    std::fs::write(ws.join(".errsig.toml"), "# the project's own settings\n").unwrap();
    let log = ws.join("claude.log");
    let text = fixture("cc-2.0-print-permission_denied.txt") + &fixture("cc-2.1-print-rate_limit.txt");
    std::fs::write(&log, &text).unwrap();
    let uri = uri_of(&log);
    let mut c = Client::start(&ws);
    c.initialize(
        json!({ "window": { "showDocument": { "support": true } }, "workspace": { "configuration": true } }),
        json!({}),
        &ws,
    );
    open(&mut c, &uri, "log", &text);
    let d = c.diagnostics(&uri, |d| d.len() == 2);
    let first = &d[0];
    assert_eq!(first["source"], "errsig");
    assert_eq!(first["code"], "403-permission-denied");
    assert_eq!(first["severity"], 1);
    assert_eq!(
        first["message"],
        "Anthropic API 403 permission_error: Permission denied (req_011CeMushhPjq9YzHkFdZqo7)"
    );
    assert_eq!(first["range"]["start"], json!({ "line": 0, "character": 0 }));
    assert!(first["codeDescription"]["href"].as_str().unwrap().starts_with("https://"));
    assert_eq!(d[1]["code"], "429-rate-limit");
    assert_eq!(d[1]["severity"], 2);
    assert!(first.get("relatedInformation").is_none(), "no repeats");

    // Hover: the headline (the diagnostic's message) first, then the causes
    // and the fix steps, readable as plain text; `errsig explain FILE:LINE`
    // keeps the full document.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 3 } }),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert_eq!(md.lines().next(), first["message"].as_str(), "{md}");
    assert!(md.contains("\nFix:\n\n1. ") && md.contains("Please run /login"), "{md}");
    assert!(md.lines().all(|l| l.chars().count() <= 100 && !l.starts_with(['#', '|'])), "{md}");
    let explain = std::process::Command::new(env!("CARGO_BIN_EXE_errsig"))
        .current_dir(&ws)
        .args(["explain", "claude.log:1"])
        .output()
        .unwrap();
    let full = String::from_utf8(explain.stdout).unwrap();
    assert!(full.contains("## Fix\n\n1. "));
    assert!(c
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 40, "character": 0 } })
        )
        .is_null());

    // Code actions: without client commands, shell commands are shown, not run.
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": first["range"], "context": { "diagnostics": [first] } }),
    );
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Check which credential Claude Code uses: `claude auth status`"), "{titles:?}");
    assert!(titles.iter().any(|t| t.starts_with("Explain 403-permission-denied")));
    for t in [
        "Write a report of this error (no secrets)",
        "Suppress 403-permission-denied on this line",
        "Suppress 403-permission-denied in this file",
        "Suppress 403-permission-denied for the project",
    ] {
        assert!(titles.contains(&t), "{t} in {titles:?}");
    }
    let command =
        |title: &str| actions.as_array().unwrap().iter().find(|a| a["title"] == title).unwrap()["command"].clone();
    assert_eq!(
        command("Check which credential Claude Code uses: `claude auth status`")["command"],
        "errsig.showCommand"
    );

    // Explain writes the explanation and asks the client to show it.
    let report_dir = ws.join("reports-out");
    c.settings = json!({ "reportDir": report_dir });
    c.notify("workspace/didChangeConfiguration", json!({ "settings": {} }));
    // New settings are applied by republishing everything.
    c.diagnostics(&uri, |d| d.len() == 2);
    let ex = command(
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().starts_with("Explain")).unwrap()
            ["title"]
            .as_str()
            .unwrap(),
    );
    let r = c.request("workspace/executeCommand", json!({ "command": ex["command"], "arguments": ex["arguments"] }));
    let path = PathBuf::from(r["path"].as_str().unwrap());
    assert!(path.starts_with(&report_dir));
    // The Explain action writes the full document, as `errsig explain` prints it.
    assert_eq!(format!("{}\n", std::fs::read_to_string(&path).unwrap()), full);
    c.wait_shown(|d| d["uri"].as_str().unwrap().ends_with("explain/403-permission-denied.md"));

    // The report: written, with the request id, without secrets.
    let rep = command("Write a report of this error (no secrets)");
    let r = c.request("workspace/executeCommand", json!({ "command": rep["command"], "arguments": rep["arguments"] }));
    let report = std::fs::read_to_string(r["path"].as_str().unwrap()).unwrap();
    assert!(report.contains("req_011CeMushhPjq9YzHkFdZqo7"));
    assert!(report.contains("| where | ") && report.contains("claude.log:1 |"));

    // Suppress on the line: .errsig.toml gains it (the old one backed up)
    // and the diagnostic is gone at once.
    let sup = command("Suppress 403-permission-denied on this line");
    let r = c.request("workspace/executeCommand", json!({ "command": sup["command"], "arguments": sup["arguments"] }));
    assert_eq!(std::fs::read_to_string(r["backup"].as_str().unwrap()).unwrap(), "# the project's own settings\n");
    let toml = std::fs::read_to_string(ws.join(".errsig.toml")).unwrap();
    assert!(toml.contains("rule = \"403-permission-denied\"\npath = \"claude.log\"\nline = 1\n"), "{toml}");
    let d = c.diagnostics(&uri, |d| d.len() == 1);
    assert_eq!(d[0]["code"], "429-rate-limit");

    c.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert!(c.diagnostics(&uri, |d| d.is_empty()).is_empty());
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn repeats_of_one_error_are_linked() {
    let ws = workspace("repeats");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let uri = "untitled:retries";
    let err =
        "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n";
    open(&mut c, uri, "log", &format!("{err}retrying in 2s\n{err}retrying in 4s\n{err}"));
    let d = c.diagnostics(uri, |d| d.len() == 3);
    let lines = |rel: &serde_json::Value| -> Vec<u64> {
        rel.as_array().unwrap().iter().map(|r| r["location"]["range"]["start"]["line"].as_u64().unwrap()).collect()
    };
    assert_eq!(lines(&d[0]["relatedInformation"]), [2, 4]);
    assert_eq!(lines(&d[1]["relatedInformation"]), [0, 4]);
    assert_eq!(d[2]["relatedInformation"][0]["message"], "the same error, printed again on line 1");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn client_commands_are_offered_only_to_clients_that_have_them() {
    let ws = workspace("cmds");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({ "clientCommands": ["errsig.runInTerminal", "errsig.openReport"] }), &ws);
    let uri = "untitled:Untitled-1";
    open(&mut c, uri, "plaintext", "Failed to authenticate. API Error: 403 Permission denied\n");
    let d = c.diagnostics(uri, |d| d.len() == 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d[0]["range"], "context": { "diagnostics": d } }),
    );
    let a = actions.as_array().unwrap();
    let run = a.iter().find(|a| a["title"].as_str().unwrap().contains("claude auth status")).unwrap();
    assert_eq!(run["command"]["command"], "errsig.runInTerminal");
    assert_eq!(run["command"]["arguments"][0]["command"], "claude auth status");
    let explain = a.iter().find(|a| a["title"].as_str().unwrap().starts_with("Explain")).unwrap();
    assert_eq!(explain["command"]["command"], "errsig.openReport");
    assert!(explain["command"]["arguments"][0]["markdown"].as_str().unwrap().starts_with("# "));
    // Not a file: only project-wide suppression.
    let titles: Vec<&str> = a.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(!titles.iter().any(|t| t.ends_with("on this line")), "{titles:?}");
    // The server lists only its own commands.
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_neovim_terminal_streams_and_costs_only_the_change() {
    let ws = workspace("term");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let uri = "term://~/work//4242:/bin/bash";
    open(&mut c, uri, "", "");
    c.notify("errsig/terminalWidth", json!({ "uri": uri, "columns": 40 }));
    let mut text = String::new();
    let mut v = 1;
    append(&mut c, uri, v, &mut text, "$ claude -p hello\n");
    // A 2.1.x error, hard-wrapped at 40 columns, arriving in pieces that
    // split words, rows and the UTF-8 of nothing in particular.
    let err = "Failed to authenticate. API Error: 403 P\nermission denied\n";
    for piece in [&err[..5], &err[5..38], &err[38..41], &err[41..50], &err[50..]] {
        v += 1;
        append(&mut c, uri, v, &mut text, piece);
    }
    v += 1;
    append(&mut c, uri, v, &mut text, "$ ");
    let d = c.diagnostics(uri, |d| d.len() == 1);
    assert_eq!((d[0]["range"]["start"]["line"].as_u64(), d[0]["range"]["end"]["line"].as_u64()), (Some(1), Some(2)));
    assert_eq!(d[0]["code"], "403-permission-denied");

    // Thousands of appends: the bytes re-scanned per append stay flat.
    let mut lasts = Vec::new();
    for i in 0..3000 {
        v += 1;
        append(&mut c, uri, v, &mut text, &format!("output line {i:05} of a long build\n$ "));
        if i % 1000 == 999 {
            let s = c.request("errsig/debugStats", json!({ "uri": uri }));
            lasts.push(s["lastScan"].as_u64().unwrap());
        }
    }
    assert!(lasts.iter().all(|&l| l < 100), "re-scanned per append: {lasts:?}");
    let stats = c.request("errsig/debugStats", json!({ "uri": uri }));
    assert!(stats["bytesScanned"].as_u64().unwrap() < 3 * text.len() as u64, "{stats}");
    assert_eq!(stats["columns"], 40);

    // The terminal trims its scrollback: positions shift, and only the lines
    // whose reading could depend on the trimmed one are re-scanned.
    v += 1;
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": v }, "contentChanges": [{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 1, "character": 0 } }, "text": "" }] }),
    );
    let d = c.diagnostics(uri, |d| d.len() == 1 && d[0]["range"]["start"]["line"] == 0);
    assert_eq!(d[0]["range"]["end"]["line"], 1);
    let s = c.request("errsig/debugStats", json!({ "uri": uri }));
    assert_eq!(s["removed"].as_u64(), Some(1));
    assert!(s["lastScan"].as_u64().unwrap() < text.len() as u64 / 4, "{s}");

    c.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert!(c.diagnostics(uri, |d| d.is_empty()).is_empty());
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_vscode_terminal_document_of_raw_chunks() {
    let ws = workspace("vsterm");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let uri = "errsig-terminal:/1/bash";
    open(&mut c, uri, "", "");
    let mut text = String::new();
    let chunks = [
        "\x1b]633;A\x07$ \x1b]633;B\x07claude -p hi\r\n\x1b]633;C\x07",
        "\x1b[31mFailed to authenticate. API Er",
        "ror: 403 Permission denied\x1b[0m\r\n",
        "\x1b]633;D;1\x07",
    ];
    for (i, ch) in chunks.iter().enumerate() {
        append(&mut c, uri, i as i32 + 1, &mut text, ch);
    }
    let d = c.diagnostics(uri, |d| d.len() == 1);
    // The column is counted in the original text: after `ESC]633;C BEL` and `ESC[31m`.
    assert_eq!(d[0]["range"]["start"], json!({ "line": 1, "character": 13 }));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn non_ascii_positions_in_both_encodings() {
    let line = "  ⎿ 日本語😀 → API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"}}\n";
    let before = &line[..line.find("API Error").unwrap()];
    for (enc, want) in [("utf-16", before.encode_utf16().count()), ("utf-8", before.len())] {
        let ws = workspace(&format!("nonascii-{enc}"));
        let mut c = Client::start(&ws);
        c.initialize(json!({ "general": { "positionEncodings": [enc] } }), json!({}), &ws);
        let uri = "untitled:x";
        open(&mut c, uri, "log", &format!("📦 build\n{line}"));
        let d = c.diagnostics(uri, |d| d.len() == 1);
        assert_eq!(d[0]["range"]["start"], json!({ "line": 1, "character": want }), "{enc}");
        let end = line.trim_end();
        let end_want = if enc == "utf-8" { end.len() } else { end.encode_utf16().count() };
        assert_eq!(d[0]["range"]["end"], json!({ "line": 1, "character": end_want }), "{enc}");
        // Hover inside the emoji's line works in either encoding.
        let h = c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 2 } }),
        );
        assert!(h["contents"]["value"].as_str().unwrap().starts_with("Anthropic API 403"), "{h}");
        assert_eq!(c.shutdown(), Some(0));
    }
}

#[test]
fn a_client_that_pulls_gets_no_pushes() {
    let ws = workspace("pull");
    let mut c = Client::start(&ws);
    let r = c.initialize(json!({ "textDocument": { "diagnostic": { "dynamicRegistration": false } } }), json!({}), &ws);
    assert_eq!(r["capabilities"]["diagnosticProvider"]["identifier"], "errsig");
    let uri = "untitled:pull";
    open(&mut c, uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
    let rep = c.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(rep["kind"], "full");
    assert_eq!(rep["items"][0]["code"], "403-permission-denied");
    c.settle();
    assert!(!c.notifications.iter().any(|n| n["method"] == "textDocument/publishDiagnostics"), "never both");
    // Terminal documents are sent by the client's code and never pulled:
    // they are pushed, and a pull for one is empty.
    let term = "errsig-terminal:/7/bash";
    open(&mut c, term, "", "Failed to authenticate. API Error: 403 Permission denied\n");
    assert_eq!(c.diagnostics(term, |d| d.len() == 1)[0]["code"], "403-permission-denied");
    let rep = c.request("textDocument/diagnostic", json!({ "textDocument": { "uri": term } }));
    assert_eq!(rep["items"], json!([]));
    assert_eq!(c.shutdown(), Some(0));

    // A suppression changes diagnostics the client did not ask about: a
    // client that supports it is told to pull again.
    let mut c = Client::start(&ws);
    c.initialize(
        json!({ "textDocument": { "diagnostic": {} }, "workspace": { "diagnostics": { "refreshSupport": true } } }),
        json!({}),
        &ws,
    );
    let log = ws.join("p.log");
    std::fs::write(&log, "Failed to authenticate. API Error: 403 Permission denied\n").unwrap();
    let uri = uri_of(&log);
    open(&mut c, &uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
    c.request("workspace/executeCommand", json!({ "command": "errsig.suppress", "arguments": [{ "uri": uri, "line": 0, "rule": "403-permission-denied", "scope": "file" }] }));
    c.wait_for("workspace/diagnostic/refresh", |_| true);
    let rep = c.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(rep["items"], json!([]));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn settings_and_bad_configuration() {
    let ws = workspace("cfg");
    std::fs::write(ws.join(".errsig.toml"), "[severity]\n\"no-such-rule\" = \"info\"\n").unwrap();
    let mut c = Client::start(&ws);
    c.initialize(
        json!({ "workspace": { "configuration": true } }),
        json!({ "settings": { "severity": { "403-permission-denied": "warning" } } }),
        &ws,
    );
    c.settings = json!({ "severity": { "403-permission-denied": "warning" } });
    let log = ws.join("a.log");
    std::fs::write(&log, "Failed to authenticate. API Error: 403 Permission denied\n").unwrap();
    let uri = uri_of(&log);
    open(&mut c, &uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
    // The broken .errsig.toml is reported; the server goes on with defaults.
    let m = c.wait_for("window/showMessage", |_| true);
    assert!(
        m["message"].as_str().unwrap().contains(".errsig.toml:2:2: [severity]: unknown rule `no-such-rule`"),
        "{m}"
    );
    let d = c.diagnostics(&uri, |d| d.len() == 1);
    assert_eq!(d[0]["severity"], 2, "the user's override");
    // The user changes the setting: the server pulls it again and republishes.
    c.settings = json!({ "severity": { "403-permission-denied": "info" } });
    c.notify("workspace/didChangeConfiguration", json!({ "settings": null }));
    let d = c.diagnostics(&uri, |d| d.len() == 1 && d[0]["severity"] == 3);
    assert_eq!(d[0]["code"], "403-permission-denied");
    // Invalid settings are reported and the previous ones kept.
    c.settings = json!({ "severity": "loud" });
    c.notify("workspace/didChangeConfiguration", json!({ "settings": null }));
    let m = c.wait_for("window/showMessage", |m| m["message"].as_str().unwrap().contains("invalid settings"));
    assert!(m["message"].as_str().unwrap().contains("keeping the previous ones"));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn malformed_requests_get_errors_and_positions_are_clamped() {
    let ws = workspace("robust");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let r = c.request_raw("textDocument/definitelyNot", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let r = c.request_raw("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(r["error"]["code"], -32602);
    let r =
        c.request_raw("workspace/executeCommand", json!({ "command": "errsig.suppress", "arguments": [{ "uri": 3 }] }));
    assert_eq!(r["error"]["code"], -32602);
    let uri = "untitled:r";
    open(&mut c, uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
    c.diagnostics(uri, |d| d.len() == 1);
    // Edits far outside the document are clamped, not fatal.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 1 }, "contentChanges": [{ "range": { "start": { "line": 99, "character": 99 }, "end": { "line": 120, "character": 0 } }, "text": "tail\n" }] }),
    );
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 9999, "character": 9999 } }),
    );
    assert!(h.is_null());
    let d = c.diagnostics(uri, |d| d.len() == 1);
    assert_eq!(d[0]["range"]["start"]["line"], 0);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn scan_text_for_terminal_links() {
    let ws = workspace("scantext");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let r = c.request("errsig/scanText", json!({ "text": "● Please run /login · API Error: 403 Permission denied" }));
    assert_eq!(r[0]["rule"], "403-permission-denied");
    assert_eq!((r[0]["line"].as_u64(), r[0]["startCharacter"].as_u64()), (Some(0), Some(2)));
    let r = c.request("errsig/scanText", json!({ "text": "cat: x: Permission denied" }));
    assert_eq!(r, json!([]));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn the_report_is_free_of_secrets() {
    let ws = workspace("secret");
    let mut c = Client::start(&ws);
    c.settings = json!({ "reportDir": ws.join("out") });
    c.initialize(
        json!({ "workspace": { "configuration": true } }),
        json!({ "settings": { "reportDir": ws.join("out") } }),
        &ws,
    );
    let uri = "untitled:secret";
    let key = "sk-ant-api03-SECRETSECRETSECRETSECRETSECRET0123456789";
    let text = format!(
        "> x-api-key: {key}\nAPI Error: 401 {{\"type\":\"error\",\"error\":{{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key {key}\"}},\"request_id\":\"req_011CSHmzpnGHTh7ZxBa1cFA2\"}}\n"
    );
    open(&mut c, uri, "log", &text);
    let d = c.diagnostics(uri, |d| d.len() == 1);
    assert!(!d[0].to_string().contains("SECRETSECRET"), "{}", d[0]);
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": "errsig.writeReport", "arguments": [{ "uri": uri, "line": 1 }] }),
    );
    let report = std::fs::read_to_string(r["path"].as_str().unwrap()).unwrap();
    assert!(report.contains("req_011CSHmzpnGHTh7ZxBa1cFA2"), "{report}");
    assert!(report.contains("sk-ant-api03-[REDACTED]"), "{report}");
    assert!(!report.contains("SECRETSECRET"), "{report}");
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 0 } }),
    );
    assert!(!h.to_string().contains("SECRETSECRET"));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn the_doctor_behind_code_actions() {
    let ws = workspace("doctor");
    let home = ws.join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    // A key in the project's local settings overrides the login.
    let settings = ws.join(".claude/settings.local.json");
    let original = "{\"env\":{\"ANTHROPIC_API_KEY\":\"sk-ant-api03-FAKElspFAKElsp\"}}";
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, original).unwrap();
    std::fs::write(
        home.join(".claude/.credentials.json"),
        "{\"claudeAiOauth\":{\"accessToken\":\"sk-ant-oat01-FAKE\",\"expiresAt\":1}}",
    )
    .unwrap();
    let env = [
        ("HOME", home.display().to_string()),
        ("PATH", "/usr/bin:/bin".to_owned()),
        ("ERRSIG_DOCTOR_PLATFORM", "linux".to_owned()),
    ];
    let mut c = Client::start_env(&ws, &env);
    c.settings = json!({ "reportDir": ws.join("out") });
    c.initialize(
        json!({ "window": { "showDocument": { "support": true }, "workDoneProgress": true }, "workspace": { "configuration": true } }),
        json!({ "settings": { "reportDir": ws.join("out") } }),
        &ws,
    );
    let uri = "untitled:doc";
    open(&mut c, uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
    open(&mut c, "untitled:other", "log", &fixture("cc-1.0-print-permission_denied.txt"));
    let d = c.diagnostics(uri, |d| d.len() == 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d[0]["range"], "context": { "diagnostics": d } }),
    );
    let a = actions.as_array().unwrap();
    let find = |prefix: &str| {
        a.iter().find(|x| x["title"].as_str().unwrap().starts_with(prefix)).unwrap_or_else(|| panic!("{prefix}: {a:?}"))
            ["command"]
            .clone()
    };
    assert!(
        !a.iter().any(|x| x["title"].as_str().unwrap().starts_with("Check the key live")),
        "only with the user's liveCheck setting"
    );

    // Run the doctor: a report is written and shown, with progress created first.
    let doc = find("Run errsig doctor");
    c.request("workspace/executeCommand", json!({ "command": doc["command"], "arguments": doc["arguments"] }));
    let shown = c.wait_shown(|d| d["uri"].as_str().unwrap().ends_with("-doctor.md"));
    // tower-lsp-server's progress helper does not create its token: the
    // server does, before the first $/progress.
    let created =
        c.log.iter().position(|m| m == "window/workDoneProgress/create").expect("a progress token was created");
    let first = c.log.iter().position(|m| m == "$/progress").expect("progress was reported");
    assert!(created < first, "{:?}", c.log);
    let path = shown["uri"].as_str().unwrap().trim_start_matches("file://").to_owned();
    let report = std::fs::read_to_string(&path).unwrap();
    assert!(report.starts_with("# errsig doctor report"), "{report}");
    assert!(report.contains("`credential.print`") && report.contains("shadows the stored /login"), "{report}");
    assert!(!report.contains("FAKElsp"), "no secret in the report");
    assert!(report.contains("## Request ids in open documents\n\n- `req_011CQ7qZma6cJxJaT73dZWee`"), "{report}");

    // The fix: confirmed with its exact effect, applied with a backup.
    let fix = find("Show where a key that overrides the login is set");
    c.request("workspace/executeCommand", json!({ "command": fix["command"], "arguments": fix["arguments"] }));
    let ask = c.wait_for("window/showMessageRequest", |p| {
        p["message"].as_str().unwrap().contains("remove ANTHROPIC_API_KEY from the env block")
    });
    assert!(ask["message"].as_str().unwrap().contains("undo with errsig doctor --restore"));
    let done =
        c.wait_for("window/showMessage", |p| p["message"].as_str().unwrap().starts_with("removed ANTHROPIC_API_KEY"));
    // The backup is private, outside the workspace, named by its id.
    let id = done["message"]
        .as_str()
        .unwrap()
        .split("errsig doctor --restore ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    let backup = home.join(".local/state/errsig/backups").join(format!("{id}-settings.local.json"));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    assert!(!std::fs::read_to_string(&settings).unwrap().contains("ANTHROPIC_API_KEY"));
    assert_eq!(c.shutdown(), Some(0));
}

/// The hover says what causes the finding on this machine, right after its
/// headline, and the code action for that cause's fix is the preferred one;
/// an untrusted workspace gets neither, and nothing secret appears.
#[test]
fn the_hover_names_the_cause_on_this_machine() {
    for trusted in [true, false] {
        let ws = workspace(if trusted { "machine-trusted" } else { "machine-untrusted" });
        let home = ws.join("home");
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        let settings = ws.join(".claude/settings.local.json");
        std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
        // A truncated key in the project's local settings.
        std::fs::write(&settings, "{\"env\":{\"ANTHROPIC_API_KEY\":\"sk-ant-api03-FAKElspFAKElsp\"}}").unwrap();
        let env = [
            ("HOME", home.display().to_string()),
            ("PATH", "/usr/bin:/bin".to_owned()),
            ("ERRSIG_DOCTOR_PLATFORM", "linux".to_owned()),
            ("ERRSIG_DOCTOR_MANAGED_SETTINGS", ws.join("no-managed.json").display().to_string()),
        ];
        let mut c = Client::start_env(&ws, &env);
        c.initialize(json!({}), json!({ "trusted": trusted }), &ws);
        let uri = "untitled:machine";
        open(&mut c, uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
        let d = c.diagnostics(uri, |d| d.len() == 1);
        let h = c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 5 } }),
        );
        let md = h["contents"]["value"].as_str().unwrap().to_owned();
        assert!(!md.contains("FAKElsp"), "no secret in the hover: {md}");
        let actions = c.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": d[0]["range"], "context": { "diagnostics": d } }),
        );
        let preferred: Vec<&serde_json::Value> =
            actions.as_array().unwrap().iter().filter(|a| a["isPreferred"] == json!(true)).collect();
        if trusted {
            let machine = md.lines().position(|l| l.starts_with("On this machine: ")).unwrap_or_else(|| panic!("{md}"));
            let headline = md.lines().position(|l| l.starts_with("Anthropic API 403")).unwrap();
            assert!(machine > headline && machine <= headline + 5, "right after the headline: {md}");
            let text = md.replace('\n', " ");
            assert!(text.contains("`claude -p` sends ANTHROPIC_API_KEY from the env block of"), "{md}");
            assert!(
                text.contains("truncated or altered, because a cut or altered key is not a key the API knows"),
                "{md}"
            );
            assert_eq!(preferred.len(), 1, "{actions}");
            assert!(
                preferred[0]["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("On this machine: set ANTHROPIC_API_KEY again in the env block of"),
                "{actions}"
            );
            assert_eq!(preferred[0]["command"]["command"], "errsig.doctor.fix");
            assert_eq!(preferred[0]["command"]["arguments"][0]["id"], "unset-env");
        } else {
            assert!(!md.contains("On this machine"), "untrusted: {md}");
            assert!(preferred.is_empty(), "untrusted: {actions}");
        }
        assert_eq!(c.shutdown(), Some(0));
    }
}

#[test]
fn an_untrusted_workspace_gets_no_fixes() {
    let ws = workspace("untrusted");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({ "trusted": false }), &ws);
    let uri = "untitled:u";
    open(&mut c, uri, "log", "Failed to authenticate. API Error: 403 Permission denied\n");
    let d = c.diagnostics(uri, |d| d.len() == 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d[0]["range"], "context": { "diagnostics": d } }),
    );
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.iter().any(|t| t.starts_with("Explain")), "{titles:?}");
    assert!(!titles.iter().any(|t| t.starts_with("Suppress") || t.starts_with("Show where a key")), "{titles:?}");
    let r = c.request_raw(
        "workspace/executeCommand",
        json!({ "command": "errsig.doctor.fix", "arguments": [{ "id": "unset-env" }] }),
    );
    assert!(r["error"]["message"].as_str().unwrap().contains("untrusted"));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn suppress_on_a_line_without_a_workspace_folder() {
    // Helix started outside a project: no root, no folders.
    let ws = workspace("nofolder");
    let logs = ws.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let file = logs.join("claude.log");
    let text = fixture("cc-2.1-print-permission_denied.txt");
    std::fs::write(&file, &text).unwrap();
    let mut c = Client::start(&ws);
    c.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "workspaceFolders": [], "capabilities": {}, "initializationOptions": {} }),
    );
    c.notify("initialized", json!({}));
    let uri = uri_of(&file);
    open(&mut c, &uri, "log", &text);
    let d = c.diagnostics(&uri, |d| d.len() == 1);
    let line = d[0]["range"]["start"]["line"].as_u64().unwrap();
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": "errsig.suppress", "arguments": [{ "uri": uri, "line": line, "rule": d[0]["code"], "scope": "line" }] }),
    );
    let written = std::fs::read_to_string(r["path"].as_str().unwrap()).unwrap();
    assert!(written.contains("path = \"claude.log\""), "a path relative to .errsig.toml: {written}");
    assert!(!written.contains(&ws.display().to_string()), "no absolute path: {written}");
    c.diagnostics(&uri, |d| d.is_empty());
    // A fresh server reading that file suppresses it too.
    assert_eq!(c.shutdown(), Some(0));
    let mut c = Client::start(&ws);
    c.request("initialize", json!({ "processId": null, "rootUri": null, "capabilities": {} }));
    c.notify("initialized", json!({}));
    open(&mut c, &uri, "log", &text);
    c.diagnostics(&uri, |d| d.is_empty());
    assert_eq!(c.shutdown(), Some(0));
}

/// Every code action names a command the server advertised or one the
/// client said it implements; every advertised command is executable.
#[test]
fn every_code_action_names_a_command_someone_implements() {
    let captures = [
        "cc-1.0-print-permission_denied.txt",
        "cc-2.1-print-permission_denied.txt",
        "cc-2.1-print-gateway_html.txt",
        "cc-2.0-print-request_not_allowed.txt",
        "py-sdk-uncaught-rate_limit.txt",
        "cc-2.1-print-auth_401.txt",
    ];
    for (client_commands, live) in [(json!([]), false), (json!(["errsig.runInTerminal", "errsig.openReport"]), true)] {
        let ws = workspace("registry");
        let mut c = Client::start(&ws);
        let init = c.initialize(
            json!({}),
            json!({ "clientCommands": client_commands, "settings": { "liveCheck": live } }),
            &ws,
        );
        let advertised: Vec<String> =
            serde_json::from_value(init["capabilities"]["executeCommandProvider"]["commands"].clone()).unwrap();
        let ext = &init["capabilities"]["experimental"]["errsig"];
        assert_eq!(ext["commands"], json!(advertised), "the registry is what is advertised");
        for id in ["errsig.doctor", "errsig.doctor.probe", "errsig.doctor.fix", "errsig.explain", "errsig.suppress"] {
            assert!(advertised.iter().any(|a| a == id), "{id} is not advertised: {advertised:?}");
        }
        let client: Vec<String> = serde_json::from_value(client_commands.clone()).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for name in captures {
            let uri = format!("untitled:{name}");
            open(&mut c, &uri, "log", &fixture(name));
            let d = c.diagnostics(&uri, |d| !d.is_empty());
            for diag in &d {
                let actions = c.request(
                    "textDocument/codeAction",
                    json!({ "textDocument": { "uri": uri }, "range": diag["range"], "context": { "diagnostics": [diag] } }),
                );
                for a in actions.as_array().unwrap() {
                    let id = a["command"]["command"].as_str().unwrap().to_owned();
                    assert!(
                        advertised.contains(&id) || client.contains(&id),
                        "{name}: action {:?} names {id}, which nobody implements",
                        a["title"]
                    );
                    seen.insert(id);
                }
            }
        }
        assert!(seen.len() >= 4, "{seen:?}");
        // An id that is not in the registry is refused, not ignored.
        let r = c.request_raw("workspace/executeCommand", json!({ "command": "errsig.nothing", "arguments": [] }));
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert_eq!(c.shutdown(), Some(0));
    }
}
