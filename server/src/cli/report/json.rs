//! `--format json`: JSON Lines, one object per finding, flushed with the
//! findings found together (one write for them all, not one per piece of
//! each object: a file full of errors is written at the scanner's speed).

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

#[derive(Serialize)]
struct Record<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    range: Range,
    rule: &'a str,
    severity: String,
    title: &'a str,
    status: Option<u16>,
    status_inferred: bool,
    error_type: Option<&'a str>,
    message: Option<&'a str>,
    request_id: Option<&'a str>,
    producer: &'static str,
    platform: &'static str,
    hints: &'a [String],
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    character: u32,
}

impl Reporter for Json {
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()> {
        let f = item.finding;
        let e = &f.event;
        let r = Record {
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
