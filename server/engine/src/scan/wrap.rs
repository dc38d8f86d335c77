//! Physical rows → logical lines.
//!
//! Terminals break long lines in two ways, and both must be undone before a
//! recogniser sees the text:
//! - **hard wrap**: a terminal buffer (Neovim's `:terminal`) splits a line at
//!   exactly the terminal width, with no marker. When the width is known, a
//!   row exactly that wide continues on the next row.
//! - **Claude Code's own wrap**: the TUI wraps a message itself and indents
//!   continuation rows under the text after its marker (`⎿`, `●`). Older
//!   versions break mid-token at the edge, newer ones at spaces (and drop the
//!   space). A row as wide as the screen was broken mid-token; a shorter one
//!   lost a space, unless the next row keeps it.
//!
//! Bodies that stay open across lines (pretty JSON, HTML) are joined later by
//! the candidate that reads them; this stage only undoes the terminal.

use super::text::{Logical, Row};
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

/// Rows of one TUI block are joined at most this many times: a bound on a
/// logical line's size whatever the input.
pub const MAX_BLOCK_ROWS: usize = 32;

/// Joins rows into logical lines.
#[derive(Debug, Clone, Default)]
pub struct Assembler {
    /// Terminal width, when known.
    pub columns: Option<usize>,
    /// Width learned from a full-width rule (`────`) in the transcript,
    /// and how many rows ago it was seen: forgotten after [`BOX_MEMORY`]
    /// rows, so what the scanner knows depends on recent text only (a
    /// terminal that trimmed the rule away reads like a fresh scan).
    box_width: Option<(usize, usize)>,
    /// Widths of the last rows: without a known width, the widest recent
    /// row is the best guess of the screen's width.
    recent: std::collections::VecDeque<u16>,
    pending: Option<Pending>,
}

/// How many recent rows the width guess looks at.
const RECENT_ROWS: usize = 64;

/// How many rows a width learned from a rule is remembered (Claude Code
/// redraws its input box, and the rule with it, far more often).
pub const BOX_MEMORY: usize = 256;

#[derive(Debug, Clone)]
struct Pending {
    line: Logical,
    /// Text column of the TUI block (after the marker), when in one.
    block: Option<usize>,
    last_width: usize,
    max_width: usize,
    rows: usize,
}

impl Assembler {
    /// A new assembler for a terminal of `columns` width (if known).
    pub fn new(columns: Option<usize>) -> Self {
        Assembler { columns: columns.filter(|&c| c > 0), ..Assembler::default() }
    }

    /// Add a row; logical lines that are complete are pushed to `out`.
    pub fn push(&mut self, row: Arc<Row>, out: &mut Vec<Logical>) {
        let width = row.norm.width;
        self.box_width = self.box_width.and_then(|(w, age)| (age < BOX_MEMORY).then_some((w, age + 1)));
        if is_rule(&row.norm.text) && width >= 10 {
            self.box_width = Some((width, 0));
        }
        if self.recent.len() == RECENT_ROWS {
            self.recent.pop_front();
        }
        self.recent.push_back(width.min(u16::MAX as usize) as u16);
        if let Some(mut p) = self.pending.take() {
            if p.rows < MAX_BLOCK_ROWS {
                if let Some(t) = p.block.filter(|&t| continues_block(&row.norm.text, t)) {
                    p.max_width = p.max_width.max(width);
                    let full = p.last_width >= self.effective_width(p.max_width);
                    let keeps_space = row.norm.text.as_bytes().get(t) == Some(&b' ');
                    let sep = if full || keeps_space { "" } else { " " };
                    p.line.push_row(row, t, sep);
                    p.last_width = width;
                    p.rows += 1;
                    self.pending = Some(p);
                    return;
                }
                if self.hard_full(p.last_width) {
                    // A blank the terminal kept at the edge is trimmed from
                    // the text: it still separates the words.
                    let blank = p.line.rows.last().is_some_and(|r| r.raw.last() == Some(&b' '));
                    p.line.push_row(row, 0, if blank { " " } else { "" });
                    p.last_width = width;
                    p.max_width = p.max_width.max(width);
                    p.rows += 1;
                    // A row short of the edge ends the line, unless it is
                    // part of a TUI block that may go on.
                    if p.block.is_none() && !self.hard_full(width) {
                        out.push(p.line);
                    } else {
                        self.pending = Some(p);
                    }
                    return;
                }
            }
            out.push(p.line);
        }
        let block = block_column(&row.norm.text);
        if block.is_none() && !self.hard_full(width) {
            out.push(Logical::from_row(row));
            return;
        }
        self.pending =
            Some(Pending { line: Logical::from_row(row), block, last_width: width, max_width: width, rows: 1 });
    }

    /// Forget the line being assembled (see `Scanner::pending_live`).
    pub fn discard_pending(&mut self) {
        self.pending = None;
    }

    /// Bytes of text held in the line being assembled.
    pub fn pending_bytes(&self) -> usize {
        self.pending.as_ref().map_or(0, |p| p.line.text.len())
    }

    /// Whether a row may still be continued by the next one.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// End of input: the pending line is complete.
    pub fn finish(&mut self, out: &mut Vec<Logical>) {
        if let Some(p) = self.pending.take() {
            out.push(p.line);
        }
    }

    fn hard_full(&self, width: usize) -> bool {
        self.columns.is_some_and(|c| width == c)
    }

    fn effective_width(&self, block_max: usize) -> usize {
        // A row that reaches the screen's edge was cut mid-token.
        self.columns
            .or(self.box_width.map(|(w, _)| w))
            .unwrap_or_else(|| block_max.max(self.recent.iter().copied().max().unwrap_or(0) as usize))
    }
}

/// The column where a TUI block's text starts, when the row opens one.
fn block_column(text: &str) -> Option<usize> {
    let trimmed = text.trim_start_matches(' ');
    let mut chars = trimmed.chars();
    let marker = chars.next()?;
    if !matches!(marker, '⎿' | '●' | '⏺') {
        return None;
    }
    let rest = chars.as_str();
    let after = rest.trim_start_matches([' ', '\u{a0}']);
    if after.is_empty() || rest.len() == after.len() {
        return None;
    }
    // Display columns, which equal bytes for the ASCII indent of continuation rows.
    Some(UnicodeWidthStr::width(&text[..text.len() - after.len()]))
}

/// Whether `text` continues a block whose text starts at column `t`.
fn continues_block(text: &str, t: usize) -> bool {
    let indent = text.len() - text.trim_start_matches(' ').len();
    indent >= t && indent < text.len() && block_column(text).is_none()
}

fn is_rule(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| matches!(c, '─' | '━' | '═' | '╌' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ansi;

    fn lines(input: &str, columns: Option<usize>) -> Vec<String> {
        let mut a = Assembler::new(columns);
        let mut out = Vec::new();
        for (n, l) in input.split('\n').enumerate() {
            for norm in ansi::normalise(l.as_bytes()) {
                let row = Arc::new(Row { number: n as u32, raw: Arc::from(l.as_bytes()), norm });
                a.push(row, &mut out);
            }
        }
        a.finish(&mut out);
        out.into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn rejoins_claude_code_tui_wrap_at_40_columns() {
        // Claude Code 2.0.77 in a 40-column tmux pane.
        let tui = "  ⎿ API Error: 403\n    {\"type\":\"error\",\"error\":{\"type\":\"per\n    mission_error\",\"message\":\"Permission\n     denied\"},\"request_id\":\"req_011C5PjW\n    J6fh8pQq8jvXLEX1\"} · Please run\n    /login\n────────────────────────────────────────";
        let want = "  ⎿ API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011C5PjWJ6fh8pQq8jvXLEX1\"} · Please run /login";
        assert_eq!(lines(tui, Some(40))[0], want);
        assert_eq!(lines(tui, None)[0], want);
    }

    #[test]
    fn rejoins_word_wrap_that_dropped_the_space() {
        let tui = "  ⎿ API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permissi\n    on_error\",\"message\":\"Permission\n    denied\"},\"request_id\":\"req_011CD137tmeBb1VjkabzfQ1v\"} ·\n    Please run /login";
        assert_eq!(
            lines(tui, Some(60))[0],
            "  ⎿ API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CD137tmeBb1VjkabzfQ1v\"} · Please run /login"
        );
        assert_eq!(
            lines("● Please run /login · API Error:\n  403 Permission denied", Some(40))[0],
            "● Please run /login · API Error: 403 Permission denied"
        );
    }

    #[test]
    fn rejoins_hard_wrap_only_at_the_known_width() {
        let wrapped = "Failed to authenticate. API Error: 403 P\nermission denied\nnext";
        assert_eq!(lines(wrapped, Some(40)), ["Failed to authenticate. API Error: 403 Permission denied", "next"]);
        assert_eq!(lines(wrapped, Some(80)).len(), 3);
    }

    #[test]
    fn a_blank_kept_at_the_edge_still_separates_words() {
        let wrapped = "message: invalid \nx-api-key\nnext";
        assert_eq!(lines(wrapped, Some(16))[0], "message: invalid x-api-key");
    }

    #[test]
    fn stack_frames_are_not_joined() {
        let s = "PermissionDeniedError: 403 {\"type\":\"error\"}\n    at APIError.generate (x.js:1:1)";
        assert_eq!(lines(s, None).len(), 2);
    }
}
