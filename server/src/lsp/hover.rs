//! Hover: the full explanation of the finding under the cursor — the same
//! markdown as `errsig explain`.

use super::diagnostics::{range, visible};
use super::document::Encoding;
use super::session::Open;
use errsig::explain::markdown;
use tower_lsp_server::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

pub(super) fn hover(open: &Open, line: u32, enc: Encoding) -> Option<Hover> {
    let removed = open.doc.removed();
    let abs = line.saturating_add(removed);
    let found = visible(&open.doc, &open.project, open.path.as_deref());
    let (f, _) = found.into_iter().find(|(f, _)| (f.event.start.line..=f.event.end.line).contains(&abs))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown(&f.rule, Some(&f.event)),
        }),
        range: Some(range(f, removed, enc)),
    })
}
