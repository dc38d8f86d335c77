//! The engine against real captures.
//!
//! Every `tests/fixtures/real/<name>.txt` was produced by a real client
//! (Claude Code, the SDKs, curl) talking to the mock API of
//! `tests/capture/`; beside it are the mock's request log and an expectation
//! file written by reading the capture. These tests check that:
//! - the findings are exactly the expected ones, with the expected fields and
//!   line ranges, whether the terminal width is given or inferred;
//! - feeding the capture one byte at a time, or in odd chunks, gives exactly
//!   the findings of a whole scan (the scanner is truly push-based);
//! - every request id in a capture was issued by the mock (no capture is
//!   hand-written), and no finding carries a secret.

use errsig::rules::Catalog;
use errsig::{scan_bytes, Engine, Finding};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Expect {
    columns: Option<usize>,
    #[serde(default)]
    finding: Vec<Expected>,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Expected {
    line: u32,
    end_line: u32,
    status: Option<u16>,
    error_type: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    producer: String,
    platform: Option<String>,
    rule: Option<String>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real")
}

fn captures() -> Vec<(String, Vec<u8>, Expect)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir())
        .expect("fixtures directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    for p in names {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).unwrap();
        let exp_path = p.with_extension("expect.toml");
        let text = std::fs::read_to_string(&exp_path).unwrap_or_else(|_| panic!("{name}: no expectation file"));
        let exp: Expect = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((name, bytes, exp));
    }
    assert!(out.len() >= 100, "expected the real captures, found {}", out.len());
    out
}

fn check(name: &str, found: &[Finding], exp: &Expect) -> Vec<String> {
    let mut errors = Vec::new();
    let mut found: Vec<&Finding> = found.iter().collect();
    found.sort_by_key(|f| (f.event.start.line, f.event.start.character));
    if found.len() != exp.finding.len() {
        errors.push(format!(
            "{name}: {} findings, expected {}: {:#?}",
            found.len(),
            exp.finding.len(),
            summary(&found)
        ));
        return errors;
    }
    for (f, e) in found.iter().zip(&exp.finding) {
        let ev = &f.event;
        let mut diff = |what: &str, got: String, want: String| {
            if got != want {
                errors.push(format!("{name}:{}: {what}: got {got}, expected {want}", e.line));
            }
        };
        diff("line", (ev.start.line + 1).to_string(), e.line.to_string());
        diff("end_line", (ev.end.line + 1).to_string(), e.end_line.to_string());
        // A status the capture does not show may be inferred, never invented.
        let status = if e.status.is_none() && ev.status_inferred { None } else { ev.status };
        diff("status", format!("{status:?}"), format!("{:?}", e.status));
        diff("error_type", format!("{:?}", ev.error_type), format!("{:?}", e.error_type));
        diff("message", format!("{:?}", ev.message), format!("{:?}", e.message));
        diff("request_id", format!("{:?}", ev.request_id), format!("{:?}", e.request_id));
        diff("producer", ev.producer.as_str().to_owned(), e.producer.clone());
        if let Some(p) = &e.platform {
            diff("platform", ev.platform.as_str().to_owned(), p.clone());
        }
        if let Some(r) = &e.rule {
            diff("rule", f.rule.id.clone(), r.clone());
        }
    }
    errors
}

fn summary(found: &[&Finding]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            let e = &f.event;
            format!(
                "{}-{} {} {:?} {:?} {:?} {:?}",
                e.start.line + 1,
                e.end.line + 1,
                f.rule.id,
                e.status,
                e.message,
                e.request_id,
                e.producer
            )
        })
        .collect()
}

#[test]
fn every_real_capture_gives_exactly_its_expected_findings() {
    let catalog = Arc::new(Catalog::builtin());
    let mut errors = Vec::new();
    for (name, bytes, exp) in captures() {
        // As `errsig scan FILE` does: the width inferred from the capture.
        let inferred = errsig::infer_columns(&bytes);
        errors.extend(check(&name, &scan_bytes(catalog.clone(), inferred, &bytes), &exp));
        // As the language server does for a terminal whose width it is told.
        if exp.columns.is_some() {
            errors.extend(check(
                &format!("{name} (columns given)"),
                &scan_bytes(catalog.clone(), exp.columns, &bytes),
                &exp,
            ));
        }
    }
    assert!(errors.is_empty(), "{} mismatches:\n{}", errors.len(), errors.join("\n"));
}

#[test]
fn streaming_in_any_chunks_equals_a_whole_scan() {
    let catalog = Arc::new(Catalog::builtin());
    for (name, bytes, exp) in captures() {
        let whole = summary(&scan_bytes(catalog.clone(), exp.columns, &bytes).iter().collect::<Vec<_>>());
        for size in [1usize, 7, 4096] {
            let mut e = Engine::new(catalog.clone(), exp.columns);
            let mut got = Vec::new();
            for chunk in bytes.chunks(size) {
                got.extend(e.feed(chunk));
            }
            got.extend(e.finish());
            assert_eq!(summary(&got.iter().collect::<Vec<_>>()), whole, "{name}: chunks of {size}");
        }
    }
}

#[test]
fn request_ids_come_from_the_mock_and_secrets_never_leave() {
    let catalog = Arc::new(Catalog::builtin());
    let id = regex::Regex::new(r"req_011[1-9A-HJ-NP-Za-km-z]{17,30}").unwrap();
    for (name, bytes, exp) in captures() {
        let log = std::fs::read_to_string(dir().join(format!("{name}.requests.jsonl"))).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for m in id.find_iter(&text) {
            assert!(log.contains(m.as_str()), "{name}: request id {} is not in the mock's log", m.as_str());
        }
        for e in &exp.finding {
            if let Some(r) = &e.request_id {
                assert!(log.contains(r.as_str()), "{name}: expected request id {r} is not in the mock's log");
            }
        }
        for f in scan_bytes(catalog.clone(), exp.columns, &bytes) {
            let dump = format!("{:?}", f.event);
            assert!(!dump.contains("FAKE0123456789FAKE"), "{name}: a key reached a finding: {dump}");
            assert!(!errsig::scan::has_secret(&dump), "{name}: a secret reached a finding: {dump}");
        }
    }
}
