//! Hover: the finding under the cursor, told so that it reads well in any
//! client (`explain::hover`); the full explanation is the Explain action.

use super::diagnostics::{range, visible};
use super::document::Encoding;
use super::session::Open;
use errsig::explain;
use tower_lsp_server::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

pub(super) fn hover(open: &Open, line: u32, enc: Encoding) -> Option<Hover> {
    let removed = open.doc.removed();
    let abs = line.saturating_add(removed);
    let found = visible(&open.doc, &open.project, open.path.as_deref());
    let (f, _) = found.into_iter().find(|(f, _)| (f.event.start.line..=f.event.end.line).contains(&abs))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: explain::hover(&f.rule, &f.event, None),
        }),
        range: Some(range(f, removed, enc)),
    })
}
