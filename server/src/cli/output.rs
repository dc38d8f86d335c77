//! Output formats.

use errsig::Finding;
use serde::Serialize;

/// One finding as a JSON Lines record.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
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

impl<'a> JsonFinding<'a> {
    /// The record of `f` found in `path`.
    pub fn new(path: &'a str, f: &'a Finding) -> Self {
        let e = &f.event;
        JsonFinding {
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
