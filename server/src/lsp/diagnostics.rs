//! Findings → LSP diagnostics. Only `server/src/lsp/` knows LSP types.

use super::document::{Document, Encoding};
use errsig::explain::headline;
use errsig::rules::Severity;
use errsig::scan::Pos;
use errsig::{Finding, Project};
use serde_json::json;
use std::path::Path;
use std::str::FromStr;
use tower_lsp_server::lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    Range, Uri,
};

/// The most repeats linked from one diagnostic.
const MAX_RELATED: usize = 20;

/// A position in the client's encoding, in the document's current lines.
pub fn position(p: Pos, removed: u32, enc: Encoding) -> Position {
    Position::new(p.line.saturating_sub(removed), if enc == Encoding::Utf8 { p.byte } else { p.character })
}

/// The range of a finding.
pub fn range(f: &Finding, removed: u32, enc: Encoding) -> Range {
    Range::new(position(f.event.start, removed, enc), position(f.event.end, removed, enc))
}

/// The findings of a document that are not suppressed, with their
/// effective severity.
pub fn visible<'a>(doc: &'a Document, project: &Project, path: Option<&Path>) -> Vec<(&'a Finding, Severity)> {
    let at = path.map(|p| project.locate(p));
    doc.findings().filter_map(|f| Some((f, project.shown(at.as_ref(), f)?))).collect()
}

fn lsp_severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// What makes two findings repeats of one error: rule, message, status.
type RepeatKey<'a> = (&'a str, Option<&'a str>, Option<u16>);

/// The diagnostics of a document.
pub fn diagnostics(
    uri: &Uri,
    doc: &Document,
    project: &Project,
    path: Option<&Path>,
    enc: Encoding,
) -> Vec<Diagnostic> {
    let found = visible(doc, project, path);
    let removed = doc.removed();
    // Repeats (retries, redraws) of the same error, grouped once: linking
    // them costs the number of findings, not its square.
    let mut groups: std::collections::HashMap<RepeatKey<'_>, Vec<usize>> = Default::default();
    for (i, (f, _)) in found.iter().enumerate() {
        groups.entry((f.rule.id.as_str(), f.event.message.as_deref(), f.event.status)).or_default().push(i);
    }
    found
        .iter()
        .enumerate()
        .map(|(i, (f, sev))| {
            let e = &f.event;
            let group = &groups[&(f.rule.id.as_str(), e.message.as_deref(), e.status)];
            let related: Vec<DiagnosticRelatedInformation> = group
                .iter()
                .filter(|&&j| j != i)
                .take(MAX_RELATED)
                .map(|&j| &found[j])
                .map(|(g, _)| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), range(g, removed, enc)),
                    message: format!("the same error, printed again on line {}", g.event.start.line - removed + 1),
                })
                .collect();
            Diagnostic {
                range: range(f, removed, enc),
                severity: Some(lsp_severity(*sev)),
                code: Some(NumberOrString::String(f.rule.id.clone())),
                code_description: f
                    .rule
                    .links
                    .first()
                    .and_then(|l| Uri::from_str(&l.url).ok())
                    .map(|href| CodeDescription { href }),
                source: Some("errsig".into()),
                message: headline(&f.rule, e),
                related_information: (!related.is_empty()).then_some(related),
                tags: None,
                data: Some(json!({
                    "rule": f.rule.id,
                    "line": e.start.line - removed,
                    "status": e.status,
                    "requestId": e.request_id,
                    "producer": e.producer.as_str(),
                    "platform": e.platform.as_str(),
                    "actions": f.rule.fitted(f.event.producer).actions,
                })),
            }
        })
        .collect()
}
