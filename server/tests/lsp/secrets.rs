//! No secret leaves, as a property: random fake keys and tokens of every
//! known kind, embedded in random text around real error printings, never
//! appear in any output — every `errsig scan` format, `errsig explain
//! FILE:LINE`, the language server's diagnostics, hovers, code actions,
//! reports (`errsig.writeReport`), notifications (`window/logMessage`,
//! `window/showMessage`) and its log at `ERRSIG_LOG=trace` (which includes
//! tower-lsp-server's raw messages), and the doctor's reports.
//!
//! A leak is any 12-character piece of a secret's value in an output: a
//! partly masked key is a leak too. Every value is random (xorshift, fixed
//! seed), so none of them can occur in the outputs by chance.

use super::client::Client;
use super::{open, uri_of, workspace};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEYCHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";

/// A fake secret as it is printed, and the part that must never leave.
struct Secret {
    printed: String,
    value: String,
}

/// One fake secret of each kind errsig knows. All made up: `FAKE` marks them.
fn secrets(rng: &mut Rng) -> Vec<Secret> {
    let mut out = Vec::new();
    let mut add = |printed: String, value: String| out.push(Secret { printed, value });
    let v = format!("FAKE{}AA", rng.chars(KEYCHARS, 89));
    add(format!("sk-ant-api03-{v}"), v);
    for kind in ["admin01", "oat01", "ort01", "sid01"] {
        let n = 40 + rng.below(40);
        let v = format!("FAKE{}", rng.chars(KEYCHARS, n));
        add(format!("sk-ant-{kind}-{v}"), v);
    }
    let v = format!("FAKE{}", rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", 40));
    add(format!("Authorization: Bearer {v}"), v);
    let v = format!("FAKE{}", rng.chars(ALNUM, 32));
    add(format!("x-api-key: {v}"), v);
    for prefix in ["AKIA", "ASIA"] {
        let v = format!("{prefix}{}", rng.chars(UPPER, 16));
        add(v.clone(), v);
    }
    let v = format!("FAKE{}", rng.chars(B64, 36));
    add(format!("aws_secret_access_key = {v}"), v);
    let v = format!("FAKE{}", rng.chars(B64, 36));
    add(format!("AWS_SECRET_ACCESS_KEY={v}"), v);
    let v = format!("FAKE{}", rng.chars(KEYCHARS, 60));
    add(format!("ya29.{v}"), format!("ya29.{v}"));
    out
}

const WORDS: &[&str] = &["retrying", "the", "request", "failed", "with", "key", "token", "=", ":", "->", "{", "}", "'"];

/// How a secret shows up in a log: alone, amid words, coloured, in a
/// header, in an env dump, in JSON or a Python repr.
fn embed(rng: &mut Rng, s: &Secret) -> String {
    let words = |rng: &mut Rng| (0..rng.below(5)).map(|_| WORDS[rng.below(WORDS.len())]).collect::<Vec<_>>().join(" ");
    match rng.below(7) {
        0 => s.printed.clone(),
        1 => format!("{} {} {}", words(rng), s.printed, words(rng)),
        2 => format!("\x1b[33m{}\x1b[0m {}", s.printed, words(rng)),
        3 => format!("> {}", s.printed),
        4 => format!("{{\"log\":\"{}\\n{}\"}}", words(rng), s.printed.replace('"', "\\\"")),
        5 => format!("{{'headers': {{'x': '{}'}}}}", s.printed),
        _ => format!("export {}", s.printed),
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real").join(name)).unwrap()
}

/// Real printings with every secret spliced in between their lines (each
/// at least once, some right next to the error), and one inside an error body.
fn document(rng: &mut Rng, secrets: &[Secret]) -> String {
    let mut lines: Vec<String> = [
        "cc-2.0-print-permission_denied.txt",
        "curl-v-permission_denied.txt",
        "py-sdk-uncaught-permission_denied.txt",
        "cc-2.1-print-rate_limit.txt",
    ]
    .iter()
    .flat_map(|f| fixture(f).lines().map(str::to_owned).collect::<Vec<_>>())
    .collect();
    for s in secrets.iter().chain(secrets) {
        let at = rng.below(lines.len() + 1);
        let line = embed(rng, s);
        lines.insert(at, line);
    }
    // Inside the message of an error body, and in a header of an HTTP dump.
    let body = |m: &str| {
        format!(
            "API Error: 401 {{\"type\":\"error\",\"error\":{{\"type\":\"authentication_error\",\"message\":\"invalid {}\"}},\"request_id\":\"req_011CSHmzpnGHTh7ZxBa1cFA2\"}}",
            m.replace('"', "\\\"")
        )
    };
    for s in secrets {
        lines.push(body(&s.printed));
    }
    lines.push(format!("> {}\n< HTTP/1.1 403 Forbidden\n< content-type: text/plain\n<\nforbidden", secrets[6].printed));
    lines.join("\n") + "\n"
}

/// Fail if any 12-character piece of any secret's value is in `text`.
fn assert_clean(what: &str, text: &str, secrets: &[Secret]) {
    for s in secrets {
        let v = s.value.as_bytes();
        for start in (0..=v.len().saturating_sub(12)).step_by(4) {
            let piece = std::str::from_utf8(&v[start..(start + 12).min(v.len())]).unwrap();
            if let Some(at) = text.find(piece) {
                let from = text[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
                let to = (at + 120).min(text.len());
                let to = (to..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
                panic!("{what}: a piece of `{}` leaked: …{}…", s.printed, &text[from..to]);
            }
        }
    }
}

fn errsig(cwd: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_errsig"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("errsig runs");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn no_secret_leaves_the_cli_in_any_format() {
    let ws = workspace("secrets-cli");
    let mut rng = Rng(0x5eed_5ec2_e7ab_c0de);
    for round in 0..3 {
        let secrets = secrets(&mut rng);
        let doc = document(&mut rng, &secrets);
        let file = ws.join(format!("claude-{round}.log"));
        std::fs::write(&file, &doc).unwrap();
        let path = file.display().to_string();
        let json = errsig(&ws, &["scan", "--format", "json", &path]);
        let found: Vec<Value> = json.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        assert!(found.len() >= secrets.len(), "round {round}: the errors are found: {json}");
        assert_clean("json", &json, &secrets);
        for args in [&["--format", "human"][..], &["--format", "sarif"], &["--format", "github"], &["--count"]] {
            let out = errsig(&ws, &[&["scan"][..], args, &[&path]].concat());
            assert_clean(&format!("scan {args:?}"), &out, &secrets);
        }
        // The explanation of every finding, with its fields and context.
        for f in &found {
            let at = format!("{path}:{}", f["line"]);
            let out = errsig(&ws, &["explain", &at]);
            assert!(out.contains("request") || out.contains("403") || out.contains("40"), "{out}");
            assert_clean(&format!("explain {at}"), &out, &secrets);
        }
        // Standard input, in a pipe.
        let mut child = Command::new(env!("CARGO_BIN_EXE_errsig"))
            .args(["scan", "--format", "json", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(doc.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_clean("scan -", &String::from_utf8_lossy(&out.stdout), &secrets);
    }
}

#[test]
fn no_secret_leaves_the_language_server_or_its_trace_log() {
    let ws = workspace("secrets-lsp");
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let secrets = secrets(&mut rng);
    let doc = document(&mut rng, &secrets);
    let log = ws.join("claude.log");
    std::fs::write(&log, &doc).unwrap();
    let uri = uri_of(&log);
    let mut c = Client::start_logged_env(&ws, &[("ERRSIG_LOG", "trace".to_owned())]);
    c.initialize(json!({ "window": { "showDocument": { "support": true } } }), json!({}), &ws);
    let mut seen = Vec::new();
    open(&mut c, &uri, "log", &doc);
    let diags = c.diagnostics(&uri, |d| d.len() >= secrets.len());
    seen.push(json!(diags));
    // The same text as a terminal, arriving in pieces.
    let term = "errsig-terminal:/7/bash";
    open(&mut c, term, "errsig-terminal", "");
    let mut sofar = String::new();
    for (i, piece) in doc.as_bytes().chunks(997).enumerate() {
        super::append(&mut c, term, i as i32 + 1, &mut sofar, &String::from_utf8_lossy(piece));
    }
    seen.push(json!(c.diagnostics(term, |d| !d.is_empty())));
    for d in &diags {
        let start = &d["range"]["start"];
        let pos = json!({ "textDocument": { "uri": uri }, "position": start });
        seen.push(c.request("textDocument/hover", pos));
        let actions = c.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
        );
        seen.push(actions);
        let r = c.request(
            "workspace/executeCommand",
            json!({ "command": "errsig.writeReport", "arguments": [{ "uri": uri, "line": start["line"] }] }),
        );
        let report = std::fs::read_to_string(r["path"].as_str().expect("a report was written")).unwrap();
        assert!(report.starts_with("# errsig report"), "{report}");
        seen.push(json!(report));
        seen.push(r);
    }
    c.settle();
    seen.extend(c.notifications.drain(..));
    seen.append(&mut c.shown_documents);
    for v in &seen {
        assert_clean("the server's messages", &v.to_string(), &secrets);
    }
    let (status, stderr) = c.finish();
    assert_eq!(status, Some(1), "no shutdown was sent");
    // The trace log did see the documents (so the test means something)…
    assert!(
        stderr.contains("textDocument/didOpen") && stderr.contains("[REDACTED]"),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    // …and none of their secrets.
    assert_clean("ERRSIG_LOG=trace on stderr", &stderr, &secrets);
}

#[test]
fn no_secret_leaves_the_doctor() {
    let ws = workspace("secrets-doctor");
    let home = ws.join("home");
    let mut rng = Rng(0xfeed_beef_1234_5678);
    let secrets = secrets(&mut rng);
    let value = |prefix: &str| secrets.iter().find(|s| s.printed.starts_with(prefix)).unwrap().printed.clone();
    let settings = json!({ "env": {
        "ANTHROPIC_API_KEY": value("sk-ant-api03-"),
        "ANTHROPIC_AUTH_TOKEN": value("sk-ant-oat01-"),
        "AWS_ACCESS_KEY_ID": value("AKIA"),
    }, "apiKeyHelper": "echo nothing" });
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::create_dir_all(ws.join(".claude")).unwrap();
    std::fs::write(home.join(".claude/settings.json"), settings.to_string()).unwrap();
    std::fs::write(
        ws.join(".claude/settings.local.json"),
        json!({ "env": { "ANTHROPIC_API_KEY": value("sk-ant-admin01-") } }).to_string(),
    )
    .unwrap();
    std::fs::write(
        home.join(".claude/.credentials.json"),
        json!({ "claudeAiOauth": { "accessToken": value("sk-ant-oat01-"), "refreshToken": value("sk-ant-ort01-"), "expiresAt": 1 } }).to_string(),
    )
    .unwrap();
    for format in ["human", "json", "markdown"] {
        let out = Command::new(env!("CARGO_BIN_EXE_errsig"))
            .args(["doctor", "--format", format])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &home)
            .env("ERRSIG_DOCTOR_PLATFORM", "linux")
            .env("ERRSIG_DOCTOR_MANAGED_SETTINGS", ws.join("managed-settings.json"))
            .env("ANTHROPIC_API_KEY", value("sk-ant-api03-"))
            .env("ANTHROPIC_AUTH_TOKEN", value("sk-ant-sid01-"))
            .env("AWS_SECRET_ACCESS_KEY", secrets[10].value.clone())
            .env("AWS_SESSION_TOKEN", value("ASIA"))
            .env("GOOGLE_OAUTH_ACCESS_TOKEN", value("ya29."))
            .env("ANTHROPIC_CUSTOM_HEADERS", value("x-api-key: "))
            .current_dir(&ws)
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("ANTHROPIC_API_KEY"), "the doctor looked at the key: {text}");
        assert_clean(&format!("doctor --format {format}"), &text, &secrets);
    }
}
