//! One open document: its text, and the scanner state that lets a change
//! re-examine only what it touched.
//!
//! The scanner is cloned at line boundaries into *checkpoints*. A change at
//! line L restores the last checkpoint at or before L and feeds the text from
//! there; findings emitted before that checkpoint depend only on text before
//! it and are kept. After every scan a checkpoint is taken at the start of
//! the last line, so appending to a terminal re-scans the last line and the
//! new text — not the document. Deleting lines from the top (a terminal
//! trimming its scrollback) shifts positions without any scan: lines keep
//! their original ("absolute") numbers inside, and `removed` is subtracted
//! on the way out.

use errsig::rules::Catalog;
use errsig::{Engine, Finding};
use std::sync::Arc;
use tower_lsp_server::lsp_types::{Position, TextDocumentContentChangeEvent};

/// Lines between checkpoints during a long scan.
const CHECKPOINT_EVERY: usize = 2048;
/// Checkpoints kept per document (older ones are thinned out).
const MAX_CHECKPOINTS: usize = 48;

/// What kind of document: decides wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file, an untitled buffer: the width of a captured transcript is
    /// inferred from the text.
    File,
    /// A Neovim `:terminal` buffer (`term://`): hard-wrapped at the width the
    /// client reports with `errsig/terminalWidth`.
    NvimTerminal,
    /// A VS Code terminal document (`errsig-terminal:`): raw, unwrapped
    /// chunks, escapes and all.
    VscodeTerminal,
}

impl Kind {
    /// The kind of a document by its URI scheme.
    pub fn of_scheme(scheme: &str) -> Kind {
        match scheme {
            "term" => Kind::NvimTerminal,
            "errsig-terminal" => Kind::VscodeTerminal,
            _ => Kind::File,
        }
    }

    /// Whether it is a terminal (whose text keeps growing).
    pub fn is_terminal(self) -> bool {
        self != Kind::File
    }
}

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units (LSP's default).
    #[default]
    Utf16,
}

#[derive(Clone)]
struct Checkpoint {
    /// Absolute line the engine is about to read.
    line: u32,
    engine: Engine,
    /// Findings emitted before it.
    emitted: usize,
}

/// An open document.
pub struct Document {
    /// Its kind.
    pub kind: Kind,
    /// The client's version of it.
    pub version: i32,
    text: String,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
    /// Lines trimmed from the top since it was opened.
    removed: u32,
    columns: Option<usize>,
    catalog: Arc<Catalog>,
    checkpoints: Vec<Checkpoint>,
    findings: Vec<Finding>,
    pending: Vec<Finding>,
    /// Bytes fed to the scanner since the document was opened.
    pub scanned: u64,
    /// Bytes fed to the scanner by the last change.
    pub last_scan: u64,
}

impl Document {
    /// Open a document and scan it.
    pub fn open(kind: Kind, text: String, version: i32, catalog: Arc<Catalog>, columns: Option<usize>) -> Self {
        let columns = columns.or_else(|| {
            (kind == Kind::File).then(|| errsig::infer_columns(&text.as_bytes()[..text.len().min(1 << 20)])).flatten()
        });
        let mut d = Document {
            kind,
            version,
            starts: line_starts(&text, 0),
            text,
            removed: 0,
            columns,
            catalog,
            checkpoints: Vec::new(),
            findings: Vec::new(),
            pending: Vec::new(),
            scanned: 0,
            last_scan: 0,
        };
        d.rescan_from(0);
        d
    }

    /// The text.
    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The terminal width used for wrapping.
    pub fn columns(&self) -> Option<usize> {
        self.columns
    }

    /// Set the terminal width (a resize re-wraps everything) and rescan.
    pub fn set_columns(&mut self, columns: Option<usize>) {
        if self.columns != columns {
            self.columns = columns;
            self.checkpoints.clear();
            self.rescan_from(self.removed);
        }
    }

    /// Use another catalog (configuration changed) and rescan.
    pub fn set_catalog(&mut self, catalog: Arc<Catalog>) {
        self.catalog = catalog;
        self.checkpoints.clear();
        self.rescan_from(self.removed);
    }

    /// Apply a client's changes, then rescan from the first line they touch.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, enc: Encoding) {
        let mut dirty: Option<u32> = None;
        let mut mark = |line: u32| dirty = Some(dirty.map_or(line, |d: u32| d.min(line)));
        for change in changes {
            let Some(range) = change.range else {
                self.text = change.text;
                self.starts = line_starts(&self.text, 0);
                self.checkpoints.clear();
                mark(self.removed);
                continue;
            };
            let (start, end) = (self.offset(range.start, enc), self.offset(range.end, enc));
            let (start, end) = (start.min(end), start.max(end));
            // Lines deleted from the top of a terminal: it trims its
            // scrollback. (In a file the same edit changes what the rest
            // means — evidence can go away — so it is an ordinary change.)
            if self.kind.is_terminal()
                && start == 0
                && change.text.is_empty()
                && range.end.character == 0
                && range.end.line > 0
            {
                let n = (range.end.line as usize).min(self.starts.len() - 1);
                if self.starts[n] == end {
                    self.trim_top(n);
                    continue;
                }
            }
            let line = self.line_of(start);
            self.text.replace_range(start..end, &change.text);
            self.starts.truncate(line + 1);
            let from = self.starts[line];
            self.starts.extend(line_starts(&self.text[from..], from).into_iter().skip(1));
            mark(self.removed + line as u32);
        }
        if let Some(line) = dirty {
            self.rescan_from(line);
        }
    }

    fn trim_top(&mut self, n: usize) {
        let cut = self.starts[n];
        self.text.drain(..cut);
        self.starts.drain(..n);
        for s in &mut self.starts {
            *s -= cut;
        }
        self.removed += n as u32;
        let removed = self.removed;
        self.checkpoints.retain(|c| c.line >= removed);
        self.last_scan = 0;
    }

    /// Line (0-based, in this document) holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Byte offset of an LSP position, clamped to the document.
    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return self.text.len();
        }
        let start = self.starts[line];
        let end = self.starts.get(line + 1).map_or(self.text.len(), |&e| e);
        let text = &self.text[start..end];
        let text = text.strip_suffix('\n').unwrap_or(text);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in text.char_indices() {
            if units >= want {
                return start + i;
            }
            units += match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + text.len()
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The findings, with absolute line numbers (see [`Document::removed`]).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        let removed = self.removed;
        self.findings.iter().chain(&self.pending).filter(move |f| f.event.start.line >= removed)
    }

    /// Lines trimmed from the top: subtract from a finding's line numbers.
    pub fn removed(&self) -> u32 {
        self.removed
    }

    fn rescan_from(&mut self, line: u32) {
        let line = line.max(self.removed);
        let cp = self.checkpoints.iter().rposition(|c| c.line <= line);
        let (mut engine, start, emitted) = match cp {
            Some(i) => {
                let c = &self.checkpoints[i];
                (c.engine.clone(), c.line, c.emitted)
            }
            None => (Engine::starting_at(self.catalog.clone(), self.columns, self.removed), self.removed, 0),
        };
        self.checkpoints.truncate(cp.map_or(0, |i| i + 1));
        self.findings.truncate(emitted);
        let first = (start - self.removed) as usize;
        let last = self.starts.len() - 1;
        let mut fed = 0u64;
        let mut at = first;
        while at < last {
            let next = (at + CHECKPOINT_EVERY).min(last);
            let bytes = &self.text.as_bytes()[self.starts[at]..self.starts[next]];
            self.findings.extend(engine.feed(bytes));
            fed += bytes.len() as u64;
            at = next;
            if engine.scanner().at_line_start() {
                let line = self.removed + at as u32;
                self.checkpoints.retain(|c| c.line < line);
                self.checkpoints.push(Checkpoint { line, engine: engine.clone(), emitted: self.findings.len() });
            }
        }
        let tail = &self.text.as_bytes()[self.starts[last]..];
        fed += tail.len() as u64;
        self.findings.extend(engine.feed(tail));
        // A file ends here; a terminal goes on printing.
        self.pending = if self.kind.is_terminal() { engine.pending_live() } else { engine.finish() };
        self.scanned += fed;
        self.last_scan = fed;
        self.thin();
    }

    fn thin(&mut self) {
        if self.checkpoints.len() <= MAX_CHECKPOINTS {
            return;
        }
        // Keep the recent ones (where appends happen) and every other old one.
        let keep_recent = 8;
        let n = self.checkpoints.len();
        let mut i = 0;
        self.checkpoints.retain(|_| {
            let keep = i % 2 == 0 || i + keep_recent >= n;
            i += 1;
            keep
        });
    }
}

fn line_starts(text: &str, base: usize) -> Vec<usize> {
    std::iter::once(base).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| base + i + 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::lsp_types::Range;

    const ERR: &str = "Failed to authenticate. API Error: 403 Permission denied\n";

    fn catalog() -> Arc<Catalog> {
        Arc::new(Catalog::builtin())
    }

    fn append(d: &mut Document, s: &str) {
        let last = d.line_count() as u32 - 1;
        let col = d.text()[d.starts[last as usize]..].encode_utf16().count() as u32;
        let pos = Position::new(last, col);
        d.apply(
            vec![TextDocumentContentChangeEvent {
                range: Some(Range::new(pos, pos)),
                range_length: None,
                text: s.into(),
            }],
            Encoding::Utf16,
        );
    }

    #[test]
    fn appends_cost_the_change_not_the_document() {
        let mut d = Document::open(Kind::VscodeTerminal, String::new(), 0, catalog(), None);
        let line = "some ordinary output line of a long-running command\n";
        let mut costs = Vec::new();
        for i in 0..3000 {
            append(&mut d, line);
            if i % 1000 == 999 {
                costs.push(d.last_scan);
            }
        }
        assert!(costs.iter().all(|&c| c <= 2 * line.len() as u64), "{costs:?}");
        append(&mut d, ERR);
        assert_eq!(d.findings().count(), 1);
        assert!(d.last_scan <= 2 * ERR.len() as u64);
    }

    #[test]
    fn an_error_appended_in_awkward_pieces_is_found_once() {
        let mut d = Document::open(Kind::NvimTerminal, "$ claude -p hi\n".into(), 0, catalog(), Some(40));
        // Hard-wrapped at 40 columns, sent in pieces that split words and rows.
        let wrapped = "Failed to authenticate. API Error: 403 P\nermission denied\n$ ";
        for piece in wrapped.as_bytes().chunks(7) {
            append(&mut d, std::str::from_utf8(piece).unwrap());
        }
        let found: Vec<_> = d.findings().collect();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].event.start.line, found[0].event.end.line), (1, 2));
    }

    #[test]
    fn trimming_the_top_shifts_without_scanning() {
        let mut text = String::new();
        for i in 0..100 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str(ERR);
        let mut d = Document::open(Kind::NvimTerminal, text, 0, catalog(), None);
        assert_eq!(d.findings().next().unwrap().event.start.line, 100);
        let end = Position::new(60, 0);
        d.apply(
            vec![TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 0), end)),
                range_length: None,
                text: String::new(),
            }],
            Encoding::Utf16,
        );
        assert_eq!(d.last_scan, 0, "no rescan");
        let f = d.findings().next().unwrap();
        assert_eq!(f.event.start.line - d.removed(), 40);
        assert!(d.text().starts_with("line 60\n"));
        // Appending after the trim still costs only the change.
        append(&mut d, "more\n");
        assert!(d.last_scan <= 10, "{}", d.last_scan);
        assert_eq!(d.findings().count(), 1);
    }

    #[test]
    fn deleting_the_top_of_a_file_is_an_ordinary_change() {
        // Without the evidence line the bare 403 is someone else's.
        let mut d = Document::open(
            Kind::File,
            "> POST /v1/messages HTTP/1.1\nError: 403 status code (no body)\n".into(),
            0,
            catalog(),
            None,
        );
        assert_eq!(d.findings().count(), 1);
        let range = Range::new(Position::new(0, 0), Position::new(1, 0));
        d.apply(
            vec![TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: String::new() }],
            Encoding::Utf16,
        );
        assert_eq!((d.removed(), d.findings().count()), (0, 0));
    }

    #[test]
    fn positions_in_both_encodings_with_non_ascii() {
        let d = Document::open(Kind::File, "日本😀x\n⎿ y\n".into(), 0, catalog(), None);
        assert_eq!(d.offset(Position::new(0, 4), Encoding::Utf16), "日本😀".len());
        assert_eq!(d.offset(Position::new(0, 10), Encoding::Utf8), "日本😀".len());
        assert_eq!(d.offset(Position::new(1, 2), Encoding::Utf16), "日本😀x\n⎿ ".len());
        assert_eq!(d.offset(Position::new(9, 9), Encoding::Utf16), d.text().len(), "clamped");
        assert_eq!(d.offset(Position::new(0, 99), Encoding::Utf16), "日本😀x".len(), "clamped to the line");
    }

    #[test]
    fn an_edit_in_the_middle_rescans_from_there_and_keeps_earlier_findings() {
        let mut text = String::from(ERR);
        for i in 0..20_000 {
            text.push_str(&format!("line {i}\n"));
        }
        let mut d = Document::open(Kind::File, text, 0, catalog(), None);
        assert_eq!(d.findings().count(), 1);
        let at = Position::new(15_000, 0);
        d.apply(
            vec![TextDocumentContentChangeEvent {
                range: Some(Range::new(at, at)),
                range_length: None,
                text: ERR.into(),
            }],
            Encoding::Utf16,
        );
        let lines: Vec<u32> = d.findings().map(|f| f.event.start.line).collect();
        assert_eq!(lines, [0, 15_000]);
        // From the checkpoint before line 15 000, not from the top.
        assert!(d.last_scan < d.text().len() as u64 * 4 / 10, "{} of {}", d.last_scan, d.text().len());
    }
}
