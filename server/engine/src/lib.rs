//! errsig: recognise Anthropic API errors where they show up — terminals, CI
//! logs, server logs — explain them and offer fixes.
//!
//! The crate is layered, and data flows one way:
//!
//! - [`scan`]: the detection engine. Bytes in, [`scan::Event`]s out; no I/O.
//! - [`rules`]: the rule catalog (TOML data) that names each event and says
//!   what it means, why it happens and how to fix it; no I/O either.
//! - [`Engine`] joins the two: a push-based scanner that yields [`Finding`]s.
//! - the faces (`errsig scan`, and later the language server and the doctor)
//!   sit on top and are the only parts that read files or talk to anyone.
#![warn(missing_docs)]
// The invariants ARCHITECTURE.md lists, kept by the compiler: no unsafe code
// at all, and no I/O outside the tests (clippy.toml names the std::fs,
// std::path, std::env, std::process and std::net items; the tests read
// fixtures), nor printing.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::disallowed_methods, clippy::disallowed_types))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod explain;
pub mod project;
pub mod report;
pub mod rules;
pub mod scan;
pub mod schemas;

pub use project::Project;
use rules::{Catalog, Rule, Severity};
use scan::{Event, ScanConfig, Scanner};
use std::collections::VecDeque;
use std::sync::Arc;

/// An event named by a rule.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What was seen.
    pub event: Event,
    /// The rule it matched.
    pub rule: Arc<Rule>,
    /// Its severity (the rule's, unless configuration overrides it).
    pub severity: Severity,
}

/// How close (in lines) printings of the same status must be to count as
/// one failed request: the chained exceptions of one traceback, the log line
/// httpx wrote about the request (a Python traceback between them can be
/// 40 lines long), a retry.
pub const GROUP_LINES: u32 = 48;

/// The push-based scanner with its catalog: feed bytes, get findings.
///
/// One error, one diagnosis: printings of one failed request (the same
/// status within [`GROUP_LINES`] of each other, whatever their ids) are
/// named by the most specific rule any of them matched — a `403 Forbidden`
/// status line next to a `permission_error` body is that permission error,
/// not "a proxy refused it". So a generic finding is held back until the
/// scanner is [`GROUP_LINES`] past it (and a little more, see
/// `RELEASE_LINES`), and the findings after it wait behind it: findings come
/// out in the order the scanner completed them whatever the chunks fed, so
/// a piped log lists them as the same file read whole does.
#[derive(Debug, Clone)]
pub struct Engine {
    scanner: Scanner,
    catalog: Arc<Catalog>,
    /// Findings not yet emitted, in the order the scanner completed them.
    /// Generic ones wait here to be named (a specific printing of the same
    /// failure may still name them), and every finding after a waiting one
    /// waits behind it: emitting a later finding first would make the order
    /// out depend on where the input's chunks ended (a fuzz finding,
    /// `server/fuzz/findings/chunking-order-differs-by-chunk`).
    held: VecDeque<Held>,
    /// Specific findings released lately (what of their events names a
    /// repeat, and their rules), to name the generic repeats that follow
    /// them.
    recent: Vec<(Failure, Arc<Rule>)>,
}

/// What of an event says which failed request it printed
/// ([`same_failure`]): kept instead of a copy of the event, so that a file
/// full of errors does not copy each one.
#[derive(Debug, Clone, Copy)]
struct Failure {
    status: Option<u16>,
    start: u32,
    end: u32,
}

impl Failure {
    fn of(e: &Event) -> Self {
        Failure { status: e.status, start: e.start.line, end: e.end.line }
    }
}

impl Engine {
    /// An engine for a document of unknown or known terminal width.
    pub fn new(catalog: Arc<Catalog>, columns: Option<usize>) -> Self {
        Engine::starting_at(catalog, columns, 0)
    }

    /// An engine whose first line is numbered `first_line`.
    pub fn starting_at(catalog: Arc<Catalog>, columns: Option<usize>, first_line: u32) -> Self {
        let config =
            ScanConfig { columns, context: Some(catalog.context_set()), first_line, anchors: catalog.user_anchors() };
        Engine { scanner: Scanner::new(config), catalog, held: VecDeque::new(), recent: Vec::new() }
    }

    /// The catalog the engine names findings with.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Feed a chunk; returns the findings completed by it.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Finding> {
        let mut events = Vec::new();
        self.scanner.feed(chunk, &mut events);
        let named = self.name(events);
        self.hold(named);
        self.release(Some(self.scanner.line()))
    }

    /// Complete lines in which [`scan::first_kept_line`] found nothing:
    /// skipped as feeding them would read them, without searching them
    /// again. The findings this releases, or `None` when the scanner is not
    /// idle (something open, held or being joined), and the lines must be
    /// fed instead.
    pub fn skip_quiet(&mut self, lines: &[u8]) -> Option<Vec<Finding>> {
        if !self.scanner.skip_quiet(lines) {
            return None;
        }
        Some(self.release(Some(self.scanner.line())))
    }

    /// End of input: the remaining findings.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut events = Vec::new();
        let scanner = self.scanner.clone();
        scanner.finish(&mut events);
        let named = self.name(events);
        self.hold(named);
        self.release(None)
    }

    /// The findings `finish` would add now, without ending the input.
    pub fn pending(&self) -> Vec<Finding> {
        self.clone().finish()
    }

    /// The findings settled now in a live document (a terminal that keeps
    /// printing): printings waiting for evidence or for a possible hint line
    /// are complete, but the partial last line, a row that may continue and
    /// a body still open are not. Held ones included.
    pub fn pending_live(&self) -> Vec<Finding> {
        let mut e = self.clone();
        let live = e.name(e.scanner.pending_live());
        e.hold(live);
        e.release(None)
    }

    /// Specific findings are final at once (and are remembered a while, to
    /// name their repeats); generic ones (a status line, an HTTP log line, a
    /// bare `403 Forbidden`) wait, and take the name of the specific printing
    /// of the same failure nearby, before or after them. Everything joins
    /// the queue in the scanner's order; [`Engine::release`] lets it out.
    fn hold(&mut self, named: Vec<Finding>) {
        let mut generics = false;
        for f in named {
            if generic(&f.event) {
                generics = true;
            } else {
                self.recent.push((Failure::of(&f.event), f.rule.clone()));
            }
            self.held.push_back(Held { finding: f, by_specific: false });
        }
        // Only generic printings are renamed: without one held, nothing is.
        if !generics && !self.held.iter().any(|h| generic(&h.finding.event)) {
            return;
        }
        // Generic printings of one failure name each other too (an HTML
        // page's gateway name over a bare status line): the highest name
        // among all printings of it wins. Closeness chains (A near B, B near
        // C), so names are passed on until nothing changes. Names are ranked
        // in a total order (`Name`) and only rise, so the end is the highest
        // name of each chain whatever order its printings arrived in, that
        // is wherever the input's chunks ended (fuzz findings in
        // `server/fuzz/findings/`: one pass over the held printings, ties
        // kept by whoever held them first). The bound is a guard.
        for _ in 0..=self.held.len() {
            let held: Vec<(Failure, Name)> = self
                .held
                .iter()
                .filter(|h| generic(&h.finding.event))
                .map(|h| (Failure::of(&h.finding.event), h.name()))
                .collect();
            let mut changed = false;
            for h in self.held.iter_mut().filter(|h| generic(&h.finding.event)) {
                let this = Failure::of(&h.finding.event);
                let specific =
                    self.recent.iter().filter(|(e, _)| same_failure(&this, e)).map(|(_, r)| Name::given(r, true));
                let generics = held.iter().filter(|(e, _)| same_failure(&this, e)).map(|(_, n)| n.clone());
                let Some(best) = specific.chain(generics).max() else { continue };
                if best > h.name() {
                    changed = true;
                    h.finding.severity = best.rule.severity;
                    h.finding.rule = best.rule;
                    h.by_specific = best.by_specific;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The queue's front up to the first generic finding the scanner is not
    /// yet far enough past for every close repeat to have been emitted (all
    /// of it, at the end): findings leave in the order the scanner completed
    /// them, whatever the chunks, and none waits more than [`RELEASE_LINES`]
    /// past the end of a generic one before it. Specific findings no new
    /// finding can be close to are forgotten.
    fn release(&mut self, line: Option<u32>) -> Vec<Finding> {
        // Past `LAST_LINE` numbers no longer tell distances: release at once.
        let past = |end: u32| line.is_none_or(|l| l >= scan::LAST_LINE || end.saturating_add(RELEASE_LINES) < l);
        let waiting = self
            .held
            .iter()
            .position(|h| generic(&h.finding.event) && !past(h.finding.event.end.line))
            .unwrap_or(self.held.len());
        let out = self.held.drain(..waiting).map(|h| h.finding).collect();
        self.recent.retain(|(e, _)| !past(e.end));
        out
    }

    /// The line the engine reads next (0-based).
    pub fn line(&self) -> u32 {
        self.scanner.line()
    }

    /// Bytes fed so far: what re-scanning cost.
    pub fn bytes_scanned(&self) -> u64 {
        self.scanner.bytes_scanned()
    }

    /// Steps of evidence and context work done so far: at most a constant
    /// per line and per event, whatever the input.
    pub fn evidence_work(&self) -> u64 {
        self.scanner.evidence_work()
    }

    /// Bytes of input text the scanner holds right now (the partial line,
    /// the row being assembled, the open printing, the events waiting for
    /// evidence, the recent lines kept as context): bounded whatever the
    /// input.
    pub fn retained_bytes(&self) -> usize {
        self.scanner.retained_bytes()
    }

    /// Whether the engine sits at a line boundary: a clone taken here is a
    /// valid checkpoint to resume from.
    pub fn at_line_start(&self) -> bool {
        self.scanner.at_line_start()
    }

    /// Set the terminal width for rows still to come.
    pub fn set_columns(&mut self, columns: Option<usize>) {
        self.scanner.set_columns(columns);
    }

    fn name(&self, events: Vec<Event>) -> Vec<Finding> {
        name_with(&self.catalog, events)
    }
}

/// How far back the engine's state reaches, in lines: the scanner's
/// ([`scan::HISTORY_LINES`]) and the findings held back to be named with
/// their repeats. A document that drops lines from its top re-scans this
/// many lines after the new top.
pub const HISTORY_LINES: usize = scan::HISTORY_LINES + RELEASE_LINES as usize + GROUP_LINES as usize;

/// A repeat within [`GROUP_LINES`] of a finding's end starts at most that far
/// on, spans at most `candidate::MAX_LINES` and is emitted at most
/// `CONTEXT_AFTER` lines after it ends: past that, a finding's name is final.
const RELEASE_LINES: u32 = GROUP_LINES + scan::candidate::MAX_LINES as u32 + scan::CONTEXT_AFTER as u32 + 1;

/// A finding waiting in the queue, with where its name came from.
#[derive(Debug, Clone)]
struct Held {
    finding: Finding,
    /// Whether a specific printing of the same failure gave it its name.
    by_specific: bool,
}

impl Held {
    fn name(&self) -> Name {
        Name::given(&self.finding.rule, self.by_specific)
    }
}

/// A name printings of one failure pass on, in the order they rank: the
/// rule's priority; at equal priority a name a specific printing gave over
/// one a generic printing has (the `permission_error` body names the bare
/// status line, not the gateway page next to it); then the rule's id, so
/// that the order is total and passing on the highest name ends the same
/// way whatever order the printings came in.
#[derive(Debug, Clone)]
struct Name {
    rule: Arc<Rule>,
    by_specific: bool,
}

impl Name {
    fn given(rule: &Arc<Rule>, by_specific: bool) -> Self {
        Name { rule: rule.clone(), by_specific }
    }

    fn key(&self) -> (i32, bool, &str) {
        (self.rule.priority, self.by_specific, &self.rule.id)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Whether `b` starts within [`GROUP_LINES`] of where `a` ends (either order).
fn close(a: &Failure, b: &Failure) -> bool {
    let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
    second.start.saturating_sub(first.end) <= GROUP_LINES
}

/// A printing that says only that a request failed with a status (a status
/// line, an HTTP log line, a bare `403 Forbidden`, an empty body): the
/// specific printing of the same failure names it. One with an error type is
/// specific: counting it generic would let generics name each other, and
/// which ones are held together depends on the chunks (the fuzzer's
/// `chunking-generic-with-a-type`).
fn generic(e: &Event) -> bool {
    e.error_type.is_none()
        && (e.message.is_none() || e.producer == scan::Producer::Http || e.platform == scan::Platform::Gateway)
}

/// Whether two events are printings of one failed request: the same status,
/// close together. Retries carry ids of their own, so closeness joins
/// printings whatever their ids; and an equal id does not join printings
/// farther apart: a generic printing is let out [`RELEASE_LINES`] after it
/// ends and a specific one forgotten as soon, so a name would reach that
/// far only when both came in one read — a file and the same bytes piped
/// would name them differently.
fn same_failure(x: &Failure, y: &Failure) -> bool {
    x.status == y.status && close(x, y)
}

fn name_with(catalog: &Catalog, events: Vec<Event>) -> Vec<Finding> {
    events
        .into_iter()
        .filter_map(|event| {
            let rule = catalog.best(&event)?.clone();
            Some(Finding { severity: rule.severity, event, rule })
        })
        .collect()
}

/// Scan a whole text at once.
pub fn scan_bytes(catalog: Arc<Catalog>, columns: Option<usize>, bytes: &[u8]) -> Vec<Finding> {
    let mut e = Engine::new(catalog, columns);
    let mut out = e.feed(bytes);
    out.extend(e.finish());
    out
}

/// Guess the terminal width of a captured transcript from a sample of it:
/// the width of a full-width rule (`────`) when there is one; else the widest
/// row width, but only with evidence of real wrapping — at least two rows of
/// that width, with different text, each followed by a row that does not
/// start a printing of its own. Repeated log lines of equal width (the same
/// error retried) are not wrapping.
pub fn infer_columns(sample: &[u8]) -> Option<usize> {
    let mut rows: Vec<(usize, std::borrow::Cow<'_, str>)> = Vec::new();
    for line in sample.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // Every file opened is sampled: its plain lines are borrowed, not
        // copied (BENCHMARKS.md, "Left").
        let rule = |width: usize, text: &str| width >= 20 && text.chars().all(|c| matches!(c, '─' | '━' | '═'));
        match plain_row(line) {
            Some((text, width)) => {
                if rule(width, text) {
                    return Some(width);
                }
                rows.push((width, std::borrow::Cow::Borrowed(text)));
            }
            None => {
                for row in scan::ansi::normalise(line) {
                    if rule(row.width, &row.text) {
                        return Some(row.width);
                    }
                    rows.push((row.width, std::borrow::Cow::Owned(row.text)));
                }
            }
        }
    }
    let max = rows.iter().map(|r| r.0).max().filter(|&m| m >= 20)?;
    let at_max = rows.iter().filter(|r| r.0 == max).count();
    if at_max * 2 >= rows.len() {
        return None; // a fixed-width log, not a wrapped transcript
    }
    let mut wrapped: Vec<&str> = rows
        .windows(2)
        .filter(|w| w[0].0 == max && !w[1].1.is_empty() && !scan::anchors::starts_printing(&w[1].1))
        .map(|w| w[0].1.as_ref())
        .collect();
    wrapped.sort_unstable();
    wrapped.dedup();
    (wrapped.len() >= 2).then_some(max)
}

/// The one row `scan::ansi::normalise` makes of a line with nothing for a
/// terminal to interpret (its fast path, the same test): the text without
/// trailing spaces, borrowed, and its width.
fn plain_row(line: &[u8]) -> Option<(&str, usize)> {
    let line = &line[..line.len().min(scan::ansi::MAX_LINE_BYTES)];
    if line.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?.trim_end_matches(' ');
    let width = if text.is_ascii() { text.len() } else { unicode_width::UnicodeWidthStr::width(text) };
    Some((text, width))
}

/// Every file under `tests/fixtures/`, read whole: the engine's unit tests
/// check their properties on all the real text the repository holds.
#[cfg(test)]
pub(crate) fn fixture_files() -> Vec<Vec<u8>> {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(fixtures)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files.push(bytes);
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plain_row` is `normalise`'s answer wherever it answers: on every
    /// line of every fixture.
    #[test]
    fn plain_rows_are_what_normalise_makes_of_them() {
        let (mut plain, mut other) = (0, 0);
        for bytes in fixture_files() {
            for line in bytes.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let rows = scan::ansi::normalise(line);
                match plain_row(line) {
                    Some((text, width)) => {
                        plain += 1;
                        assert_eq!(rows.len(), 1, "{}", String::from_utf8_lossy(line));
                        assert_eq!((rows[0].text.as_str(), rows[0].width), (text, width));
                    }
                    None => other += 1,
                }
            }
        }
        assert!(plain > 10_000 && other > 100, "{plain} plain, {other} other lines");
    }

    #[test]
    fn columns_are_inferred_from_wrapping_not_from_repeated_lines() {
        let err = "Failed to authenticate. API Error: 403 Permission denied";
        let retried = format!("$ claude -p hi\n{err}\n$ claude -p hi again\n{err}\nexit status 1\n");
        assert_eq!(infer_columns(retried.as_bytes()), None);
        let numbered: String =
            (0..40).map(|i| format!("API Error: Repeated 529 Overloaded errors. attempt {i:02}\n")).collect();
        assert_eq!(infer_columns(numbered.as_bytes()), None);
        // A Neovim terminal 40 columns wide: two long lines hard-wrapped.
        let rows = "$ claude -p hello\nFailed to authenticate. API Error: 403 P\nermission denied\n$ cat notes.txt\nthe quick brown fox jumped over the lazy\ndog\n$ ";
        assert_eq!(infer_columns(rows.as_bytes()), Some(40));
        assert_eq!(infer_columns("a\n────────────────────────────────────────\n".as_bytes()), Some(40));
    }

    /// A name reaches as far whatever the reads: a generic printing (curl's
    /// headers of a 403, with a request id) and the specific printing of
    /// the same id 300 lines on were joined when both came in one read (a
    /// file) and not when piped in small writes. Now neither joins them.
    #[test]
    fn a_name_reaches_as_far_in_one_read_as_in_many() {
        let quiet: String = (0..300).map(|i| format!("2026-11-28T10:00:00Z INFO worker: job {i} done\n")).collect();
        let id = "req_011CSHmzpnGHTh7ZxBa1cFA2";
        let generic = format!("< HTTP/1.1 403 Forbidden\n< request-id: {id}\n< content-length: 0\n<\n");
        let specific = format!(
            "API Error: 403 {{\"type\":\"error\",\"error\":{{\"type\":\"permission_error\",\"message\":\"Permission denied\"}},\"request_id\":\"{id}\"}}\n"
        );
        let catalog = Arc::new(Catalog::builtin());
        let names = |found: &[Finding]| -> Vec<(u32, String)> {
            found.iter().map(|f| (f.event.start.line, f.rule.id.clone())).collect()
        };
        for near in [false, true] {
            let gap = if near { &quiet[..quiet.len() / 10] } else { &quiet[..] };
            let doc = format!("$ curl -v https://api.anthropic.com/v1/messages\n{generic}{gap}{specific}done\n");
            let whole = scan_bytes(catalog.clone(), None, doc.as_bytes());
            let mut e = Engine::new(catalog.clone(), None);
            let mut piped = Vec::new();
            for piece in doc.as_bytes().chunks(50) {
                piped.extend(e.feed(piece));
            }
            piped.extend(e.finish());
            assert_eq!(names(&piped), names(&whole), "near: {near}");
            assert_eq!(whole.len(), 2, "{:?}", names(&whole));
            assert_eq!(whole[1].rule.id, "403-permission-denied");
            // Close, the specific printing names the generic one; far, not.
            let want = if near { "403-permission-denied" } else { "403-generic" };
            assert_eq!(whole[0].rule.id, want, "near: {near}: {:?}", names(&whole));
        }
    }

    /// Who printed it, from the printing's own lines (forms from public
    /// threads: anthropics/claude-code 63572, 22450; paul-gauthier/aider
    /// 747; anthropics/claude-quickstarts 229).
    #[test]
    fn the_printer_is_named_from_the_printings_own_lines() {
        let catalog = Arc::new(Catalog::builtin());
        let one = |text: &str| {
            let found = scan_bytes(catalog.clone(), None, text.as_bytes());
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            let e = &found[0].event;
            (e.start.line, e.start.character, e.producer)
        };
        // The API's wording after Claude Code's `API Error: ` under its TUI
        // mark: Claude Code's printing, from the prefix on.
        let tui = "⏺ I'll add lorem ipsum.\n  ⎿  API Error: Output blocked by content filtering policy\n";
        assert_eq!(one(tui), (1, 5, scan::Producer::ClaudeCode));
        // A signature on the line that leads into the body.
        let usage = "Error: Failed to load usage data:\n{\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"OAuth token does not meet scope requirement user:profile\"}}\n";
        assert_eq!(one(usage), (0, 0, scan::Producer::ClaudeCode));
        let litellm = "Unexpected error: litellm.NotFoundError: AnthropicException -\n{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: claude-3.5-sonnet\"}}\n";
        assert_eq!(one(litellm).2, scan::Producer::Litellm);
        // A body alone in Python's repr is the Python SDK's; in JSON, nobody's
        // in particular.
        let repr = "{'type': 'error', 'error': {'type': 'invalid_request_error', 'message': 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'}}\n";
        assert_eq!(one(repr).2, scan::Producer::PythonSdk);
        let json = repr.replace('\'', "\"");
        assert_eq!(one(&json).2, scan::Producer::Unknown);
    }

    /// Claude Code's connection screen is one printing from its heading to
    /// its last advice line, whichever wording of the check's result it shows.
    #[test]
    fn the_connection_screen_is_one_printing() {
        let catalog = Arc::new(Catalog::builtin());
        let screen = |result: &str| {
            format!(
                "$ claude\nUnable to connect to Anthropic services\n\n{result}\n\nCheck your internet connection and network settings.\n\nClaude Code might not be available in your country. Check supported countries at https://anthropic.com/supported-countries\n\n$ echo next\n"
            )
        };
        for (result, status, inferred) in [
            ("Failed to connect to api.anthropic.com: Status 403", 403, false),
            ("Failed to connect to api.anthropic.com: Request failed with status code 403", 403, false),
            ("Failed to connect to api.anthropic.com: ERR_BAD_REQUEST", 403, true),
            ("Failed to connect to api.anthropic.com: ERR_BAD_RESPONSE", 500, true),
        ] {
            let found = scan_bytes(catalog.clone(), None, screen(result).as_bytes());
            assert_eq!(found.len(), 1, "{result}: {found:?}");
            let (e, rule) = (&found[0].event, &found[0].rule.id);
            assert_eq!((e.start.line, e.end.line), (1, 7), "{result}");
            assert_eq!((e.status, e.status_inferred), (Some(status), inferred), "{result}");
            assert_eq!(e.message.as_deref(), Some(result));
            assert_eq!((rule.as_str(), e.producer), ("connection-check-failed", scan::Producer::ClaudeCode));
        }
        // Another program's words after it are not the screen's.
        let alone = "Failed to connect to api.anthropic.com: Status 403\nretrying in 5s\n";
        let found = scan_bytes(catalog.clone(), None, alone.as_bytes());
        assert_eq!((found[0].event.start.line, found[0].event.end.line), (0, 0));
        // Claude Code's login reports the reason alone.
        let login = "OAuth error: Request failed with status code 403\n";
        let found = scan_bytes(catalog, None, login.as_bytes());
        assert_eq!(found[0].event.message.as_deref(), Some("Request failed with status code 403"));
        assert_eq!(found[0].rule.id, "403-generic");
    }

    /// A status beside the API's own error type for it is Anthropic's error,
    /// in prose as in a log message; the type of another status, or one that
    /// other vendors' APIs use too, is not.
    #[test]
    fn a_status_with_its_api_error_type_is_found_in_prose() {
        let catalog = Arc::new(Catalog::builtin());
        let found = |text: &str| {
            scan_bytes(catalog.clone(), None, text.as_bytes())
                .into_iter()
                .map(|f| (f.event.status, f.event.error_type, f.event.message, f.rule.id.clone()))
                .collect::<Vec<_>>()
        };
        let one = |s: u16, t: &str| (Some(s), Some(t.to_owned()), None::<String>);
        let prose = found("Repeated 529 overloaded_error responses over the past several sessions\n");
        assert_eq!(
            prose.iter().map(|f| (f.0, f.1.clone(), f.2.clone())).collect::<Vec<_>>(),
            [one(529, "overloaded_error")]
        );
        let rate = found("the job died with 429 rate_limit_error twice\n");
        assert_eq!((rate.len(), rate[0].3.as_str()), (1, "429-rate-limit"));
        // The message after `: ` is the API's, and names the rule.
        let said = found("403 permission_error: OAuth token does not meet scope requirement user:profile\n");
        assert_eq!(said.len(), 1, "{said:?}");
        assert_eq!(said[0].2.as_deref(), Some("OAuth token does not meet scope requirement user:profile"));
        assert_eq!(said[0].3, "403-oauth-scope");
        for other in ["saw 403 rate_limit_error once\n", "got 400 invalid_request_error\n", "HTTP 500 api_error\n"] {
            assert_eq!(found(other), [], "{other}");
        }
    }

    /// The HTTP client's debug lines about a failed request: the Python
    /// SDK's (the status alone in quotes) and httpcore's trace of the
    /// response, whose headers say whose it is.
    #[test]
    fn http_debug_lines_of_a_failed_request_are_found() {
        let catalog = Arc::new(Catalog::builtin());
        let statuses = |text: &str| {
            scan_bytes(catalog.clone(), None, text.as_bytes())
                .into_iter()
                .map(|f| (f.event.start.line, f.event.status, f.event.producer))
                .collect::<Vec<_>>()
        };
        let sdk = "DEBUG [anthropic._base_client] HTTP Request: POST https://api.anthropic.com/v1/messages \"400 Bad Request\"\n";
        assert_eq!(statuses(sdk), [(0, Some(400), scan::Producer::Http)]);
        let trace = |headers: &str| {
            format!("DEBUG [httpcore.http11] receive_response_headers.complete return_value=(b'HTTP/1.1', 403, b'Forbidden', [(b'Content-Type', b'application/json'){headers}])\n")
        };
        let ours = trace(", (b'anthropic-organization-id', b'REDACTED')");
        assert_eq!(statuses(&ours), [(0, Some(403), scan::Producer::Http)]);
        // Another service's response, nothing nearby naming Anthropic.
        assert_eq!(statuses(&trace(", (b'Server', b'nginx')")), []);
    }

    /// `403 Forbidden` with the body after it on its line (the Go SDK's
    /// error, a client's log) is named by the body; alone it is a gateway's.
    #[test]
    fn a_status_line_with_its_body_is_named_by_the_body() {
        let catalog = Arc::new(Catalog::builtin());
        let one = |text: &str| {
            let found = scan_bytes(catalog.clone(), None, text.as_bytes());
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            (found[0].rule.id.clone(), found[0].event.message.clone(), found[0].event.request_id.clone())
        };
        let go = "POST \"https://api.anthropic.com/v1/messages\": 403 Forbidden {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CQ7qZma6cJxJaT73dZWee\"}\n";
        let (rule, message, id) = one(go);
        assert_eq!((rule.as_str(), message.as_deref()), ("403-permission-denied", Some("Permission denied")));
        assert_eq!(id.as_deref(), Some("req_011CQ7qZma6cJxJaT73dZWee"));
        let log = "error: failed to call model: status 403 Forbidden: {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"}}\n";
        assert_eq!(one(log).0, "403-permission-denied");
        let page = "POST https://api.anthropic.com/v1/messages\n403 Forbidden\n";
        assert_eq!(one(page).0, "403-gateway");
    }

    /// The exceptions of requests and aiohttp about a request to the API
    /// are found by its URL; an app's `error (403): …` by the evidence on
    /// its line. Another service's are not Anthropic's.
    #[test]
    fn http_libraries_and_apps_name_the_status() {
        let catalog = Arc::new(Catalog::builtin());
        let found = |text: &str| {
            scan_bytes(catalog.clone(), None, text.as_bytes())
                .into_iter()
                .map(|f| (f.event.status, f.event.producer, f.event.message))
                .collect::<Vec<_>>()
        };
        let requests = |host: &str| {
            format!("requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://{host}/v1/messages\n")
        };
        assert_eq!(found(&requests("api.anthropic.com")), [(Some(403), scan::Producer::Http, None)]);
        assert_eq!(found(&requests("api.stripe.com").replace("/v1/messages", "/v1/charges")), []);
        let aiohttp = "aiohttp.client_exceptions.ClientResponseError: 429, message='Too Many Requests', url=URL('https://api.anthropic.com/v1/messages')\n";
        assert_eq!(found(aiohttp), [(Some(429), scan::Producer::Http, None)]);
        let app = found("Claude API error (403): Permission denied\n");
        assert_eq!(app, [(Some(403), scan::Producer::Unknown, Some("Permission denied".to_owned()))]);
        assert_eq!(found("Stripe error (403): Forbidden\n"), []);
    }

    /// The model Claude Code names in `API Error (<model>):` says which
    /// platform refused: Bedrock's and Vertex's ids, or the API's own.
    #[test]
    fn the_model_in_claude_codes_error_names_the_platform() {
        let catalog = Arc::new(Catalog::builtin());
        let one = |model: &str, rest: &str| {
            let text = format!("API Error ({model}): 403 {rest}\n");
            let found = scan_bytes(catalog.clone(), None, text.as_bytes());
            assert_eq!(found.len(), 1, "{text}");
            (found[0].event.platform, found[0].rule.id.clone())
        };
        let token = "The security token included in the request is invalid.";
        assert_eq!(
            one("us.anthropic.claude-sonnet-4-20250514-v1:0", token),
            (scan::Platform::Bedrock, "403-bedrock".into())
        );
        let vertex = one("claude-sonnet-4@20250514", "Permission denied on resource project x.");
        assert_eq!(vertex, (scan::Platform::Vertex, "403-vertex".into()));
        let api = one(
            "claude-opus-4-1",
            r#"{"type":"error","error":{"type":"permission_error","message":"Permission denied"}}"#,
        );
        assert_eq!(api, (scan::Platform::Anthropic, "403-permission-denied".into()));
    }

    #[test]
    fn retried_errors_are_each_found_with_their_own_message() {
        let err = "Failed to authenticate. API Error: 403 Permission denied";
        let retried = format!("$ claude -p hi\n{err}\n$ claude -p hi again\n{err}\nexit status 1\n");
        let cols = infer_columns(retried.as_bytes());
        let found = scan_bytes(Arc::new(Catalog::builtin()), cols, retried.as_bytes());
        assert_eq!(found.len(), 2);
        assert!(found
            .iter()
            .all(|f| f.event.message.as_deref() == Some("Permission denied") && f.rule.id == "403-permission-denied"));
    }
}
