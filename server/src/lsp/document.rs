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

use super::lines::LineIndex;
use errsig::rules::Catalog;
use errsig::{Engine, Finding};
use std::sync::Arc;
use tower_lsp_server::lsp_types::{Position, TextDocumentContentChangeEvent};

/// Lines between checkpoints during a long scan.
const CHECKPOINT_EVERY: usize = 2048;
/// Bytes between checkpoints during a long scan (long lines): a change
/// re-scans at most about this much before it.
const CHECKPOINT_BYTES: usize = 1 << 20;
/// A file smaller than this keeps no checkpoint at its end: re-scanning it
/// from the top costs a fraction of a millisecond, and a checkpoint (a copy
/// of the scanner's recent lines) would cost more memory than a small
/// document's text.
const SMALL_FILE: usize = 256 * 1024;
/// Checkpoints kept per document (older ones are thinned out).
const MAX_CHECKPOINTS: usize = 48;
/// How much of a file's start the width of a captured transcript is
/// inferred from (and so which edits can change it).
const INFER_SAMPLE: usize = 1 << 20;

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

struct Checkpoint {
    /// Absolute line the engine is about to read.
    line: u32,
    /// Boxed: the vector of checkpoints stays small, and a document without
    /// any pays nothing for the engine's size.
    engine: Box<Engine>,
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
    /// Where its lines start (sparse: a fraction of a byte a line).
    lines: LineIndex,
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
        let columns = columns.or_else(|| if kind == Kind::File { infer(&text) } else { None });
        let mut d = Document {
            kind,
            version,
            lines: LineIndex::new(text.as_bytes()),
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

    /// The catalog its findings are named with.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
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
    ///
    /// The result is what opening the new text afresh gives: a file's width
    /// is inferred again when an edit reaches the part it is inferred from,
    /// and a terminal's trimmed top re-scans the lines whose reading could
    /// have depended on what was trimmed.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, enc: Encoding) {
        let mut dirty: Option<u32> = None;
        let mut first_byte = usize::MAX;
        let mut mark = |line: u32| dirty = Some(dirty.map_or(line, |d: u32| d.min(line)));
        for change in changes {
            let Some(range) = change.range else {
                self.text = change.text;
                self.lines = LineIndex::new(self.text.as_bytes());
                self.checkpoints.clear();
                first_byte = 0;
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
                let n = (range.end.line as usize).min(self.lines.len() - 1);
                if self.line_start(n) == end {
                    self.trim_top(n);
                    continue;
                }
            }
            let line = self.line_of(start);
            first_byte = first_byte.min(start);
            self.text.replace_range(start..end, &change.text);
            self.lines.reindex_from(self.text.as_bytes(), line);
            mark(self.removed.saturating_add(u32::try_from(line).unwrap_or(u32::MAX)));
        }
        if self.kind == Kind::File && first_byte < INFER_SAMPLE {
            let columns = infer(&self.text);
            if columns != self.columns {
                self.columns = columns;
                self.checkpoints.clear();
                dirty = Some(self.removed);
            }
        }
        if let Some(line) = dirty {
            self.rescan_from(line);
        }
    }

    fn trim_top(&mut self, n: usize) {
        let cut = self.line_start(n);
        self.text.drain(..cut);
        self.lines.trim_top(n, cut);
        // A terminal trimmed past 2³² lines in all stops counting (as the
        // scanner's own line numbers do) rather than wrapping.
        self.removed = self.removed.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        let removed = self.removed;
        self.checkpoints.retain(|c| c.line >= removed);
        self.last_scan = 0;
        self.rescan_after_trim();
    }

    /// After a trim, what the scanner read near the new top may have
    /// depended on the lines trimmed (context, evidence, an open printing).
    /// Its state depends on at most `HISTORY_LINES` lines before it, so from
    /// the first checkpoint that far past the new top on, everything is as
    /// a fresh scan has it: re-scan up to there and splice.
    fn rescan_after_trim(&mut self) {
        let top = self.removed;
        let horizon = top.saturating_add(errsig::HISTORY_LINES as u32);
        let Some(i) = self.checkpoints.iter().position(|c| c.line >= horizon) else {
            // Nothing that far on: the document is short past the top.
            self.checkpoints.clear();
            self.rescan_from(top);
            return;
        };
        let (line, emitted) = (self.checkpoints[i].line, self.checkpoints[i].emitted);
        let end = self.line_start((line - top) as usize);
        let mut engine = Engine::starting_at(self.catalog.clone(), self.columns, top);
        let fresh = engine.feed(&self.text.as_bytes()[..end]);
        let delta = fresh.len() as isize - emitted as isize;
        self.findings.splice(..emitted, fresh);
        self.checkpoints.drain(..i);
        for c in &mut self.checkpoints {
            c.emitted = c.emitted.saturating_add_signed(delta);
        }
        self.scanned += end as u64;
        self.last_scan = end as u64;
    }

    /// Line (0-based, in this document) holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(self.text.as_bytes(), offset)
    }

    /// Byte offset where line `line` (0-based, in this document) starts;
    /// the end of the text past the last line.
    fn line_start(&self, line: usize) -> usize {
        self.lines.start(self.text.as_bytes(), line)
    }

    /// Byte offset of an LSP position, clamped to the document.
    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.lines.len() {
            return self.text.len();
        }
        let start = self.line_start(line);
        let end = memchr::memchr(b'\n', &self.text.as_bytes()[start..]).map_or(self.text.len(), |i| start + i + 1);
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

    /// Checkpoints kept.
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// Heap bytes held, estimated from capacities (see `errsig/debugStats`).
    /// A checkpoint counts the engine and the text its scanner retains.
    pub fn held_bytes(&self) -> usize {
        use std::mem::size_of;
        let finding = |f: &Finding| {
            let e = &f.event;
            let opt = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
            size_of::<Finding>()
                + opt(&e.error_type)
                + opt(&e.message)
                + opt(&e.request_id)
                + e.hints.iter().map(|h| size_of::<String>() + h.capacity()).sum::<usize>()
                + e.text.capacity()
                + e.context.iter().map(|c| size_of::<errsig::scan::ContextLine>() + c.text.capacity()).sum::<usize>()
        };
        size_of::<Document>()
            + self.text.capacity()
            + self.lines.heap_bytes()
            + self.checkpoints.capacity() * size_of::<Checkpoint>()
            + self.checkpoints.iter().map(|c| size_of::<Engine>() + c.engine.retained_bytes()).sum::<usize>()
            + (self.findings.capacity() + self.pending.capacity()) * size_of::<Finding>()
            + self.findings.iter().chain(&self.pending).map(finding).sum::<usize>()
            - (self.findings.len() + self.pending.len()) * size_of::<Finding>()
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
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
                ((*c.engine).clone(), c.line, c.emitted)
            }
            None => (Engine::starting_at(self.catalog.clone(), self.columns, self.removed), self.removed, 0),
        };
        self.checkpoints.truncate(cp.map_or(0, |i| i + 1));
        self.findings.truncate(emitted);
        let first = (start - self.removed) as usize;
        let last = self.lines.len() - 1;
        let mut fed = 0u64;
        let mut at = first;
        // Where appends happen: a terminal, a large file.
        let tail = self.kind.is_terminal() || self.text.len() >= SMALL_FILE;
        while at < last {
            // Every CHECKPOINT_EVERY lines, or sooner where lines are long.
            let from = self.line_start(at);
            let far = self.line_of(from + CHECKPOINT_BYTES).max(at + 1);
            let next = (at + CHECKPOINT_EVERY).min(far).min(last);
            let bytes = &self.text.as_bytes()[from..self.line_start(next)];
            self.findings.extend(engine.feed(bytes));
            fed += bytes.len() as u64;
            at = next;
            if engine.at_line_start() && (at < last || tail) {
                let line = self.removed + at as u32;
                self.checkpoints.retain(|c| c.line < line);
                let engine = Box::new(engine.clone());
                self.checkpoints.push(Checkpoint { line, engine, emitted: self.findings.len() });
            }
        }
        let tail = &self.text.as_bytes()[self.line_start(last)..];
        fed += tail.len() as u64;
        self.findings.extend(engine.feed(tail));
        // A file ends here; a terminal goes on printing.
        self.pending = if self.kind.is_terminal() { engine.pending_live() } else { engine.finish() };
        self.scanned += fed;
        self.last_scan = fed;
        self.thin();
    }

    fn thin(&mut self) {
        // Keep the recent ones (where appends happen); among the older ones
        // drop the one whose loss leaves the smallest gap, so they stay
        // evenly spread: a re-scan from anywhere starts near where it must.
        let keep_recent = 8;
        while self.checkpoints.len() > MAX_CHECKPOINTS {
            let n = self.checkpoints.len();
            let gap = |i: usize| self.checkpoints[i + 1].line - self.checkpoints[i - 1].line;
            let Some(i) = (1..n - keep_recent).min_by_key(|&i| gap(i)) else { break };
            self.checkpoints.remove(i);
        }
    }
}

/// The width a file's text was wrapped at, inferred from its start.
fn infer(text: &str) -> Option<usize> {
    let mut end = text.len().min(INFER_SAMPLE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    errsig::infer_columns(&text.as_bytes()[..end])
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
        let col = d.text()[d.line_start(last as usize)..].encode_utf16().count() as u32;
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
    fn trimming_the_top_rescans_a_bounded_window() {
        let line = |i: usize| format!("line {i:06}\n");
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&line(i));
        }
        text.push_str(ERR);
        let mut d = Document::open(Kind::NvimTerminal, text, 0, catalog(), None);
        assert_eq!(d.findings().next().unwrap().event.start.line, 20_000);
        let end = Position::new(60, 0);
        d.apply(
            vec![TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 0), end)),
                range_length: None,
                text: String::new(),
            }],
            Encoding::Utf16,
        );
        let window = (errsig::HISTORY_LINES + CHECKPOINT_EVERY) * line(0).len();
        assert!(d.last_scan as usize <= window, "re-scanned {} bytes", d.last_scan);
        let f = d.findings().next().unwrap();
        assert_eq!(f.event.start.line - d.removed(), 19_940);
        assert!(d.text().starts_with("line 000060\n"));
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

/// Random edits give what a fresh open of the same text gives: the same
/// findings at the same places, for files and both kinds of terminal.
#[cfg(test)]
mod differential {
    use super::*;
    use tower_lsp_server::lsp_types::Range;

    /// Real captures and the lines around them, as material to edit with.
    const PIECES: &[&str] = &[
        include_str!("../../../tests/fixtures/real/cc-1.0-tui-plain-w80-permission_denied.txt"),
        include_str!("../../../tests/fixtures/real/py-sdk-uncaught-permission_denied.txt"),
        include_str!("../../../tests/fixtures/real/curl-i-gateway_html.txt"),
        include_str!("../../../tests/fixtures/real/cc-2.1-print-gateway_html.txt"),
        include_str!("../../../tests/fixtures/real/cc-2.0-debug-permission_denied-file.txt"),
        "Failed to authenticate. API Error: 403 Permission denied\n",
        "API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CXyZ\"}\n",
        "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n",
        "> POST /v1/messages HTTP/1.1\n",
        "Error: 403 status code (no body)\n",
        "日本語のログ 😀 emoji ⎿ and a TUI mark\n",
        "────────────────────────────────────────────────────────────────────────────────\n",
        "ordinary output\n",
        "\n",
    ];

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// The LSP position (UTF-16) of a byte offset.
    fn position(text: &str, offset: usize) -> Position {
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let col = before.rsplit('\n').next().unwrap_or("").encode_utf16().count();
        Position::new(line as u32, col as u32)
    }

    fn boundary(text: &str, mut at: usize) -> usize {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// What a client sees: findings relative to the document's top.
    fn seen(d: &Document) -> Vec<String> {
        let r = d.removed();
        let mut v: Vec<String> = d
            .findings()
            .map(|f| {
                let e = &f.event;
                format!(
                    "{}:{}-{}:{} {} {:?} {:?} {:?}",
                    e.start.line - r,
                    e.start.character,
                    e.end.line - r,
                    e.end.character,
                    f.rule.id,
                    e.status,
                    e.message,
                    e.request_id
                )
            })
            .collect();
        v.sort();
        v
    }

    fn change(range: Option<Range>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent { range, range_length: None, text: text.into() }
    }

    fn run(kind: Kind, columns: Option<usize>, seed: u64, steps: usize) {
        let catalog = Arc::new(Catalog::builtin());
        let mut rng = Rng(seed);
        let mut d = Document::open(kind, String::new(), 0, catalog.clone(), columns);
        let mut text = String::new();
        for step in 0..steps {
            let piece = PIECES[rng.below(PIECES.len())];
            let edit = match (kind.is_terminal(), rng.below(10)) {
                // Terminals mostly append, sometimes trim their top.
                (true, 0..=6) | (false, 0..=2) => {
                    let end = position(&text, text.len());
                    change(Some(Range::new(end, end)), piece)
                }
                (true, 7 | 8) if text.matches('\n').count() > 1 => {
                    let lines = 1 + rng.below(text.matches('\n').count() - 1);
                    change(Some(Range::new(Position::new(0, 0), Position::new(lines as u32, 0))), "")
                }
                (false, 3..=5) | (true, _) => {
                    let at = boundary(&text, rng.below(text.len() + 1));
                    let p = position(&text, at);
                    change(Some(Range::new(p, p)), &piece[..boundary(piece, rng.below(piece.len() + 1))])
                }
                (false, 6..=8) => {
                    let a = boundary(&text, rng.below(text.len() + 1));
                    let b = boundary(&text, a + rng.below(400));
                    change(Some(Range::new(position(&text, a), position(&text, b))), "")
                }
                (false, _) => change(None, piece),
            };
            // The expected text, edited as the client would.
            match edit.range {
                Some(r) => {
                    let (a, b) = (d.offset(r.start, Encoding::Utf16), d.offset(r.end, Encoding::Utf16));
                    text.replace_range(a..b, &edit.text);
                }
                None => text = edit.text.clone(),
            }
            d.version += 1;
            d.apply(vec![edit], Encoding::Utf16);
            assert_eq!(d.text(), text, "seed {seed} step {step}: the text");
            let fresh = Document::open(kind, text.clone(), 0, catalog.clone(), columns);
            assert_eq!(seen(&d), seen(&fresh), "{kind:?} seed {seed} step {step}: edited vs fresh");
        }
    }

    #[test]
    fn random_edits_of_files_equal_a_fresh_open() {
        for seed in 1..=12 {
            run(Kind::File, None, seed * 7919, 60);
        }
    }

    #[test]
    fn random_appends_and_trims_of_terminals_equal_a_fresh_open() {
        for seed in 1..=12 {
            run(Kind::NvimTerminal, Some(40 + 20 * (seed as usize % 3)), seed * 104_729, 60);
            run(Kind::VscodeTerminal, None, seed * 1_299_709, 60);
        }
    }
}
