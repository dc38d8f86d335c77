//! Hover: the finding under the cursor, told so that it reads well in any
//! client (`explain::hover`); the full explanation is the Explain action.
//! In a trusted workspace the doctor's local checks add, right after the
//! headline, "On this machine: …" — the cause they rank first for this
//! finding, its *because* and the fix (`lsp/doctor.rs` caches the checks).

use super::diagnostics::{range, visible};
use super::document::Encoding;
use super::session::Open;
use errsig::explain;
use errsig::Finding;
use tower_lsp_server::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Range};

/// The finding at a line, with its range.
pub(super) fn finding_at(open: &Open, line: u32, enc: Encoding) -> Option<(Finding, Range)> {
    let removed = open.doc.removed();
    let abs = line.saturating_add(removed);
    let found = visible(&open.doc, &open.project, open.path.as_deref());
    let (f, _) = found.into_iter().find(|(f, _)| (f.event.start.line..=f.event.end.line).contains(&abs))?;
    Some((f.clone(), range(f, removed, enc)))
}

/// The hover of a finding, with what the doctor found on this machine.
pub(super) fn hover(f: &Finding, range: Range, on_this_machine: Option<&str>) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: explain::hover(&f.rule, &f.event, on_this_machine),
        }),
        range: Some(range),
    }
}
