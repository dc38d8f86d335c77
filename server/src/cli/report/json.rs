//! `--format json`: JSON Lines, one object per finding, flushed with the
//! findings found together (one write for them all, not one per piece of
//! each object: a file full of errors is written at the scanner's speed).
//!
//! Each record says which version of its shape it has (`"schema": 1`,
//! [`RECORD_SCHEMA`]); its JSON Schema, derived from [`Record`], is
//! committed as `schemas/scan-record.schema.json`. A field added keeps the
//! version; a field removed, renamed or changed in meaning raises it.

use super::{Item, Reporter, Stats};
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
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Range {
    /// Where the printing starts.
    start: Position,
    /// Where it ends (exclusive).
    end: Position,
}

/// A 0-based position: line, UTF-16 code units.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Position {
    /// 0-based line.
    line: u32,
    /// 0-based UTF-16 code units of the original line.
    character: u32,
}

impl Reporter for Json {
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()> {
        let f = item.finding;
        let e = &f.event;
        let r = Record {
            schema: RECORD_SCHEMA,
            path: item.path,
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
        };
        serde_json::to_writer(&mut self.buf, &r)?;
        self.buf.push(b'\n');
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
