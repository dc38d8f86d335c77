//! `--format json`: JSON Lines, one object per finding, flushed with the
//! findings found together (one write for them all, not one per piece of
//! each object: a file full of errors is written at the scanner's speed).
//!
//! Each record says which version of its shape it has (`"schema": 1`,
//! [`RECORD_SCHEMA`]); its JSON Schema, derived from [`Record`], is
//! committed as `schemas/scan-record.schema.json`. A field added keeps the
//! version; a field removed, renamed or changed in meaning raises it.
//!
//! Each line is written by hand ([`write_record`]): the fields are fixed,
//! and serde's map machinery was most of the cost of a finding's output
//! (BENCHMARKS.md). The bytes are serde_json's of [`Record`], which a test
//! checks.

use super::{Item, Reporter, Stats};
use errsig::Finding;
use serde::Serialize;
use std::io::{self, Write};

pub struct Json {
    out: Box<dyn Write>,
    /// The lines not written yet.
    buf: Vec<u8>,
}

/// Write out sooner than the end of a batch when this much is buffered.
const BUFFERED: usize = 64 * 1024;

impl Json {
    pub fn new(out: Box<dyn Write>) -> Self {
        Json { out, buf: Vec::new() }
    }

    fn write_out(&mut self) -> io::Result<()> {
        let written = self.out.write_all(&self.buf);
        // Written or not (a closed pipe), the lines are not kept.
        self.buf.clear();
        written
    }
}

/// The version of the record's shape.
pub const RECORD_SCHEMA: u32 = 1;

/// One finding of `errsig scan --format json`.
// Built only to check the hand-written bytes and to derive the schema.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(title = "errsig scan --format json record", deny_unknown_fields)]
pub(crate) struct Record<'a> {
    /// The version of this record's shape.
    #[schemars(extend("const" = RECORD_SCHEMA))]
    schema: u32,
    /// The file (`<stdin>` for standard input).
    path: &'a str,
    /// 1-based first line.
    #[schemars(range(min = 1))]
    line: u32,
    /// 1-based column of the first line, in characters.
    #[schemars(range(min = 1))]
    column: u32,
    /// 1-based last line.
    #[schemars(range(min = 1))]
    end_line: u32,
    /// 0-based LSP range; `character` counts UTF-16 code units of the original line.
    range: Range,
    /// The rule that names the finding.
    rule: &'a str,
    /// Its severity (the rule's, unless configuration overrides it).
    #[schemars(with = "errsig::rules::Severity")]
    severity: String,
    /// The rule's title.
    title: &'a str,
    /// HTTP status.
    status: Option<u16>,
    /// The status is not shown but follows from a fixed text or the error type.
    status_inferred: bool,
    /// The error type as shown (`null` when not shown).
    error_type: Option<&'a str>,
    /// The message as shown (`null` when not shown).
    message: Option<&'a str>,
    /// The request id as shown (`null` when not shown).
    request_id: Option<&'a str>,
    /// Who printed it.
    #[schemars(with = "errsig::scan::Producer")]
    producer: &'static str,
    /// Who refused the request.
    #[schemars(with = "errsig::scan::Platform")]
    platform: &'static str,
    /// The hints printed with it (`Please run /login`).
    hints: &'a [String],
}

/// A 0-based range.
// Built only to check the hand-written bytes and to derive the schema.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Range {
    /// Where the printing starts.
    start: Position,
    /// Where it ends (exclusive).
    end: Position,
}

/// A 0-based position: line, UTF-16 code units.
// Built only to check the hand-written bytes and to derive the schema.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Position {
    /// 0-based line.
    line: u32,
    /// 0-based UTF-16 code units of the original line.
    character: u32,
}

#[cfg(test)]
fn record<'a>(path: &'a str, f: &'a Finding) -> Record<'a> {
    {
        let e = &f.event;
        Record {
            schema: RECORD_SCHEMA,
            path,
            line: e.start.line + 1,
            column: e.start.column + 1,
            end_line: e.end.line + 1,
            range: Range {
                start: Position { line: e.start.line, character: e.start.character },
                end: Position { line: e.end.line, character: e.end.character },
            },
            rule: &f.rule.id,
            severity: f.severity.to_string(),
            title: &f.rule.title,
            status: e.status,
            status_inferred: e.status_inferred,
            error_type: e.error_type.as_deref(),
            message: e.message.as_deref(),
            request_id: e.request_id.as_deref(),
            producer: e.producer.as_str(),
            platform: e.platform.as_str(),
            hints: &e.hints,
        }
    }
}

/// One finding's JSON object, as serde_json writes the `Record` above (the
/// same keys in the same order, compact, the same escapes), and a newline.
fn write_record(out: &mut Vec<u8>, path: &str, f: &Finding) {
    let e = &f.event;
    out.extend_from_slice(b"{\"schema\":");
    number(out, RECORD_SCHEMA);
    out.extend_from_slice(b",\"path\":");
    string(out, path);
    out.extend_from_slice(b",\"line\":");
    number(out, e.start.line + 1);
    out.extend_from_slice(b",\"column\":");
    number(out, e.start.column + 1);
    out.extend_from_slice(b",\"end_line\":");
    number(out, e.end.line + 1);
    out.extend_from_slice(b",\"range\":{\"start\":{\"line\":");
    number(out, e.start.line);
    out.extend_from_slice(b",\"character\":");
    number(out, e.start.character);
    out.extend_from_slice(b"},\"end\":{\"line\":");
    number(out, e.end.line);
    out.extend_from_slice(b",\"character\":");
    number(out, e.end.character);
    out.extend_from_slice(b"}},\"rule\":");
    string(out, &f.rule.id);
    out.extend_from_slice(b",\"severity\":");
    string(out, &f.severity.to_string());
    out.extend_from_slice(b",\"title\":");
    string(out, &f.rule.title);
    out.extend_from_slice(b",\"status\":");
    match e.status {
        Some(s) => number(out, u32::from(s)),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(if e.status_inferred { b",\"status_inferred\":true" } else { b",\"status_inferred\":false" });
    for (key, value) in [
        (&b",\"error_type\":"[..], e.error_type.as_deref()),
        (b",\"message\":", e.message.as_deref()),
        (b",\"request_id\":", e.request_id.as_deref()),
    ] {
        out.extend_from_slice(key);
        match value {
            Some(v) => string(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b",\"producer\":");
    string(out, e.producer.as_str());
    out.extend_from_slice(b",\"platform\":");
    string(out, e.platform.as_str());
    out.extend_from_slice(b",\"hints\":[");
    for (i, h) in e.hints.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, h);
    }
    out.extend_from_slice(b"]}\n");
}

fn number(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A JSON string with serde_json's escapes: `\"`, `\\`, the short forms
/// of backspace, tab, newline, form feed and carriage return, `\u00xx` for
/// the other control characters; everything else as it is.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none needs an escape, which is
        // nearly always: the strings of a finding were a twentieth of a
        // dense scan's instructions read a byte at a time.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            if !may_need_escape(word) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        i += 1;
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0c => b'f',
            b'\r' => b'r',
            0x00..=0x1f => b'u',
            _ => continue,
        };
        out.extend_from_slice(&bytes[from..i - 1]);
        out.extend_from_slice(&[b'\\', short]);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        }
        from = i;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// Whether one of the eight bytes of `word` may need an escape: a control
/// byte, `"` or `\\` (the zero-byte test of each: exact on whether any
/// byte is one, which is all that is asked).
fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    below_space || has_zero(word ^ (ONES * u64::from(b'"'))) || has_zero(word ^ (ONES * u64::from(b'\\')))
}

impl Reporter for Json {
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()> {
        write_record(&mut self.buf, item.path, item.finding);
        if self.buf.len() >= BUFFERED {
            self.write_out()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.out.flush()
    }

    fn file_done(&mut self, _: &str) -> io::Result<()> {
        self.flush()
    }

    fn finish(&mut self, _: &Stats) -> io::Result<()> {
        self.flush()
    }
}

/// The JSON Schema of a record (`schemas/scan-record.schema.json`).
#[cfg(test)]
pub(crate) fn record_schema() -> serde_json::Value {
    // What is written: every field is present, `null` when not shown.
    errsig::schemas::settings().for_serialize().into_generator().into_root_schema_for::<Record<'static>>().to_value()
}
#[cfg(test)]
mod tests {
    use super::*;
    use errsig::rules::Catalog;
    use std::sync::Arc;

    /// The hand-written line is serde_json's, byte for byte: on every
    /// fixture's findings, and with every escape in every string field.
    #[test]
    fn each_line_is_what_serde_json_writes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let catalog = Arc::new(Catalog::builtin());
        let mut dirs = vec![root];
        let mut findings = Vec::new();
        while let Some(dir) = dirs.pop() {
            for p in std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()) {
                if p.is_dir() {
                    dirs.push(p);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    findings.extend(errsig::scan_bytes(catalog.clone(), None, &bytes));
                }
            }
        }
        assert!(findings.len() > 300, "findings: {}", findings.len());
        let nasty: String = (0u8..0x80).map(char::from).chain("é ⎿ · 😀 \u{2028}\u{7f}".chars()).collect();
        let mut odd = findings[0].clone();
        odd.event.message = Some(nasty.clone());
        odd.event.error_type = None;
        odd.event.request_id = Some(format!("\"{nasty}\\"));
        odd.event.status = None;
        odd.event.status_inferred = true;
        // Every escape at every place of an eight-byte word.
        odd.event.hints = (0..9).map(|k| format!("{}{nasty}é", "a".repeat(k))).chain([String::new()]).collect();
        odd.event.start.line = u32::MAX - 1;
        findings.push(odd);
        for (i, f) in findings.iter().enumerate() {
            let path = if i % 2 == 0 { "logs/ci \"1\".log" } else { nasty.as_str() };
            let mut want = serde_json::to_vec(&record(path, f)).expect("serialises");
            want.push(b'\n');
            let mut got = Vec::new();
            write_record(&mut got, path, f);
            assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
        }
    }
}
