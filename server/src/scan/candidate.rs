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

/// The most logical lines one finding may span.
pub const MAX_LINES: usize = 64;
/// The most bytes of text one finding may hold.
pub const MAX_BYTES: usize = 64 * 1024;
/// Curl's progress and connection lines, skipped between headers and body.
const MAX_SKIPPED: usize = 8;

static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:< )?[A-Za-z0-9][A-Za-z0-9_-]*: ").expect("header pattern"));
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
}

#[derive(Debug, Clone)]
enum State {
    Bracket { b: Bracket, start: usize, widths: Vec<usize>, pushed: usize },
    Html { start: usize },
    Headers,
    HttpBody { skipped: usize },
    AwaitHint,
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
        anchor,
    };
    let body_at = done.anchor.body.min(done.end);
    match done.anchor.kind {
        BodyKind::None => {
            done.end = body_at.max(done.anchor.start);
            Step::Done(done, true)
        }
        BodyKind::Http => {
            let c = Candidate { done, state: State::Headers, lines: 1 };
            if may_continue {
                Step::More(c)
            } else {
                Step::Done(c.done, true)
            }
        }
        BodyKind::Rest if done.anchor.repr.is_some() => {
            // `SomeError('Error code: 403 - {\'type\': …}')`: the body is a
            // string literal holding a repr; read it unescaped.
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
        BodyKind::Rest => {
            let rest = &line.text[body_at..done.end];
            let lead = rest.len() - rest.trim_start().len();
            let start = body_at + lead;
            match rest.trim_start().as_bytes().first() {
                Some(b'{' | b'[') => {
                    let mut b = Bracket::default();
                    let widths = vec![width_of(line)];
                    if let Some(n) = b.push(&line.text[start..done.end]) {
                        done.body = Body::Structured(line.text[start..start + n].to_owned());
                        let after = start + n;
                        done.end = trailing_hints(&line.text, after, done.end, &mut done.hints);
                        return Step::Done(done, true);
                    }
                    let pushed = done.end;
                    let c = Candidate { done, state: State::Bracket { b, start, widths, pushed }, lines: 1 };
                    if may_continue {
                        Step::More(c)
                    } else {
                        finish_open(c)
                    }
                }
                Some(b'<') => {
                    if let Some(close) = html_close(&line.text[start..done.end]) {
                        done.body = Body::Html(line.text[start..start + close].to_owned());
                        done.end = trailing_hints(&line.text, start + close, done.end, &mut done.hints);
                        return Step::Done(done, true);
                    }
                    let c = Candidate { done, state: State::Html { start }, lines: 1 };
                    if may_continue {
                        Step::More(c)
                    } else {
                        finish_open(c)
                    }
                }
                _ => {
                    let text = &line.text[start..done.end];
                    let (message, hints) = split_hints(text);
                    if !message.is_empty() {
                        done.body = Body::Text(message.to_owned());
                    }
                    done.hints = hints;
                    Step::Done(done, true)
                }
            }
        }
    }
}

impl Candidate {
    /// Feed the next logical line.
    pub fn feed(mut self, line: &Logical) -> Step {
        if self.lines >= MAX_LINES || self.done.text.text.len() + line.text.len() > MAX_BYTES {
            return finish_open(self).not_consumed();
        }
        self.lines += 1;
        let trimmed = line.text.trim_start();
        // A new printing ends whatever was being read, except inside an open
        // string, where the text is the string's.
        let in_string = matches!(&self.state, State::Bracket { b, .. } if b.in_string());
        if !in_string && anchors::starts_printing(&line.text) {
            return finish_open(self).not_consumed();
        }
        // Each arm sets the next state (or completes).
        match std::mem::replace(&mut self.state, State::AwaitHint) {
            State::Bracket { mut b, start, mut widths, pushed } => {
                let sep = if b.in_string() {
                    let prev = widths.last().copied().unwrap_or(0);
                    let max = widths.iter().copied().max().unwrap_or(0).max(width_of(line));
                    if line.text.starts_with(' ') || prev >= max {
                        ""
                    } else {
                        " "
                    }
                } else {
                    "\n"
                };
                widths.push(width_of(line));
                self.done.text.push_logical(line, sep);
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
            State::Html { start } => {
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
            State::Headers => {
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
            State::HttpBody { skipped } => {
                if skipped >= MAX_SKIPPED || trimmed.starts_with("HTTP/") || trimmed.starts_with("< HTTP/") {
                    return Step::Done(self.done, false);
                }
                if trimmed.is_empty() || CURL_META.is_match(trimmed) {
                    // Not part of the finding unless a body follows: keep the
                    // end where it was.
                    let end = self.done.end;
                    self.push_line(line);
                    self.done.end = end;
                    self.state = State::HttpBody { skipped: skipped + 1 };
                    return Step::More(self);
                }
                let offset = self.done.text.text.len() + 1;
                let anchor = self.done.anchor.clone();
                let mut body_anchor = anchor.clone();
                body_anchor.kind = BodyKind::Rest;
                body_anchor.body = 0;
                match start(line, body_anchor, line.text.len(), true) {
                    Step::Done(inner, _) => {
                        self.done.text.push_logical(line, "\n");
                        self.done.end = offset + inner.end;
                        self.done.body = match inner.body {
                            Body::Text(_) => Body::Text(line.text.trim().to_owned()),
                            b => b,
                        };
                        self.done.hints = inner.hints;
                        Step::Done(self.done, true)
                    }
                    Step::More(inner) => {
                        self.done.text.push_logical(line, "\n");
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
            State::AwaitHint => {
                if let Some(h) = trimmed.strip_prefix('·') {
                    let offset = self.done.text.text.len() + 1;
                    self.done.text.push_logical(line, "\n");
                    let (_, hints) = split_hints(&format!(" · {}", h.trim()));
                    self.done.hints.extend(hints);
                    self.done.end = offset + line.text.len();
                    Step::Done(self.done, true)
                } else {
                    Step::Done(self.done, false)
                }
            }
        }
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
        State::Headers | State::HttpBody { .. } | State::AwaitHint => {}
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

fn width_of(line: &Logical) -> usize {
    line.rows.last().map_or(line.text.len(), |r| r.norm.width)
}

fn html_close(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    lower.find("</html>").map(|p| p + "</html>".len())
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
