//! The detection engine: bytes in, error events out. No I/O.
//!
//! Data flows one way:
//!
//! ```text
//! bytes ─▶ physical lines ─▶ ansi (virtual rows) ─▶ wrap (logical lines)
//!       ─▶ anchors + candidate (printings) ─▶ envelope (fields)
//!       ─▶ attribution (is it Anthropic's?) ─▶ Event
//! ```
//!
//! The `Scanner` under [`crate::Engine`] is push-based: feed it chunks as
//! they arrive and it returns each event as soon as the printing is
//! complete. It keeps only a bounded tail of state — the row being
//! assembled, one open printing of at most `candidate::MAX_LINES` lines, the
//! last [`CONTEXT_BEFORE`] lines of context and the events waiting for
//! [`CONTEXT_AFTER`] lines of evidence — so memory does not grow with the
//! input. It is `Clone`: a clone taken at a line boundary is a checkpoint to
//! resume from (see [`crate::Engine::at_line_start`]).
//!
//! The stages are the engine's own (`pub(crate)`); this module re-exports
//! what the faces use: the event and its parts, the body reader the doctor's
//! probe shares, the redaction every output goes through, and the hot-path
//! pre-check the pipe uses.

/// The stages are the engine's own, and the faces use only what is
/// re-exported below. The fuzz targets and the benches drive the stages one
/// by one: the `internals` feature makes them public for them, hidden from
/// the documentation and outside any promise.
macro_rules! stages {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            #[doc(hidden)]
            pub mod $name;
            #[cfg(not(feature = "internals"))]
            pub(crate) mod $name;
        )*
    };
}

stages!(anchors, ansi, attribution, candidate, envelope, redact, text, user_anchors, wrap);
mod context;
mod event;
pub(crate) mod producers;
pub(crate) mod texts;
mod vocab;

pub use anchors::Producer;
pub use ansi::MAX_COLUMNS;
pub use envelope::{classify, parse_loose, ErrorBody, Shape};
pub use redact::{has_secret, redact, MASK};
pub use text::Pos;
pub use user_anchors::UserAnchors;
pub use vocab::{ContextLine, Event, Platform};

use attribution::Signal;
use candidate::{Candidate, Complete, Step};
use context::ContextSet;
use regex::RegexSet;
use std::collections::VecDeque;
use std::sync::{Arc, LazyLock};
use text::{Logical, Row};

/// Lines before a printing that count as "nearby": context lines the rules
/// may use, and evidence of who printed it.
pub const CONTEXT_BEFORE: usize = 16;
/// Lines after a printing that count as "nearby". Only printings that need
/// evidence wait for them; the others are reported at once.
pub const CONTEXT_AFTER: usize = 16;

/// How far back the scanner's state reaches: its state at a line depends on
/// at most this many lines before it (context, an open printing, events
/// waiting for evidence, a logical line being joined, a remembered box
/// width). A document that drops lines from its top re-scans this many
/// lines after the new top, and what lies beyond is as a fresh scan has it.
pub const HISTORY_LINES: usize =
    CONTEXT_BEFORE + candidate::MAX_LINES + CONTEXT_AFTER + wrap::MAX_BLOCK_ROWS + wrap::BOX_MEMORY;

/// What the scanner needs to know about its input.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScanConfig {
    /// Terminal width of the transcript, when known: a row exactly this wide
    /// continues on the next row.
    pub columns: Option<usize>,
    /// Lines matching one of these are kept as context of nearby findings
    /// (the rules' `[[rule.context]]` patterns).
    pub context: Option<Arc<RegexSet>>,
    /// The number of the first line fed (when a document's first lines were
    /// trimmed away, its lines keep their original numbers).
    pub first_line: u32,
    /// The anchor literals of user rules (`Catalog::user_anchors`).
    pub anchors: Option<Arc<user_anchors::UserAnchors>>,
}

/// The last physical lines, kept raw (in recycled buffers) so that the hot
/// path only copies bytes; they are normalised and examined only when a
/// printing needs its context, and then at most once each: what a line says
/// (its text, a wrapper's signature, whether it is context, its evidence) is
/// kept with it, so a run of printings does not re-read the lines before
/// each of them (the dense benchmark, BENCHMARKS.md).
/// How many lines above the connection screen's result its heading may be:
/// the heading, and a blank line or two between.
const SCREEN_ABOVE: usize = 3;

/// How many lines above a printing may show the status it implies.
const STATUS_ABOVE: usize = 6;

/// A line that leads into an error body on the next: it names an error or a
/// failure and ends with `:` or ` -`.
static LEADS_INTO_BODY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:error|exception|failed|failure)\b.*(?::| -)\s*$").expect("lead pattern")
});

/// A field of a report's header: `Status Code: 403`, `Provider: anthropic`.
static REPORT_FIELD: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^\s*[A-Z][A-Za-z ]{0,24}: \S").expect("report field pattern"));

/// Whether a line at most [`STATUS_ABOVE`] above a printing that starts on
/// line `start` shows `status` (`Status Code: 403`, `404 Not Found`), and,
/// when that line is a field of a report's header (`Model: …`,
/// `Provider: …`, `Status Code: 403`), the header's first line. `above`
/// holds the lines before the printing with their numbers, nearest first.
fn status_above<'a>(
    start: u32,
    status: Option<u16>,
    above: impl Iterator<Item = (u32, &'a str)>,
) -> (bool, Option<u32>) {
    let (mut shown, mut header) = (false, None);
    for (number, text) in above.take(2 * STATUS_ABOVE) {
        let field = REPORT_FIELD.is_match(text);
        if !shown {
            if start - number > STATUS_ABOVE as u32 {
                break;
            }
            if event::status_shown(text) == status {
                shown = true;
                if !field {
                    break;
                }
                header = Some(number);
            }
        } else if field {
            header = Some(number);
        } else {
            break;
        }
    }
    (shown, header)
}

#[derive(Debug, Clone, Default)]
struct Recent {
    lines: VecDeque<RecentLine>,
}

/// One kept line and what has been computed of it.
#[derive(Debug, Clone, Default)]
struct RecentLine {
    number: u32,
    raw: Vec<u8>,
    text: Option<String>,
    producer: Option<Option<Producer>>,
    context: Option<bool>,
    signal: Option<Option<Signal>>,
}

impl RecentLine {
    /// The normalised text: its virtual rows joined by a space.
    fn text(&mut self) -> &str {
        let raw = &self.raw;
        self.text.get_or_insert_with(|| join_rows(ansi::normalise(raw).iter().map(|r| r.text.as_str())))
    }

    fn producer(&mut self) -> Option<Producer> {
        if let Some(p) = self.producer {
            return p;
        }
        let p = producers::signed(self.text());
        self.producer = Some(p);
        p
    }

    fn context(&mut self, set: &ContextSet) -> bool {
        if let Some(c) = self.context {
            return c;
        }
        let c = set.is_match(self.text());
        self.context = Some(c);
        c
    }

    fn signal(&mut self) -> Option<Signal> {
        if let Some(s) = self.signal {
            return s;
        }
        let s = attribution::signal(self.text());
        self.signal = Some(s);
        s
    }
}

fn join_rows<'a>(mut rows: impl Iterator<Item = &'a str>) -> String {
    let mut text = rows.next().unwrap_or_default().to_owned();
    for r in rows {
        text.push(' ');
        text.push_str(r);
    }
    text
}

/// Line numbers stop growing here: every line past it has this number (a
/// document of more than 2³² lines, numbered for people as 4,294,967,295),
/// never a number that wrapped, and `line + 1` still fits.
pub const LAST_LINE: u32 = u32::MAX - 1;

/// Context lines longer than this are cut: context is for people to read.
const MAX_CONTEXT_LINE: usize = 4096;

impl Recent {
    /// Keep a line; `text` is its normalised text when the caller already
    /// has it (for a line not longer than [`MAX_CONTEXT_LINE`]).
    fn push(&mut self, number: u32, line: &[u8], text: Option<String>) {
        // Enough lines to still hold the context before a printing that
        // took the most lines a printing may take.
        let mut kept = if self.lines.len() == CONTEXT_BEFORE + candidate::MAX_LINES {
            self.lines.pop_front().unwrap_or_default()
        } else {
            RecentLine::default()
        };
        kept.number = number;
        kept.raw.clear();
        kept.raw.extend_from_slice(&line[..line.len().min(MAX_CONTEXT_LINE)]);
        kept.text = text.filter(|_| line.len() <= MAX_CONTEXT_LINE);
        kept.producer = None;
        kept.context = None;
        kept.signal = None;
        self.lines.push_back(kept);
    }

    /// The kept lines nearby before `line`, nearest last.
    fn before(&mut self, line: u32) -> impl DoubleEndedIterator<Item = &mut RecentLine> + '_ {
        self.lines.iter_mut().filter(move |l| l.number < line && line - l.number <= CONTEXT_BEFORE as u32)
    }
}

/// Literals one of which every hot-path literal contains
/// (`anchors::hot_literals`), chosen so that their first three bytes — what
/// Teddy's SIMD step compares — are rare in logs: upper-case letters and
/// punctuation, no leading space, no `rro`/`err` (every `error` in a log).
/// Any hot-path literal that contains none of them is searched as itself.
const JUMP_LITERALS: &[&str] = &[
    "API",
    "' for url '",
    "HTTP",
    "Request",
    "Error code",
    "or: ",
    "r (",
    "]: ",
    "Denied",
    "<title>",
    "Forbidden",
    "_error",
    "\"error",
    "'error'",
    "\\\"error",
    "\"Message\"",
    "Credit",
    "e's an",
    "Claude",
    "OAuth",
    "x-api-key",
    "would exceed",
];

/// The search behind the jump: the literals above, and the hot-path
/// literals none of them covers.
enum JumpSearch {
    Packed(aho_corasick::packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

static JUMP: std::sync::LazyLock<JumpSearch> = std::sync::LazyLock::new(|| {
    let mut literals: Vec<&str> = JUMP_LITERALS.to_vec();
    literals.extend(anchors::hot_literals().filter(|h| !JUMP_LITERALS.iter().any(|j| h.contains(j))));
    // Fat Teddy (16 buckets, about two literals each) where there is AVX2:
    // with eight buckets of four, the buckets' byte masks let through far
    // more positions (BENCHMARKS.md, history 4 and 7).
    let fat = cfg!(target_arch = "x86_64").then_some(true);
    match aho_corasick::packed::Config::new().only_teddy_fat(fat).builder().extend(&literals).build() {
        Some(s) => JumpSearch::Packed(s),
        None => JumpSearch::Automaton(aho_corasick::AhoCorasick::new(&literals).expect("jump literals are valid")),
    }
});

/// Where the next line that may matter starts, in a run of complete lines:
/// a superset of the lines `Scanner::skippable` keeps (a hot-path literal,
/// an escape or backspace, a line that is only `{`, `[` or `[{`), found by
/// three searches whose results are remembered until the scanner passes
/// them, so that a run of lines that all stop the scanner (a file full of
/// errors) searches each byte once, not once per line.
#[derive(Debug, Default)]
struct Jump {
    /// The next match of each search at or after the position asked about
    /// last: `None` not searched yet, `Some(None)` none to the end.
    literal: Option<Option<usize>>,
    control: Option<Option<usize>>,
    opener: Option<Option<usize>>,
    /// User rules' anchor literals (`ScanConfig::anchors`), when any.
    user: Option<Option<usize>>,
}

impl Jump {
    /// The start of the first line at or after `at` (a line start) that
    /// holds a match of any search, user rules' literals included.
    fn next_line(&mut self, body: &[u8], at: usize, user: Option<&user_anchors::UserAnchors>) -> Option<usize> {
        let literal = remembered(&mut self.literal, at, || match &*JUMP {
            JumpSearch::Packed(s) => s.find(&body[at..]).map(|m| at + m.start()),
            JumpSearch::Automaton(a) => a.find(&body[at..]).map(|m| at + m.start()),
        });
        let control = remembered(&mut self.control, at, || memchr::memchr2(0x1b, 0x08, &body[at..]).map(|i| at + i));
        let opener = remembered(&mut self.opener, at, || next_opener(body, at));
        let user = user.and_then(|u| remembered(&mut self.user, at, || u.find_at(body, at)));
        let hit = [literal, control, opener, user].into_iter().flatten().min()?;
        Some(memchr::memrchr(b'\n', &body[at..hit]).map_or(at, |i| at + i + 1))
    }
}

/// In a run of complete lines (`lines` ends with `\n`), the start of the
/// first line the hot path keeps while nothing is open: the exact test of
/// `Scanner::skippable`, at the lines the jump stops at. `None`: every line
/// may be skipped (the scanner's `skip_quiet`). Pure, so a stream's later lines
/// can be tested on another core while the scanner reads the earlier ones.
pub fn first_kept_line(lines: &[u8], user: Option<&user_anchors::UserAnchors>) -> Option<usize> {
    let mut jump = Jump::default();
    let mut at = 0;
    while at < lines.len() {
        let start = jump.next_line(lines, at, user)?;
        let nl = memchr::memchr(b'\n', &lines[start..]).map_or(lines.len(), |i| start + i);
        let line = &lines[start..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = &line[..line.len().min(ansi::MAX_LINE_BYTES)];
        if anchors::may_match_raw(line) || anchors::opens_body_raw(line) || user.is_some_and(|u| u.is_match(line)) {
            return Some(start);
        }
        at = nl + 1;
    }
    None
}

/// A search's last result while it is still ahead of `at`, else a new one.
fn remembered(slot: &mut Option<Option<usize>>, at: usize, search: impl FnOnce() -> Option<usize>) -> Option<usize> {
    match *slot {
        Some(next) if next.is_none_or(|n| n >= at) => next,
        _ => {
            let next = search();
            *slot = Some(next);
            next
        }
    }
}

/// The `{` or `[` of the first line at or after `at` that is only `{`, `[`
/// or `[{` after spaces or tabs (`anchors::opens_body_raw`): most braces in
/// a log are followed by something else, which one byte tells.
fn next_opener(body: &[u8], at: usize) -> Option<usize> {
    for i in memchr::memchr2_iter(b'{', b'[', &body[at..]).map(|i| at + i) {
        let mut end = i + 1;
        if body[i] == b'[' && body.get(end) == Some(&b'{') {
            end += 1;
        }
        if body.get(end) == Some(&b'\r') {
            end += 1;
        }
        if !matches!(body.get(end), Some(b'\n') | None) {
            continue;
        }
        let line = memchr::memrchr(b'\n', &body[..i]).map_or(0, |n| n + 1);
        if body[line..i].iter().all(|&b| b == b' ' || b == b'\t') {
            return Some(i);
        }
    }
    None
}

#[derive(Debug, Clone)]
struct Held {
    event: Event,
    /// Distance in lines to the nearest evidence, and which.
    evidence: Option<(u32, Signal)>,
    after: usize,
}

/// The push-based scanner. See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    line_no: u32,
    partial: Vec<u8>,
    asm: wrap::Assembler,
    open: Option<Candidate>,
    held: Vec<Held>,
    recent: Recent,
    /// `config.context`, with its fast twin.
    context: Option<ContextSet>,
    /// `config.anchors`: user rules' literals, searched besides the built-in ones.
    user: Option<Arc<user_anchors::UserAnchors>>,
    bytes: u64,
    /// Steps of the evidence work: a waiting event given a line, a recent
    /// line looked at for a printing. Counted, so that tests and benchmarks
    /// can show it grows linearly with the input.
    work: u64,
}

impl Scanner {
    /// A scanner for a document starting at line 0.
    pub fn new(config: ScanConfig) -> Self {
        let asm = wrap::Assembler::new(config.columns);
        let context = config.context.clone().map(ContextSet::new);
        Scanner {
            line_no: config.first_line.min(LAST_LINE),
            partial: Vec::new(),
            asm,
            open: None,
            held: Vec::new(),
            recent: Recent::default(),
            context,
            user: config.anchors.clone(),
            bytes: 0,
            work: 0,
        }
    }

    /// Set the terminal width (e.g. when a terminal is resized); applies to
    /// rows not yet assembled.
    pub fn set_columns(&mut self, columns: Option<usize>) {
        self.asm.columns = columns.filter(|&c| c > 0);
    }

    /// The line the scanner reads next (0-based).
    pub fn line(&self) -> u32 {
        self.line_no
    }

    /// Bytes fed so far: what re-scanning cost.
    pub fn bytes_scanned(&self) -> u64 {
        self.bytes
    }

    /// Steps of evidence and context work done so far (events waiting for
    /// evidence given a line, recent lines read for a printing's context):
    /// at most a constant per line and per event, whatever the input.
    pub fn evidence_work(&self) -> u64 {
        self.work
    }

    /// Bytes of input text the scanner holds right now (the partial line,
    /// the row being assembled, the open printing, the events waiting for
    /// evidence, the recent lines kept as context): bounded whatever the
    /// input. Transient work while one line is normalised is not counted; it
    /// is bounded by the line cap and `ansi::MAX_COLUMNS`.
    pub fn retained_bytes(&self) -> usize {
        self.recent.lines.iter().map(|l| l.raw.len() + l.text.as_ref().map_or(0, String::len)).sum::<usize>()
            + self.partial.len()
            + self.asm.pending_bytes()
            + self.open.as_ref().map_or(0, Candidate::text_len)
            + self.held.iter().map(|h| h.event.text.len()).sum::<usize>()
    }

    /// Whether the scanner sits at a line boundary with nothing held back
    /// that a later line could change, other than what the state carries:
    /// a clone taken here is a valid checkpoint.
    pub fn at_line_start(&self) -> bool {
        self.partial.is_empty()
    }

    /// Feed a chunk; complete events are appended to `out`.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<Event>) {
        self.bytes += chunk.len() as u64;
        if !self.partial.is_empty() {
            let Some(nl) = memchr::memchr(b'\n', chunk) else {
                self.keep_partial(chunk);
                return;
            };
            self.keep_partial(&chunk[..nl]);
            let line = std::mem::take(&mut self.partial);
            self.physical(&line, out);
            chunk = &chunk[nl + 1..];
        }
        match memchr::memrchr(b'\n', chunk) {
            Some(last) => {
                self.lines(&chunk[..=last], out);
                self.keep_partial(&chunk[last + 1..]);
            }
            None => self.keep_partial(chunk),
        }
    }

    /// Skip complete lines that [`first_kept_line`] found nothing in, as
    /// [`Scanner::feed`] would read them (count them, keep the last ones as
    /// context) but without searching them again. Only while the scanner is
    /// idle — at a line start, nothing open, held or being joined, no known
    /// width — is that the same as feeding them; otherwise nothing is done
    /// and `false` says so (feed them instead).
    pub fn skip_quiet(&mut self, lines: &[u8]) -> bool {
        let idle = self.partial.is_empty()
            && self.open.is_none()
            && self.held.is_empty()
            && !self.asm.is_pending()
            && self.asm.columns.is_none();
        if !idle || !lines.ends_with(b"\n") {
            return false;
        }
        self.bytes += lines.len() as u64;
        self.skip(lines);
        true
    }

    /// Beyond the cap the rest of a line is not examined, so memory stays
    /// bounded on a file with no newlines at all.
    fn keep_partial(&mut self, bytes: &[u8]) {
        let room = ansi::MAX_LINE_BYTES.saturating_sub(self.partial.len());
        self.partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Complete lines (`body` ends with `\n`). While nothing is open, the
    /// scanner jumps from one line that may matter to the next ([`Jump`]),
    /// and only counts the lines between: this is what keeps it near memory
    /// speed. A line it stops at is tested exactly by `physical`.
    fn lines(&mut self, body: &[u8], out: &mut Vec<Event>) {
        let mut jump = Jump::default();
        let mut at = 0;
        while at < body.len() {
            let busy =
                self.open.is_some() || !self.held.is_empty() || self.asm.is_pending() || self.asm.columns.is_some();
            let start = if busy {
                at
            } else {
                match jump.next_line(body, at, self.user.as_deref()) {
                    Some(start) => start,
                    None => {
                        self.skip(&body[at..]);
                        return;
                    }
                }
            };
            self.skip(&body[at..start]);
            let nl = memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |i| start + i);
            self.physical(&body[start..nl], out);
            at = nl + 1;
        }
    }

    /// Lines that cannot matter: count them, and keep the last ones as
    /// possible context.
    fn skip(&mut self, region: &[u8]) {
        if region.is_empty() {
            return;
        }
        let n = u32::try_from(bytecount::count(region, b'\n')).unwrap_or(u32::MAX);
        let keep = (n as usize).min(CONTEXT_BEFORE + candidate::MAX_LINES);
        let mut starts = Vec::with_capacity(keep);
        let mut end = region.len() - 1; // the final `\n`
        for _ in 0..keep {
            let start = memchr::memrchr(b'\n', &region[..end]).map_or(0, |i| i + 1);
            starts.push((start, end));
            if start == 0 {
                break;
            }
            end = start - 1;
        }
        let first = self.line_no.saturating_add(n).min(LAST_LINE) - starts.len() as u32;
        for (i, &(a, b)) in starts.iter().rev().enumerate() {
            let line = &region[a..b];
            self.recent.push(first + i as u32, line.strip_suffix(b"\r").unwrap_or(line), None);
        }
        self.line_no = self.line_no.saturating_add(n).min(LAST_LINE);
    }

    /// End of input: complete everything and append the remaining events.
    pub fn finish(mut self, out: &mut Vec<Event>) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.physical(&line, out);
        }
        let mut lines = Vec::new();
        self.asm.finish(&mut lines);
        for l in lines {
            self.logical(l, out);
        }
        if let Some(c) = self.open.take() {
            let done = c.finish();
            self.complete(done, out);
        }
        for h in std::mem::take(&mut self.held) {
            resolve(h, out);
        }
    }

    /// What is settled now in a live document (a terminal that keeps
    /// printing): printings waiting for evidence or for a possible hint line
    /// are complete, but the partial last line, a row that may continue and
    /// a body still open are not — more of them is on its way.
    pub fn pending_live(&self) -> Vec<Event> {
        let mut s = self.clone();
        s.partial.clear();
        s.asm.discard_pending();
        let mut out = Vec::new();
        if let Some(c) = s.open.take() {
            if c.awaiting_hint() {
                let done = c.finish();
                s.complete(done, &mut out);
            }
        }
        for h in std::mem::take(&mut s.held) {
            resolve(h, &mut out);
        }
        out
    }

    fn physical(&mut self, line: &[u8], out: &mut Vec<Event>) {
        let number = self.line_no;
        self.line_no = (self.line_no + 1).min(LAST_LINE);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = &line[..line.len().min(ansi::MAX_LINE_BYTES)];
        if self.skippable(line) {
            self.recent.push(number, line, None);
            return;
        }
        let norms = ansi::normalise(line);
        // The context of a later printing reads this line's text: keep it
        // rather than normalise the line again.
        self.recent.push(number, line, Some(join_rows(norms.iter().map(|r| r.text.as_str()))));
        let raw: Arc<[u8]> = Arc::from(line);
        let mut logicals = Vec::new();
        for norm in norms {
            let row = Arc::new(Row { number, raw: raw.clone(), norm });
            self.asm.push(row, &mut logicals);
        }
        for l in logicals {
            self.logical(l, out);
        }
    }

    /// The hot path: a line with nothing a recogniser could start on, while
    /// nothing is open, needs no further work. One automaton pass decides.
    fn skippable(&self, line: &[u8]) -> bool {
        if self.open.is_some() || !self.held.is_empty() || self.asm.is_pending() {
            return false;
        }
        if self.asm.columns.is_some_and(|c| line.len() >= c) {
            return false;
        }
        !anchors::may_match_raw(line)
            && !anchors::opens_body_raw(line)
            && !self.user.as_ref().is_some_and(|u| u.is_match(line))
    }

    fn logical(&mut self, line: Logical, out: &mut Vec<Event>) {
        let mut pending = Some(line);
        if let Some(open) = self.open.take() {
            let l = pending.as_ref().expect("line present");
            match open.feed(l) {
                Step::More(c) => {
                    self.open = Some(c);
                    pending = None;
                }
                Step::Done(done, consumed) => {
                    self.complete(done, out);
                    if consumed {
                        pending = None;
                    }
                }
            }
        }
        let Some(line) = pending else {
            return;
        };
        self.after_context(&line, out);
        if anchors::may_match(&line.text) || self.user.as_ref().is_some_and(|u| u.is_match(line.text.as_bytes())) {
            self.recognise(&line, out);
        } else if anchors::opens_body(&line.text) {
            self.bare_envelope(&line, out);
        }
    }

    /// Give a line to the events waiting for evidence after them.
    fn after_context(&mut self, line: &Logical, out: &mut Vec<Event>) {
        if self.held.is_empty() {
            return;
        }
        let signal = attribution::signal(&line.text);
        let context = self.context.as_ref().is_some_and(|c| c.is_match(&line.text));
        let request_id = event::dumped_request_id(&line.text);
        let mut still = Vec::new();
        self.work += self.held.len() as u64;
        for mut h in std::mem::take(&mut self.held) {
            h.after += 1;
            let distance = line.first_line().saturating_sub(h.event.end.line);
            if let Some(s) = signal {
                if h.evidence.is_none_or(|(d, _)| distance < d) {
                    h.evidence = Some((distance, s));
                }
            }
            if context {
                h.event
                    .context
                    .push(ContextLine { line: line.first_line(), text: redact::redact(line.text.trim()).into_owned() });
            }
            if h.event.request_id.is_none() {
                h.event.request_id.clone_from(&request_id);
            }
            if h.after >= CONTEXT_AFTER {
                resolve(h, out);
            } else {
                still.push(h);
            }
        }
        self.held = still;
    }

    fn recognise(&mut self, line: &Logical, out: &mut Vec<Event>) {
        let mut inner = event::string_documents(line);
        // A fixed text that is the message of an error body on this line is
        // that body's: the body is read whole (its type, its request id).
        if inner.iter().any(|d| d.only_texts) {
            if let Some(b) = event::bare_body_start(&line.text) {
                inner.retain(|d| !(d.only_texts && d.span.0 > b));
            }
        }
        let covered = self.docs(line, &inner, out);
        let mut found = anchors::find(&line.text);
        if let Some(u) = &self.user {
            user_anchors::merge(&mut found, u.find(&line.text));
        }
        let found: Vec<_> = found
            .into_iter()
            .filter(|a| !covered.iter().any(|&(s, e)| (s..e).contains(&a.start) || (s..=e).contains(&a.body)))
            .collect();
        // A fixed text inside an error body is the body's message: read the
        // body (its type, its request id), not the text alone.
        let only_texts = !found.is_empty() && found.iter().all(|a| a.fixed.is_some());
        let body_first =
            only_texts && covered.is_empty() && event::bare_body_start(&line.text).is_some_and(|b| b <= found[0].start);
        if (found.is_empty() && covered.is_empty()) || body_first {
            self.bare_envelope(line, out);
            return;
        }
        for (i, a) in found.iter().enumerate() {
            let limit = found.get(i + 1).map_or(line.text.len(), |n| n.start);
            let last = i + 1 == found.len();
            match candidate::start(line, a.clone(), limit, last) {
                Step::Done(done, _) => self.complete(done, out),
                Step::More(c) => self.open = Some(c),
            }
        }
    }

    /// The string documents of a line, read for printings (`recognise`
    /// without the line's own anchors).
    fn string_docs(&mut self, line: &Logical, out: &mut Vec<Event>) {
        let inner = event::string_documents(line);
        self.docs(line, &inner, out);
    }

    /// Read each string document for printings; the spans they cover.
    fn docs(&mut self, line: &Logical, inner: &[event::StringDoc], out: &mut Vec<Event>) -> Vec<(usize, usize)> {
        let mut covered: Vec<(usize, usize)> = Vec::new();
        let record = if inner.is_empty() { None } else { event::record_fields(&line.text) };
        for doc in inner {
            covered.push(doc.span);
            for (n, (sub, found)) in doc.lines.iter().zip(&doc.anchors).enumerate() {
                for (i, a) in found.iter().enumerate() {
                    let limit = found.get(i + 1).map_or(sub.text.len(), |n| n.start);
                    if let Step::Done(mut done, _) = candidate::start(sub, a.clone(), limit, false) {
                        done.anchor.strong |= record.as_ref().is_some_and(|r| r.claude_code);
                        if let Some(mut ev) = self.event(done, record.as_ref()) {
                            if ev.event.status_inferred {
                                // Numbered by their place in the string: a
                                // header there is no line of the document.
                                let above = doc.lines[..n].iter().enumerate().rev().map(|(k, l)| (k as u32, &*l.text));
                                ev.event.status_inferred = !status_above(n as u32, ev.event.status, above).0;
                            }
                            // The stack stored in the same string (`Error: 400
                            // {…}\n    at generate (…/src/entrypoints/cli.js…)`)
                            // names the program that printed it.
                            if producers::renamable(&ev.event) {
                                if let Some(p) =
                                    doc.lines[n + 1..].iter().take(4).find_map(|l| producers::signed(&l.text))
                                {
                                    ev.event.producer = p;
                                }
                            }
                            self.emit(ev, out);
                        }
                    }
                }
            }
        }
        covered
    }

    /// A JSON body on a line of its own (or opening a pretty-printed one):
    /// a log field, an SSE `data:` line, `curl | jq` output.
    fn bare_envelope(&mut self, line: &Logical, out: &mut Vec<Event>) {
        let Some(start) = event::bare_body_start(&line.text) else {
            return;
        };
        let mut a = anchors::Anchor::bare(start);
        a.producer = Producer::Unknown;
        // A body alone at a line's start, after a line that leads into it
        // (`Error: Failed to load usage data:`, `Unexpected error: …
        // AnthropicException -`): the printing starts with that line.
        if line.text[..start].trim().is_empty() {
            let first = line.first_line();
            a.led = self
                .recent
                .before(first)
                .next_back()
                .is_some_and(|l| l.number + 1 == first && LEADS_INTO_BODY.is_match(l.text()));
        }
        match candidate::start(line, a, line.text.len(), true) {
            Step::Done(done, _) => self.complete(done, out),
            Step::More(c) => self.open = Some(c),
        }
    }

    fn complete(&mut self, done: Complete, out: &mut Vec<Event>) {
        // A pretty-printed object that is no error itself (a structured log
        // record) may hold one escaped in a member's string (`"error": "…
        // 404 Not Found\nBody:\n{\"type\":\"error\",…}"`).
        let record =
            (done.anchor.producer == Producer::Unknown && done.text.text.contains("\\\"")).then(|| done.text.clone());
        if let Some(ev) = self.event(done, None) {
            self.emit(ev, out);
        } else if let Some(text) = record {
            let mut at = 0;
            for piece in text.text.split('\n') {
                let line = text.slice(at, at + piece.len());
                at += piece.len() + 1;
                if piece.contains("\\\"") && anchors::may_match(piece) {
                    self.string_docs(&line, out);
                }
            }
        }
    }

    /// Turn a complete printing into an event; `None` when it is not an
    /// error we report (someone else's, or no error at all).
    fn event(&mut self, done: Complete, record: Option<&event::Record>) -> Option<event::Built> {
        let led = done.anchor.led;
        let screen = done.anchor.kind == anchors::BodyKind::Screen;
        let event::Built { event: mut ev, proof } = event::build(done, record)?;
        // The line that leads into a body is the printing's, and so is a
        // signature on it (`Error: Failed to load usage data:`).
        let own_start = ev.start.line;
        if led && ev.start.line > 0 {
            ev.start = Pos { line: ev.start.line - 1, character: 0, column: 0, byte: 0 };
        }
        // The connection screen starts with its heading, a blank line or
        // two above the check's result.
        if screen {
            self.work += SCREEN_ABOVE as u64;
            let heading = &texts::TEXTS.screen.heading;
            for l in self.recent.before(own_start).rev().take(SCREEN_ABOVE) {
                let number = l.number;
                let text = l.text();
                if text.contains(heading.as_str()) {
                    ev.start = Pos { line: number, character: 0, column: 0, byte: 0 };
                }
                if !text.trim().is_empty() {
                    break;
                }
            }
        }
        // Each look at the lines before walks the ring once.
        let ring = self.recent.lines.len() as u64;
        // A wrapper's signature in the printing's own lines named it (the
        // event builder); else the nearest line before it that has one (a
        // traceback frame, a logger name).
        if producers::renamable(&ev) {
            self.work += ring;
            if let Some(p) = self.recent.before(own_start).rev().find_map(RecentLine::producer) {
                ev.producer = p;
            }
        }
        // A status inferred from the error type that a line just above
        // shows (`Status Code: 403` over a pasted body, `404 Not Found`
        // before `Body:`): shown after all.
        // When that line belongs to a report's header (`Model: …`,
        // `Provider: …`, `Status Code: 403`, as Continue shows an error),
        // the printing starts with the header.
        if ev.status_inferred {
            let above = self.recent.before(ev.start.line).rev().map(|l| (l.number, l.text()));
            let (shown, header) = status_above(ev.start.line, ev.status, above);
            if shown {
                ev.status_inferred = false;
            }
            if let Some(line) = header {
                ev.start = Pos { line, character: 0, column: 0, byte: 0 };
            }
        }
        if let Some(set) = &self.context {
            self.work += ring;
            for l in self.recent.before(ev.start.line) {
                if l.context(set) {
                    let text = redact::redact(l.text().trim()).into_owned();
                    ev.context.push(ContextLine { line: l.number, text });
                }
            }
        }
        Some(event::Built { event: ev, proof })
    }

    fn emit(&mut self, built: event::Built, out: &mut Vec<Event>) {
        let event::Built { event: ev, proof } = built;
        if proof == event::Proof::Anthropic {
            out.push(ev);
            return;
        }
        // Evidence before it: the nearest line that says whose it is.
        self.work += self.recent.lines.len() as u64;
        let evidence =
            self.recent.before(ev.start.line).rev().find_map(|l| l.signal().map(|s| (ev.start.line - l.number, s)));
        self.held.push(Held { event: ev, evidence, after: 0 });
    }
}

fn resolve(h: Held, out: &mut Vec<Event>) {
    if let Some((_, Signal::Anthropic)) = h.evidence {
        out.push(h.event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line starts a search stops at, going on after each line.
    fn stops(body: &[u8], mut next: impl FnMut(&[u8], usize) -> Option<usize>) -> Vec<usize> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < body.len() {
            let Some(start) = next(body, at) else { break };
            found.push(start);
            at = memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |i| start + i + 1);
        }
        found
    }

    /// Every line the exact hot-path search stops at, the jump stops at
    /// too: on every fixture, and on lines built to put each literal, mark,
    /// control byte and opener at a line's start, middle and end.
    #[test]
    fn the_jump_stops_at_every_line_the_hot_path_would() {
        let mut bodies: Vec<Vec<u8>> = crate::fixture_files();
        for bytes in &mut bodies {
            bytes.push(b'\n');
        }
        assert!(bodies.len() > 300, "the fixtures were read: {}", bodies.len());
        let mut pieces: Vec<String> = anchors::hot_literals().map(str::to_owned).collect();
        pieces.extend(
            ["\x1b[31m", "\x08", "{", "[", "[{", " {", "\t[", "  [{\r", "{\r", "x {", "{x", "[{x"].map(String::from),
        );
        let mut built = Vec::new();
        for p in &pieces {
            for (before, after) in [("", ""), ("quiet words ", ""), ("", " and more"), ("a ", " b")] {
                built.extend_from_slice(format!("ordinary line\n{before}{p}{after}\n").as_bytes());
            }
        }
        bodies.push(built);
        let mut stopped = 0;
        for body in &bodies {
            // The lines `Scanner::skippable` keeps (as `physical` gives them).
            let mut exact = Vec::new();
            let mut start = 0;
            for line in body.split_inclusive(|&b| b == b'\n') {
                let text = line.strip_suffix(b"\n").unwrap_or(line);
                let text = text.strip_suffix(b"\r").unwrap_or(text);
                let text = &text[..text.len().min(ansi::MAX_LINE_BYTES)];
                if anchors::may_match_raw(text) || anchors::opens_body_raw(text) {
                    exact.push(start);
                }
                start += line.len();
            }
            let mut jump = Jump::default();
            let fast = stops(body, |b, at| jump.next_line(b, at, None));
            let missed: Vec<_> = exact.iter().filter(|s| !fast.contains(s)).collect();
            assert!(
                missed.is_empty(),
                "missed lines at {missed:?} of {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            );
            stopped += exact.len();
        }
        assert!(stopped > 1000, "{stopped}");
    }
}
