//! Reading a printing to its end.
//!
//! An anchor says where a printing starts; its end may be lines later: a
//! pretty-printed JSON body, an HTML page, HTTP headers and then a body, or
//! a ` · Please run /login` hint on the line after an HTML page. A
//! [`Candidate`] is fed the following logical lines until it is complete,
//! and never more than [`MAX_LINES`] lines or [`MAX_BYTES`] bytes, so a
//! finding's size is bounded whatever the input.

use super::anchors::{self, Anchor, BodyKind};
use super::envelope::Bracket;
use super::text::Logical;
use regex::Regex;
use std::sync::LazyLock;

/// The most logical lines one finding may keep the text of (and span,
/// except a property dump).
pub const MAX_LINES: usize = 64;
/// The most logical lines any finding may span: a Node property dump of a
/// retry error holds one dump per attempt (the AI SDK's `RetryError` with
/// its `errors: [...]` and `lastError`). Past [`MAX_LINES`] only the lines
/// that carry its fields are kept, and the last line read.
pub const MAX_SPAN: usize = 160;
/// The most property lines of a dump kept for the event builder.
const MAX_PROPS: usize = 48;
/// The most bytes of one property line kept.
const MAX_PROP: usize = 4096;
/// The most bytes of text one finding may hold.
pub const MAX_BYTES: usize = 64 * 1024;
/// The most rows a wrapped sentence of Claude Code's goes on over.
const MAX_WRAPPED: usize = 3;
/// Curl's progress and connection lines, skipped between headers and body.
const MAX_SKIPPED: usize = 8;
/// Blank lines between two lines of Claude Code's connection screen (its
/// layout puts one between each; a copy may double them).
const MAX_SCREEN_BLANKS: usize = 2;

static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:< )?[A-Za-z0-9][A-Za-z0-9_-]*: ").expect("header pattern"));
/// Lines of a Node stack trace (`    at f (file:1:2)`, `    ... 5 lines
/// matching cause stack trace ...`).
static FRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+(?:at |\.\.\. \d+ (?:more|lines))").expect("frame pattern"));
/// The properties of a dump the event builder reads.
static PROP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*'?(?:statusCode|status|api_error_status|url|responseBody|request-id|requestID|type)'?: ")
        .expect("property pattern")
});
/// The start of a line where Node prints an error: `Error: `, `TypeError: `,
/// `Uncaught Error: `.
static ERROR_HEAD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:Uncaught )?(?:[A-Z]\w*)?Error: ").expect("error head pattern"));
/// An indented member of a pretty-printed object (`  key: value`, `  'key':
/// …`, `  "key": …`).
static MEMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s+(?:[A-Za-z_$][\w$]*|'[^']*'|"[^"]*")\s*: "#).expect("member pattern"));
static CURL_META: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\* |[{}] \[\d+ bytes data\]|> )").expect("curl meta pattern"));

/// What was read as the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Nothing (the anchor says it all, or the body never came).
    None,
    /// Bracketed text: JSON, a Python repr, Node's inspect output.
    Structured(String),
    /// An HTML page.
    Html(String),
    /// Plain text up to the end of the line.
    Text(String),
}

/// A complete printing.
#[derive(Debug, Clone)]
pub struct Complete {
    /// The anchor, with offsets into `text`.
    pub anchor: Anchor,
    /// All the text read, from the anchor's line on.
    pub text: Logical,
    /// Byte offset in `text` where the printing ends.
    pub end: usize,
    /// The body.
    pub body: Body,
    /// Hints joined by ` · ` after the body.
    pub hints: Vec<String>,
    /// HTTP headers (name lowercased, value).
    pub headers: Vec<(String, String)>,
    /// The property lines of a Node dump (`statusCode: 403,`, `url: '…'`,
    /// `responseBody: '…'`), trimmed, in order.
    pub props: Vec<String>,
}

#[derive(Debug, Clone)]
enum State {
    Bracket {
        b: Bracket,
        start: usize,
        widths: Vec<usize>,
        pushed: usize,
    },
    Html {
        start: usize,
    },
    Headers,
    HttpBody {
        skipped: usize,
    },
    AwaitHint,
    /// A one-line printing whose next line belongs to it when it starts
    /// with this (httpx's `For more information check: …`).
    Continued(&'static str),
    /// A sentence a TUI wrapped: indented lines go on with it, at most this
    /// many more.
    Wrapped(usize),
    /// Claude Code's connection screen, after the check's result: its
    /// advice lines, with at most [`MAX_SCREEN_BLANKS`] blank lines between.
    Screen {
        /// Blank lines since the last line of the screen.
        blanks: usize,
    },
    /// A Node dump: stack frames, then (`b` set) the braces of the dump.
    Dump {
        b: Option<Bracket>,
        tail: Option<Logical>,
        /// The printing was complete before it: the dump is read past (so
        /// nothing in it is taken for a printing of its own), not made part of it.
        context: bool,
        /// A bracket the message opened before the frames (the AI SDK's
        /// `Error message: [` and the validation issues after it), read to
        /// its close as part of the message.
        msg: Option<Bracket>,
    },
}

/// A printing still being read.
#[derive(Debug, Clone)]
pub struct Candidate {
    done: Complete,
    state: State,
    lines: usize,
}

/// What feeding a line did.
pub enum Step {
    /// Still reading.
    More(Candidate),
    /// Complete; `consumed` says whether the line fed was part of it (when
    /// not, the caller must examine that line afresh).
    Done(Complete, bool),
}

/// Start reading a printing at `anchor` on `line`; `limit` is where the next
/// anchor on the same line starts. `may_continue` is false where following
/// lines cannot belong to it (inside a JSON string of a log record).
pub fn start(line: &Logical, anchor: Anchor, limit: usize, may_continue: bool) -> Step {
    let mut done = Complete {
        end: line.text.len().min(limit),
        text: line.clone(),
        body: Body::None,
        hints: Vec::new(),
        headers: Vec::new(),
        props: Vec::new(),
        anchor,
    };
    let body_at = done.anchor.body.min(done.end);
    match done.anchor.kind {
        BodyKind::None => start_bodiless(done, body_at, line, limit, may_continue),
        BodyKind::Screen => {
            done.end = body_at.max(done.anchor.start);
            if may_continue {
                Step::More(Candidate::reading(done, State::Screen { blanks: 0 }))
            } else {
                Step::Done(done, true)
            }
        }
        BodyKind::Dump => {
            // The header's own text is the message (set by the anchor); the
            // dump may open on this very line (`… {`).
            let b = opens_dump(&line.text[..done.end]);
            Candidate::reading(done, State::dump(b)).more_if(may_continue)
        }
        BodyKind::Http => {
            let c = Candidate::reading(done, State::Headers);
            if may_continue {
                Step::More(c)
            } else {
                Step::Done(c.done, true)
            }
        }
        BodyKind::Rest if done.anchor.repr.is_some() => start_repr(done, body_at, line),
        BodyKind::Rest => {
            let rest = &line.text[body_at..done.end];
            let start = body_at + (rest.len() - rest.trim_start().len());
            match rest.trim_start().as_bytes().first() {
                Some(b'{' | b'[') => start_bracketed(done, start, line, may_continue),
                Some(b'<') => start_html(done, start, line, may_continue),
                _ => start_text(done, start, line, may_continue),
            }
        }
    }
}

/// A printing whose anchor holds all of it, unless the lines after go on
/// with it: httpx's `For more information check: …`, a sentence a TUI
/// wrapped, the stack and hint after a Node `Error:` line.
fn start_bodiless(mut done: Complete, body_at: usize, line: &Logical, limit: usize, may_continue: bool) -> Step {
    done.end = body_at.max(done.anchor.start);
    match done.anchor.continued {
        Some(prefix) if may_continue => Step::More(Candidate::reading(done, State::Continued(prefix))),
        _ if may_continue && done.anchor.wraps => {
            done.end = done.end.max(line.text.trim_end().len().min(limit));
            Step::More(Candidate::reading(done, State::Wrapped(MAX_WRAPPED)))
        }
        _ if may_continue && in_node_error(&line.text, done.anchor.start) => {
            Step::More(Candidate::reading(done, State::AwaitHint))
        }
        _ => Step::Done(done, true),
    }
}

/// `SomeError('Error code: 403 - {\'type\': …}')`: the body is a string
/// literal holding a repr; read it unescaped.
fn start_repr(mut done: Complete, body_at: usize, line: &Logical) -> Step {
    let quote = done.anchor.repr.unwrap_or('\'');
    let (literal, close) = python_literal(&line.text[body_at..done.end], quote);
    let t = literal.trim_start();
    done.body = match t.as_bytes().first() {
        Some(b'{' | b'[') => Body::Structured(t.to_owned()),
        Some(_) => Body::Text(t.to_owned()),
        None => Body::None,
    };
    done.end = body_at + close;
    Step::Done(done, true)
}

/// A body that opens a bracket at `start`: complete on its line, or read on
/// until the bracket closes.
fn start_bracketed(mut done: Complete, start: usize, line: &Logical, may_continue: bool) -> Step {
    let mut b = Bracket::default();
    let widths = vec![width_of(line)];
    let Some(n) = b.push(&line.text[start..done.end]) else {
        let pushed = done.end;
        return Candidate::reading(done, State::Bracket { b, start, widths, pushed }).more_if(may_continue);
    };
    done.body = Body::Structured(line.text[start..start + n].to_owned());
    let after = start + n;
    done.end = trailing_hints(&line.text, after, done.end, &mut done.hints);
    // The TS SDK's exception, complete on its line: its stack is context,
    // and the property dump after it (`{ status: 403, headers: …,
    // requestID: … }`) is the same error object printed: the printing ends
    // where the dump closes (issue 10, point 7).
    if may_continue && done.anchor.producer == anchors::Producer::TsSdk {
        let b = opens_dump(&line.text[after..]);
        return Step::More(Candidate::reading(done, State::dump(b)));
    }
    Step::Done(done, true)
}

/// An HTML page at `start`: complete on its line, or read on to its close.
fn start_html(mut done: Complete, start: usize, line: &Logical, may_continue: bool) -> Step {
    let page = &line.text[start..done.end];
    if let Some(close) = html_close(page).or_else(|| minimal_page_close(page)) {
        done.body = Body::Html(line.text[start..start + close].to_owned());
        done.end = trailing_hints(&line.text, start + close, done.end, &mut done.hints);
        return Step::Done(done, true);
    }
    Candidate::reading(done, State::Html { start }).more_if(may_continue)
}

/// A message in plain text at `start`, with its ` · ` hints.
fn start_text(mut done: Complete, start: usize, line: &Logical, may_continue: bool) -> Step {
    // Quoted (a repr's string, prose): the printing ends where the quote
    // that opened before it closes.
    let quoted = closing_quote(&line.text[..done.anchor.start])
        .and_then(|q| line.text[start..done.end].find(q).map(|i| start + i));
    if let Some(close) = quoted {
        done.end = close;
    }
    let (message, hints) = split_hints(&line.text[start..done.end]);
    if !message.is_empty() {
        done.body = Body::Text(message.to_owned());
    }
    done.hints = hints;
    let node = may_continue && quoted.is_none();
    // `PermissionDeniedError: 403 status code (no body)`: its dump follows
    // as after a body.
    if node && done.anchor.producer == anchors::Producer::TsSdk {
        let b = opens_dump(&line.text[done.end..]);
        return Step::More(Candidate::reading(done, State::dump(b)));
    }
    if node && in_node_error(&line.text, done.anchor.start) {
        return Step::More(Candidate::reading(done, State::AwaitHint));
    }
    Step::Done(done, true)
}

/// Whether a printing starting at `start` sits inside an `Error: …` line
/// Node printed: its stack and property dump may follow.
fn in_node_error(text: &str, start: usize) -> bool {
    ERROR_HEAD.is_match(&text[..start])
}

impl State {
    /// A Node dump's reading, from its first line (`b`: the braces it opened
    /// there).
    fn dump(b: Option<Bracket>) -> Self {
        State::Dump { b, tail: None, context: false, msg: None }
    }
}

impl Candidate {
    /// A printing read from its anchor's line on, in `state`.
    fn reading(done: Complete, state: State) -> Self {
        Candidate { done, state, lines: 1 }
    }

    /// Read on, where the lines after may belong to it; else complete it as
    /// far as it got.
    fn more_if(self, may_continue: bool) -> Step {
        if may_continue {
            Step::More(self)
        } else {
            finish_open(self)
        }
    }

    /// Feed the next logical line.
    pub fn feed(mut self, line: &Logical) -> Step {
        if let State::Dump { .. } = self.state {
            return self.feed_dump(line);
        }
        if self.lines >= MAX_LINES || self.done.text.text.len() + line.text.len() > MAX_BYTES || self.ends_before(line)
        {
            return finish_open(self).not_consumed();
        }
        self.lines += 1;
        let trimmed = line.text.trim_start();
        // Each step sets the next state (or completes).
        match std::mem::replace(&mut self.state, State::AwaitHint) {
            State::Bracket { b, start, widths, pushed } => self.feed_bracket(line, b, start, widths, pushed),
            State::Html { start } => self.feed_html(line, start),
            State::Headers => self.feed_header(line, trimmed),
            State::HttpBody { skipped } => self.feed_http_body(line, trimmed, skipped),
            State::Dump { .. } => Step::Done(self.done, false),
            State::Continued(prefix) => {
                let goes_on = trimmed.starts_with(prefix);
                if goes_on {
                    self.push_line(line);
                }
                Step::Done(self.done, goes_on)
            }
            State::Wrapped(left) => self.feed_wrapped(line, trimmed, left),
            State::Screen { blanks } => self.feed_screen(line, trimmed, blanks),
            State::AwaitHint => self.feed_hint(line, trimmed),
        }
    }

    /// Whether `line` ends the printing before it: a new printing does,
    /// except inside an open string (where the text is the string's) or as
    /// the value of a member of the object being read; a markdown fence
    /// closes the block a body was pasted in.
    fn ends_before(&self, line: &Logical) -> bool {
        let State::Bracket { b, .. } = &self.state else {
            return anchors::starts_printing(&line.text);
        };
        if b.in_string() {
            return false;
        }
        // What the body did not close by the fence was cut.
        if line.text.trim_start().starts_with("```") {
            return true;
        }
        // A member of the object being read (`  result: 'Failed to
        // authenticate. API Error: 403 …',` in a Node dump) holds a printing
        // as its value: the object's, not a new one.
        !MEMBER.is_match(&line.text) && anchors::starts_printing(&line.text)
    }

    /// A line of a bracketed body, until the bracket closes.
    fn feed_bracket(
        mut self,
        line: &Logical,
        mut b: Bracket,
        start: usize,
        mut widths: Vec<usize>,
        pushed: usize,
    ) -> Step {
        if b.in_string() {
            // A JSON or repr string cannot hold a raw line break: a terminal
            // or a person broke it. The indent after the break is the
            // terminal's margin, never the string's.
            let lead = line.text.len() - line.text.trim_start().len();
            let sep = string_break(&self.done.text, &widths, line, lead);
            widths.push(width_of(line));
            self.done.text.push_logical(&line.slice(lead, line.text.len()), sep);
        } else {
            widths.push(width_of(line));
            self.done.text.push_logical(line, "\n");
        }
        let pushed_now = self.done.text.text.len();
        match b.push(&self.done.text.text[pushed..]) {
            Some(n) => {
                // `n` counts every byte fed since the body started.
                let close = start + n;
                let body = Body::Structured(self.done.text.text[start..close].to_owned());
                self.close_body(body, close)
            }
            None => {
                self.state = State::Bracket { b, start, widths, pushed: pushed_now };
                Step::More(self)
            }
        }
    }

    /// A line of an HTML page, until the page closes.
    fn feed_html(mut self, line: &Logical, start: usize) -> Step {
        let offset = self.done.text.text.len() + 1;
        self.done.text.push_logical(line, "\n");
        match html_close(&self.done.text.text[offset..]) {
            Some(close) => {
                let close = offset + close;
                let body = Body::Html(self.done.text.text[start..close].to_owned());
                self.close_body(body, close)
            }
            None => {
                self.state = State::Html { start };
                Step::More(self)
            }
        }
    }

    /// An HTTP response's header lines, up to the blank line before its body.
    fn feed_header(mut self, line: &Logical, trimmed: &str) -> Step {
        let t = trimmed.strip_prefix('<').map_or(trimmed, str::trim_start);
        if HEADER.is_match(trimmed) {
            if let Some((name, value)) = t.split_once(':') {
                self.done.headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
            self.push_line(line);
            self.state = State::Headers;
            Step::More(self)
        } else if t.is_empty() {
            self.push_line(line);
            self.state = State::HttpBody { skipped: 0 };
            Step::More(self)
        } else {
            Step::Done(self.done, false)
        }
    }

    /// The body after HTTP headers, read as a body after an anchor is; curl's
    /// progress lines before it are skipped.
    fn feed_http_body(mut self, line: &Logical, trimmed: &str, skipped: usize) -> Step {
        if skipped >= MAX_SKIPPED || trimmed.starts_with("HTTP/") || trimmed.starts_with("< HTTP/") {
            return Step::Done(self.done, false);
        }
        if trimmed.is_empty() || CURL_META.is_match(trimmed) {
            // Not part of the finding unless a body follows: keep the end
            // where it was.
            let end = self.done.end;
            self.push_line(line);
            self.done.end = end;
            self.state = State::HttpBody { skipped: skipped + 1 };
            return Step::More(self);
        }
        let offset = self.done.text.text.len() + 1;
        let mut body_anchor = self.done.anchor.clone();
        body_anchor.kind = BodyKind::Rest;
        body_anchor.body = 0;
        self.done.text.push_logical(line, "\n");
        match start(line, body_anchor, line.text.len(), true) {
            Step::Done(inner, _) => {
                self.done.end = offset + inner.end;
                self.done.body = match inner.body {
                    Body::Text(_) => Body::Text(line.text.trim().to_owned()),
                    b => b,
                };
                self.done.hints = inner.hints;
                Step::Done(self.done, true)
            }
            Step::More(inner) => {
                self.done.end = self.done.text.text.len();
                self.state = match inner.state {
                    State::Bracket { b, start, widths, pushed } => {
                        State::Bracket { b, start: offset + start, widths, pushed: offset + pushed }
                    }
                    State::Html { start } => State::Html { start: offset + start },
                    s => s,
                };
                Step::More(self)
            }
        }
    }

    /// A row of a sentence a TUI wrapped: indented, and no TUI mark of its
    /// own; `left` more may follow.
    fn feed_wrapped(mut self, line: &Logical, trimmed: &str, left: usize) -> Step {
        let lead = line.text.len() - trimmed.len();
        let mark = trimmed.starts_with(['⎿', '●', '⏺', '❯', '>', '·', '│']);
        if left == 0 || lead < 2 || trimmed.is_empty() || mark {
            return Step::Done(self.done, false);
        }
        if let Some(m) = self.done.anchor.message.as_mut() {
            m.push(' ');
            m.push_str(trimmed.trim_end());
        }
        self.done.text.push_logical(&line.slice(lead, line.text.len()), " ");
        self.done.end = self.done.text.text.len();
        self.state = State::Wrapped(left - 1);
        Step::More(self)
    }

    /// A line after the connection screen's result: one of its advice lines
    /// (`rules/texts.toml`, `[screen]`), or a blank line between them.
    fn feed_screen(mut self, line: &Logical, trimmed: &str, blanks: usize) -> Step {
        if trimmed.is_empty() && blanks < MAX_SCREEN_BLANKS {
            // Not part of it unless the screen goes on after it.
            let end = self.done.end;
            self.push_line(line);
            self.done.end = end;
            self.state = State::Screen { blanks: blanks + 1 };
            return Step::More(self);
        }
        if !super::texts::TEXTS.screen.advises(trimmed) {
            return Step::Done(self.done, false);
        }
        self.push_line(line);
        self.state = State::Screen { blanks: 0 };
        Step::More(self)
    }

    /// The line after a printing that may go on: a ` · ` hint, or the stack
    /// of the Node error it was printed in.
    fn feed_hint(mut self, line: &Logical, trimmed: &str) -> Step {
        if let Some(h) = trimmed.strip_prefix('·') {
            let offset = self.done.text.text.len() + 1;
            self.done.text.push_logical(line, "\n");
            let (_, hints) = split_hints(&format!(" · {}", h.trim()));
            self.done.hints.extend(hints);
            self.done.end = offset + line.text.len();
            Step::Done(self.done, true)
        } else if FRAME.is_match(&line.text) && !matches!(self.done.body, Body::Structured(_) | Body::Html(_)) {
            // An error Node printed uncaught or logged whole: its stack, and
            // the property dump that may follow it, are the printing's
            // (`Error: Claude Code returned an error result: … API Error:
            // 403 …` from the Agent SDK).
            self.lines -= 1;
            self.state = State::dump(None);
            self.feed_dump(line)
        } else {
            Step::Done(self.done, false)
        }
    }

    /// A line of a Node dump: stack frames until the line that opens the
    /// braces, then everything to where they close — nested printings
    /// inside (the attempts of a retry error) are part of it. Without braces
    /// the printing is the header line alone; the frames are context.
    fn feed_dump(mut self, line: &Logical) -> Step {
        let State::Dump { b, tail, context, msg } = std::mem::replace(&mut self.state, State::AwaitHint) else {
            return Step::Done(self.done, false);
        };
        if let Some(mut m) = msg {
            if self.lines >= MAX_LINES {
                return Step::Done(self.done, false);
            }
            self.lines += 1;
            let end = self.done.end;
            self.done.text.push_logical(line, "\n");
            self.done.end = end;
            let msg = m.push(&format!("\n{}", line.text)).is_none().then_some(m);
            self.state = State::Dump { b: None, tail: None, context, msg };
            return Step::More(self);
        }
        let Some(mut b) = b else {
            // Before the first frame, a message may go on over a few lines
            // (LangChain's `Troubleshooting URL: …`): lines that cannot hold
            // a printing of their own.
            let frame = FRAME.is_match(&line.text);
            let message_line = !frame
                && self.lines <= 3
                && !self.done.text.text.contains("\n    at ")
                && !anchors::may_match(&line.text)
                && !anchors::opens_body(&line.text);
            if self.lines >= MAX_LINES || !(frame || message_line) {
                return Step::Done(self.done, false);
            }
            self.lines += 1;
            let end = self.done.end;
            self.done.text.push_logical(line, "\n");
            // Frames are context until braces open after them.
            self.done.end = end;
            let b = opens_dump(&line.text);
            if b.is_some() && !context {
                self.done.end = self.done.text.text.len();
            }
            let msg = (message_line && line.text.trim_end().ends_with('[')).then(|| {
                let mut m = Bracket::default();
                m.push("[");
                m
            });
            self.state = State::Dump { b, tail: None, context, msg };
            return Step::More(self);
        };
        if self.lines >= MAX_SPAN {
            let state = State::Dump { b: Some(b), tail, context, msg: None };
            return finish_open(Candidate { state, ..self }).not_consumed();
        }
        self.lines += 1;
        let closed = b.push(&format!("\n{}", line.text)).is_some();
        if context {
            if closed {
                return Step::Done(self.done, true);
            }
            self.state = State::Dump { b: Some(b), tail: None, context, msg: None };
            return Step::More(self);
        }
        let prop = PROP.is_match(&line.text) && self.done.props.len() < MAX_PROPS;
        if prop {
            let p = line.text.trim();
            let cut = (0..=p.len().min(MAX_PROP)).rev().find(|&i| p.is_char_boundary(i)).unwrap_or(0);
            self.done.props.push(p[..cut].to_owned());
        }
        let room = self.lines <= MAX_LINES && self.done.text.text.len() + line.text.len() <= MAX_BYTES;
        let mut tail = tail;
        if room || (prop && self.done.text.text.len() + line.text.len() <= 2 * MAX_BYTES) {
            if let Some(t) = tail.take() {
                self.done.text.push_logical(&t, "\n");
            }
            self.done.text.push_logical(line, "\n");
        } else {
            // Only where it ends is kept of a line past the room.
            tail = Some(line.slice(line.text.len(), line.text.len()));
        }
        if closed {
            if let Some(t) = tail.take() {
                self.done.text.push_logical(&t, "\n");
            }
            self.done.end = self.done.text.text.len();
            return Step::Done(self.done, true);
        }
        self.state = State::Dump { b: Some(b), tail, context, msg: None };
        Step::More(self)
    }

    /// End of input (or of the room a finding may take): complete with what
    /// was read.
    pub fn finish(self) -> Complete {
        match finish_open(self) {
            Step::Done(c, _) => c,
            Step::More(c) => c.done,
        }
    }

    /// The body closed at `close` on the line just read: hints may follow on
    /// the same line, or (when none did) on the next one.
    fn close_body(mut self, body: Body, close: usize) -> Step {
        self.done.body = body;
        let end = self.done.text.text.len();
        self.done.end = trailing_hints(&self.done.text.text, close, end, &mut self.done.hints);
        if self.done.end == close {
            self.state = State::AwaitHint;
            return Step::More(self);
        }
        Step::Done(self.done, true)
    }

    /// Whether the body is complete and only a hint line may still follow.
    pub fn awaiting_hint(&self) -> bool {
        matches!(self.state, State::AwaitHint)
    }

    /// Bytes of text read so far.
    pub fn text_len(&self) -> usize {
        self.done.text.text.len()
    }

    fn push_line(&mut self, line: &Logical) {
        self.done.text.push_logical(line, "\n");
        self.done.end = self.done.text.text.len();
    }
}

impl Step {
    fn not_consumed(self) -> Step {
        match self {
            Step::Done(c, _) => Step::Done(c, false),
            more => more,
        }
    }
}

/// Complete an open candidate as far as it got: an unterminated body is kept
/// as read (the envelope parser may still recover its fields).
fn finish_open(c: Candidate) -> Step {
    let mut done = c.done;
    match c.state {
        State::Bracket { start, .. } => {
            done.body = Body::Structured(done.text.text[start..].to_owned());
            done.end = done.text.text.len();
        }
        State::Html { start } => {
            done.body = Body::Html(done.text.text[start..].to_owned());
            done.end = done.text.text.len();
        }
        State::Dump { b: Some(_), tail, context: false, .. } => {
            if let Some(t) = tail {
                done.text.push_logical(&t, "\n");
            }
            done.end = done.text.text.len();
        }
        State::Dump { .. }
        | State::Continued(_)
        | State::Wrapped(_)
        | State::Screen { .. }
        | State::Headers
        | State::HttpBody { .. }
        | State::AwaitHint => {}
    }
    Step::Done(done, true)
}

/// The content of a Python string literal that started before `text`,
/// unescaped, and the offset just past its closing quote (and `)`).
fn python_literal(text: &str, quote: char) -> (String, usize) {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            let end = i + c.len_utf8();
            let end = if text[end..].starts_with(')') { end + 1 } else { end };
            return (out, end);
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'r')) => out.push('\r'),
            // `\\n` in the literal is `\n` in the repr inside it: keep the
            // escape for the repr parser.
            Some((_, '\\')) => out.push('\\'),
            Some((_, other)) => out.push(other),
            None => {}
        }
    }
    (out, text.len())
}

/// The quote that closes a string opened right before a printing
/// (`text='Failed to …'`, `"API Error: …"`), if one was.
fn closing_quote(before: &str) -> Option<char> {
    // Markdown emphasis (`**Please run /login · API Error: 403 Forbidden**`)
    // closes like a quote.
    const QUOTES: &[(char, char)] =
        &[('\'', '\''), ('"', '"'), ('`', '`'), ('“', '”'), ('‘', '’'), ('«', '»'), ('*', '*')];
    let open = before.chars().next_back()?;
    QUOTES.iter().find(|(o, _)| *o == open).map(|&(_, c)| c)
}

/// A line that opens a dump's braces (`    at async run (x.js:8:30) {`,
/// `APICallError [AI_APICallError]: Forbidden {`): the tracker, fed the `{`.
fn opens_dump(text: &str) -> Option<Bracket> {
    if !text.trim_end().ends_with('{') {
        return None;
    }
    let mut b = Bracket::default();
    b.push("{");
    Some(b)
}

/// What stood where a string was broken before `line` (whose first `lead`
/// bytes are indent): nothing when the break cut a token at the screen's
/// edge, else the space the break took.
/// - The row before ended with a space (kept in the raw line, trimmed from
///   the text): that space.
/// - The continuation is indented: a TUI or a person wrapped at a space
///   (1.x-style mid-token cuts under a mark are joined earlier, by `wrap`).
/// - The row before is as wide as the widest row of the body, and the body
///   shows a width (more than one row before, or two rows of the same
///   width): it reached the edge and was cut mid-token.
/// - Otherwise a word break: one row alone says nothing of a screen's width.
fn string_break(before: &Logical, widths: &[usize], line: &Logical, lead: usize) -> &'static str {
    if before.text.ends_with(' ') {
        return "";
    }
    let trailing_space = before.rows.last().is_some_and(|r| r.raw.last() == Some(&b' '));
    if trailing_space || lead > 0 {
        return " ";
    }
    let prev = widths.last().copied().unwrap_or(0);
    let now = width_of(line);
    let max = widths.iter().copied().max().unwrap_or(0).max(now);
    if prev >= max && (widths.len() >= 2 || now == prev) {
        ""
    } else {
        " "
    }
}

fn width_of(line: &Logical) -> usize {
    line.rows.last().map_or(line.text.len(), |r| r.norm.width)
}

fn html_close(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    lower.find("</html>").map(|p| p + "</html>".len())
}

/// Where a page that starts on this line ends, when it is a minimal one:
/// with no `<html>` or `<body>` to close (the API edge's `<!doctype
/// html><meta …><title>403</title>403 Forbidden`), it ends with the line its
/// title is on.
fn minimal_page_close(line: &str) -> Option<usize> {
    let lower = line.to_ascii_lowercase();
    (lower.starts_with("<!doctype")
        && lower.contains("</title>")
        && !lower.contains("<html")
        && !lower.contains("<body"))
    .then_some(line.len())
}

/// Hints after a body: ` · Please run /login`. Returns the new end.
fn trailing_hints(text: &str, from: usize, limit: usize, hints: &mut Vec<String>) -> usize {
    let rest = &text[from..limit];
    let t = rest.trim_start();
    if let Some(h) = t.strip_prefix('·') {
        let (_, more) = split_hints(&format!(" · {}", h.trim()));
        hints.extend(more);
        return from + rest.trim_end().len();
    }
    from
}

/// Split `message · hint · hint` into the message and its hints.
pub fn split_hints(text: &str) -> (&str, Vec<String>) {
    let mut parts = text.split('·');
    let message = parts.next().unwrap_or("").trim();
    let hints = parts.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()).collect();
    (message, hints)
}

#[cfg(test)]
mod tests {
    use crate::rules::Catalog;
    use std::sync::Arc;

    fn message(text: &str) -> Option<String> {
        let found = crate::scan_bytes(Arc::new(Catalog::builtin()), None, text.as_bytes());
        found.first().and_then(|f| f.event.message.clone())
    }

    /// Strings broken by a terminal or by hand: the indent after the break
    /// is dropped, the space the break took is put back, a token cut at
    /// the edge of a body that shows its width is joined as it was.
    #[test]
    fn a_string_broken_over_lines_is_joined_with_one_space_or_none() {
        let body = |a: &str, b: &str| {
            format!("API Error: 403 {{\"error\":{{\"type\":\"forbidden\",\"message\":\"{a}\n{b}\"}}}}\n")
        };
        assert_eq!(message(&body("Request not ", "     allowed")).as_deref(), Some("Request not allowed"));
        assert_eq!(message(&body("Request not", "  allowed")).as_deref(), Some("Request not allowed"));
        assert_eq!(message(&body("Request not", "allowed")).as_deref(), Some("Request not allowed"));
        let cut = "API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permi\nssion denied and a lot more text to make this row\nshort\"}}\n";
        assert_eq!(
            message(cut).as_deref(),
            Some("Permi ssion denied and a lot more text to make this row short"),
            "one row before the break says nothing of the width"
        );
        let full = "API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\n\"message\":\"Permission denied, and this row is as wide as the widest of the bo\ndy\"}}\n";
        assert_eq!(
            message(full).as_deref(),
            Some("Permission denied, and this row is as wide as the widest of the body")
        );
    }
}
