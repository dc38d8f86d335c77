//! From a complete printing to an [`Event`]: fields, producer, platform,
//! and whether the printing alone proves it is Anthropic's.

use super::anchors::Producer;
use super::attribution::{self, Signal};
use super::candidate::{Body, Complete};
use super::envelope::{self, Shape};
use super::redact::redact;
use super::text::{Loc, Logical};
use super::vocab::{Event, Platform};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// Record-level fields of a JSON log record (Claude Code's stream-json).
#[derive(Debug, Clone, Default)]
pub struct Record {
    request_id: Option<String>,
    status: Option<u16>,
    error_type: Option<String>,
    /// The record is Claude Code's own output.
    pub claude_code: bool,
}

/// Read the fields a JSON record carries beside the error text.
pub fn record_fields(text: &str) -> Option<Record> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let (v, _) = envelope::parse_loose(t)?;
    let o = v.as_object()?;
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(Record {
        request_id: s("request_id").filter(|r| r.starts_with("req_")),
        status: o.get("api_error_status").and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok()),
        error_type: s("api_error_type"),
        claude_code: o.contains_key("session_id"),
    })
}

/// Status codes the API documents for each error type.
pub fn status_of_type(error_type: &str) -> Option<u16> {
    Some(match error_type {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" | "forbidden" => 403,
        "not_found_error" => 404,
        "conflict_error" => 409,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => return None,
    })
}

/// How an Anthropic error envelope begins, in JSON or a Python repr, with
/// straight or typographic quotes.
static ENVELOPE_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\{\s*["'“‘]?(?:type["'”’]?\s*:\s*["'“‘]?error["'”’]?\s*,|error["'”’]?\s*:\s*\{)"#)
        .expect("envelope opening pattern")
});
static EXIT_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*\(exit code:? \d+\)$").expect("exit code pattern"));
static REPEATED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Repeated \d{3} (?P<what>.+?) errors\b").expect("repeated pattern"));
static DUMP_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:requestID|request[-_]id)['"]?\s*[:=]\s*['"]?(?P<id>req_[0-9A-Za-z]{8,64})"#)
        .expect("dump id pattern")
});

/// A request id shown in a property dump or header after the printing
/// (`requestID: 'req_…'`, `request-id: req_…`).
pub fn dumped_request_id(text: &str) -> Option<String> {
    DUMP_ID.captures(text).and_then(|c| c.name("id")).map(|m| m.as_str().to_owned())
}

/// Build the event of a complete printing. Returns the event and whether
/// the printing alone proves it is Anthropic's; `None` when it is not an
/// error we report.
///
/// The steps run in this order because each later source only fills what
/// the earlier ones left empty (or, for the API's own body, overrides a
/// wrapper's words): the anchor's line, the body, a Node property dump, a
/// body embedded in the message, the HTTP headers, the JSON record around
/// it, and last what follows from the error type.
pub fn build(done: Complete, record: Option<&Record>) -> Option<Built> {
    let a = &done.anchor;
    let mut d = Draft::new(&done);
    if a.fixed.is_some() {
        d.split_fixed_advice();
    }
    d.read_body(&done.body, a.platform.is_none());
    if !done.props.is_empty() {
        d.read_dump(&done.props);
    }
    if d.shape.is_none() && done.body == Body::None {
        d.read_embedded_body();
    }
    d.weigh_shape(a.producer)?;
    d.read_headers(&done.headers);
    if let Some(r) = record {
        d.read_record(r);
    }
    d.infer_status();
    d.ev.status?;
    d.weigh_evidence(&done)?;
    d.read_fixed_wording();
    d.tidy(a.error_type);
    let proof = if d.strong { Proof::Anthropic } else { Proof::Unproven };
    Some(Built { event: d.ev, proof })
}

/// An event being built, and what its printing has shown so far about
/// whose it is.
struct Draft {
    ev: Event,
    /// Something in it proves it Anthropic's.
    strong: bool,
    /// Something in it names another vendor.
    foreign: bool,
    /// The shape of the error body read, if one was.
    shape: Option<Shape>,
}

impl Draft {
    /// What the anchor's line shows.
    fn new(done: &Complete) -> Self {
        let a = &done.anchor;
        let own = &done.text.text[a.start.min(done.end)..done.end];
        // The lines it was printed on, from their start: a wrapper that names
        // itself before the error (`litellm.…Error: …`, `AssistantMessage(…`).
        let signed = super::producers::signed(&done.text.text[..done.end]);
        let ev = Event {
            start: done.text.pos(done.text.loc(a.start)),
            end: done.text.pos(done.text.loc(done.end)),
            status: a.status,
            status_inferred: a.inferred,
            error_type: None,
            message: a.message.clone(),
            request_id: None,
            producer: signed.unwrap_or(if a.producer == Producer::Unknown { bare_producer(own) } else { a.producer }),
            platform: a.platform.unwrap_or_default(),
            hints: a.hints.iter().chain(&done.hints).map(|h| redact(h).into_owned()).collect(),
            text: redact(own).into_owned(),
            context: Vec::new(),
        };
        Draft { ev, strong: a.strong, foreign: a.foreign, shape: None }
    }

    /// Claude Code's own sentence ends where its advice begins (`… access to
    /// it. Run /model to pick a different model.`): the advice is a hint,
    /// as the ones after ` · ` are.
    fn split_fixed_advice(&mut self) {
        let Some(m) = self.ev.message.take() else {
            return;
        };
        // What a wrapper appends (`… (exit code: 1)`) is not the text's.
        let m = EXIT_CODE.find(&m).map_or(m.as_str(), |x| m[..x.start()].trim_end()).to_owned();
        match super::texts::advice(&m) {
            Some(at) => {
                let hint = m[at + 1..].trim();
                if !hint.is_empty() {
                    self.ev.hints.push(redact(hint).into_owned());
                }
                self.ev.message = Some(m[..=at].to_owned());
            }
            None => self.ev.message = Some(m),
        }
    }

    /// The body after the anchor: an error body, an HTML page or the
    /// message as text. `no_platform`: the anchor named no platform.
    fn read_body(&mut self, body: &Body, no_platform: bool) {
        let ev = &mut self.ev;
        match body {
            Body::Structured(s) => {
                let Some(v) = envelope::parse_loose(s).map(|(v, _)| v).or_else(|| envelope::parse_cut(s)) else {
                    return;
                };
                let b = envelope::classify(&v);
                // Claude Code's record of a failure in Node's or Python's
                // syntax rather than JSON: the Agent SDK printed its message
                // (the CLI itself writes JSON).
                if ev.producer == Producer::Unknown && b.status.is_some() && AGENT_RECORD.is_match(s) {
                    ev.producer = Producer::ClaudeAgentSdk;
                }
                self.shape = b.shape;
                ev.error_type = b.error_type;
                ev.message = b.message.or(ev.message.take());
                ev.request_id = b.request_id;
                if ev.status.is_none() {
                    if let Some(st) = b.status {
                        ev.status = Some(st);
                        ev.status_inferred = false;
                    }
                }
            }
            Body::Html(h) => {
                ev.platform = Platform::Gateway;
                if let Some((status, reason)) = envelope::edge_page(h) {
                    // The API edge's own minimal page: Anthropic's shape.
                    ev.platform = Platform::Anthropic;
                    self.strong = true;
                    ev.status = ev.status.or(Some(status));
                    ev.message = Some(reason);
                } else if let Some(t) = envelope::html_title(h) {
                    // `403 Forbidden`: the page's status, when nothing else showed one.
                    let digits = &t[..t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len()];
                    if ev.status.is_none() {
                        ev.status = digits.parse().ok().filter(|s| (400..600).contains(s));
                    }
                    let t = t.trim_start_matches(|c: char| c.is_ascii_digit()).trim();
                    ev.message = Some(t.to_owned());
                }
            }
            Body::Text(t) => {
                let t = t.trim();
                // The API's message as shown, without what Claude Code wraps
                // around it ("Repeated 529 Overloaded errors. …", advice).
                // What a wrapper appends (`… (exit code: 1)`) is not the API's.
                let t = EXIT_CODE.find(t).map_or(t, |m| t[..m.start()].trim_end());
                let msg = if let Some(c) = REPEATED.captures(t) {
                    c["what"].to_owned()
                } else if let Some(at) = super::texts::advice(t) {
                    t[..at].to_owned()
                } else {
                    t.to_owned()
                };
                if matches!(msg.as_str(), "Forbidden" | "Access Denied" | "Access denied") && no_platform {
                    ev.platform = Platform::Gateway;
                }
                ev.message = Some(msg);
            }
            Body::None => {}
        }
    }

    /// A Node property dump after the printing (the AI SDK's
    /// `APICallError`): its status, url, response body and request id.
    fn read_dump(&mut self, props: &[String]) {
        let d = dump_fields(props);
        let ev = &mut self.ev;
        if ev.status.is_none() {
            ev.status = d.status;
        }
        if let Some(url) = &d.url {
            match attribution::signal(url) {
                Some(Signal::Anthropic) => self.strong = true,
                Some(Signal::Foreign) => self.foreign = true,
                None => {}
            }
        }
        match d.body.as_deref().map(str::trim_start) {
            Some(b) if b.starts_with('<') => ev.platform = Platform::Gateway,
            Some(b) => {
                if let Some((v, _)) = envelope::parse_loose(b) {
                    let body = envelope::classify(&v);
                    self.shape = body.shape;
                    ev.error_type = body.error_type;
                    // The API's own words over the wrapper's (which may be
                    // the status text when it could not read the body).
                    ev.message = body.message.or(ev.message.take());
                    ev.request_id = body.request_id;
                }
            }
            None => {}
        }
        ev.request_id = ev.request_id.take().or(d.request_id);
        if ev.error_type.is_none() {
            ev.error_type = d.error_type;
        }
    }

    /// A message that embeds the API's body (`Type validation failed: Value:
    /// {"type":"error",…}.`, the AI SDK failing to parse an SSE error
    /// event): the body says what the error is.
    fn read_embedded_body(&mut self) {
        let ev = &mut self.ev;
        if let Some(b) = ev.message.as_deref().and_then(embedded_body) {
            self.shape = b.shape;
            ev.error_type = b.error_type;
            ev.request_id = b.request_id;
            ev.message = b.message;
        }
    }

    /// What the body's shape says about whose error it is. `None`: a bare
    /// body (no anchor named a producer) that is no error shape at all, and
    /// shows no status, is not a finding.
    fn weigh_shape(&mut self, anchored_by: Producer) -> Option<()> {
        match self.shape {
            Some(Shape::Anthropic) => self.strong = true,
            // The API's edge answers with exactly this; no other service does.
            Some(Shape::Edge) => {
                self.strong |= self.ev.error_type.as_deref() == Some("forbidden")
                    && self.ev.message.as_deref() == Some("Request not allowed");
            }
            Some(Shape::Google) => self.ev.platform = Platform::Vertex,
            Some(Shape::Aws) => self.ev.platform = Platform::Bedrock,
            Some(Shape::OpenAi | Shape::GitHub) => self.foreign = true,
            None if anchored_by == Producer::Unknown && self.ev.status.is_none() => return None,
            None => {}
        }
        Some(())
    }

    /// HTTP response headers printed with it.
    fn read_headers(&mut self, headers: &[(String, String)]) {
        let ev = &mut self.ev;
        for (name, value) in headers {
            match name.as_str() {
                "request-id" if value.starts_with("req_") => {
                    ev.request_id = ev.request_id.take().or(Some(value.clone()));
                }
                "x-amzn-errortype" => ev.platform = Platform::Bedrock,
                "server" if value.contains("AmazonS3") => self.foreign = true,
                _ => {}
            }
        }
    }

    /// The JSON log record the printing sits in (Claude Code's stream-json):
    /// its status is the API's, over one inferred from the text.
    fn read_record(&mut self, r: &Record) {
        let ev = &mut self.ev;
        ev.request_id = ev.request_id.take().or(r.request_id.clone());
        if ev.status.is_none() || ev.status_inferred {
            if let Some(s) = r.status {
                ev.status = Some(s);
                ev.status_inferred = false;
            }
        }
        ev.error_type = ev.error_type.take().or(r.error_type.clone());
    }

    /// With no status shown, the one the API documents for its error type.
    fn infer_status(&mut self) {
        let ev = &mut self.ev;
        if ev.status.is_none() {
            if let Some(s) = ev.error_type.as_deref().and_then(status_of_type) {
                ev.status = Some(s);
                ev.status_inferred = true;
            }
        }
    }

    /// The evidence in the printing's own text, and whether another vendor's
    /// client relays Anthropic's error. `None`: it is another vendor's.
    fn weigh_evidence(&mut self, done: &Complete) -> Option<()> {
        // Evidence in the printing's own text decides only for printings that
        // do not already prove themselves Anthropic's: a message that mentions
        // github.com or an `openai/…` model name is still Anthropic's message.
        match text_signal(done) {
            Some(Signal::Foreign) if !self.strong => self.foreign = true,
            Some(Signal::Anthropic) => self.strong = true,
            _ => {}
        }
        // A client another vendor's module names (the OpenAI SDKs) relays
        // Anthropic's error when it shows Anthropic's wording or Anthropic's
        // own status 529 (Anthropic's OpenAI-compatible endpoint).
        if self.foreign && relays_anthropic(&self.ev) {
            self.foreign = false;
            self.strong = true;
            self.ev.producer = Producer::OpenaiSdk;
        }
        (!self.foreign).then_some(())
    }

    /// A message in the catalog's fixed wordings names the platform that
    /// refused (Bedrock's `You don't have access to the model with the
    /// specified model ID.`); Anthropic's own words are evidence on their
    /// own, a platform's are not (Bedrock serves other vendors' models too).
    fn read_fixed_wording(&mut self) {
        if let Some(f) = self.ev.message.as_deref().and_then(|m| super::texts::find(m).into_iter().next()) {
            match f.text.platform() {
                Some(p) => self.ev.platform = p,
                None => self.strong = true,
            }
        }
    }

    /// The fields as reported: the anchor's error type when nothing else
    /// gave one, and the row breaks a terminal copy left inside them undone.
    fn tidy(&mut self, anchor_type: Option<&'static str>) {
        let ev = &mut self.ev;
        ev.error_type = ev.error_type.take().or(anchor_type.map(str::to_owned));
        // A row break that a copy from the terminal turned into the next row's
        // indent (`has been     disabled.`, `overload     ed_error`): types and
        // ids hold no spaces, and the API's messages no runs of them.
        ev.message = ev.message.take().map(|m| redact(&rejoin_rows(&m)).into_owned()).filter(|m| !m.is_empty());
        for field in [&mut ev.error_type, &mut ev.request_id] {
            if field.as_deref().is_some_and(|v| v.contains(' ')) {
                *field = field.take().map(|v| v.split(' ').collect());
            }
        }
    }
}

/// An event as built from its printing, and what the printing proves.
#[derive(Debug)]
pub struct Built {
    /// The event.
    pub event: Event,
    /// Whose error the printing itself shows it is.
    pub proof: Proof,
}

/// What a printing proves about whose error it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Anthropic's: its texts, envelope, edge body or request id, a client of
    /// Anthropic's naming it. Reported at once.
    Anthropic,
    /// Nothing in it says: the evidence nearby decides (it waits for the
    /// lines after it).
    Unproven,
}

/// Whether an error printed by another vendor's client (the OpenAI SDKs on
/// Anthropic's OpenAI-compatible endpoint) shows it is Anthropic's: the
/// API's wording (`model: claude-…` is how it names a model it does not
/// know), its own status 529 or its request id. An error type alone is not
/// enough: an OpenAI-compatible server may use the same names.
fn relays_anthropic(ev: &Event) -> bool {
    let message = ev.message.as_deref().unwrap_or("");
    super::texts::api_wording(message).is_some()
        || MODEL_NOT_FOUND.is_match(message)
        || ev.status == Some(529)
        || ev.request_id.as_deref().is_some_and(|r| attribution::signal(r) == Some(Signal::Anthropic))
}

/// A Claude Code record's status member, unquoted as Node and Python print it.
static AGENT_RECORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s{,(])(?:api_error_status|error_status)(?:: |=)\d").expect("record pattern"));

/// The API's message for a model it does not serve.
static MODEL_NOT_FOUND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^model: claude-[\w.@:-]+\s*$").expect("model pattern"));

/// A message with each run of three or more spaces inside it (a row break
/// turned into the next row's indent) made one space.
fn rejoin_rows(m: &str) -> String {
    if !m.contains("   ") {
        return m.to_owned();
    }
    let mut out = String::with_capacity(m.len());
    let mut run = 0;
    for c in m.chars() {
        if c == ' ' {
            run += 1;
            continue;
        }
        match run {
            0 => {}
            1 | 2 => out.extend(std::iter::repeat_n(' ', run)),
            _ => out.push(' '),
        }
        run = 0;
        out.push(c);
    }
    out.extend(std::iter::repeat_n(' ', run.min(2)));
    out
}

/// What a Node property dump says.
#[derive(Debug, Default)]
struct DumpFields {
    status: Option<u16>,
    url: Option<String>,
    /// `responseBody`, unescaped (its first line when Node split it).
    body: Option<String>,
    request_id: Option<String>,
    /// An error type (`type: 'authentication_error'`).
    error_type: Option<String>,
}

/// Read the property lines of a dump; the last of each wins: a retry
/// error reports its last attempt, whose dump (`lastError`) comes last.
fn dump_fields(props: &[String]) -> DumpFields {
    let mut d = DumpFields::default();
    for p in props {
        let Some((key, value)) = p.split_once(": ") else {
            continue;
        };
        let key = key.trim_matches('\'');
        let value = value.trim_end_matches(',').trim_end_matches(" +").trim();
        match key {
            "statusCode" | "status" | "api_error_status" => {
                d.status = value.parse().ok().filter(|s| (100..600).contains(s)).or(d.status);
            }
            "url" => d.url = Some(js_string(value)),
            "type" if value.ends_with("_error'") || value == "'forbidden'" => {
                d.error_type = Some(js_string(value));
            }
            "responseBody" => d.body = Some(js_string(value)),
            "request-id" | "requestID" => {
                d.request_id = Some(js_string(value)).filter(|r| r.starts_with("req_")).or(d.request_id.take());
            }
            _ => {}
        }
    }
    d
}

/// The content of a single-quoted JavaScript string as Node prints it.
fn js_string(s: &str) -> String {
    let s = s.strip_prefix('\'').unwrap_or(s);
    let s = s.strip_suffix('\'').unwrap_or(s);
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

/// Evidence inside the printing itself (its headers, its body, the stack
/// after it): foreign evidence anywhere in it wins.
fn text_signal(done: &Complete) -> Option<Signal> {
    // Everything read, from the start of its first line: the words before
    // the anchor on that line (`Claude API error (403): …`, `GET
    // https://api.github.com/… 403 Forbidden`) and the stack frames after an
    // exception line are its evidence too, part of the printing or not.
    let mut found = None;
    for line in done.text.text.split('\n') {
        match attribution::signal(line) {
            Some(Signal::Foreign) => return Some(Signal::Foreign),
            Some(Signal::Anthropic) => found = Some(Signal::Anthropic),
            None => {}
        }
    }
    found
}

/// The Anthropic error body a message embeds, if it holds one.
fn embedded_body(message: &str) -> Option<envelope::ErrorBody> {
    message.match_indices('{').take(8).find_map(|(i, _)| {
        let (v, _) = envelope::parse_loose(&message[i..])?;
        let b = envelope::classify(&v);
        matches!(b.shape, Some(Shape::Anthropic | Shape::Edge)).then_some(b)
    })
}

/// Who printed a body alone: a dict in Python's repr (`{'type': 'error',
/// …}`: keys in single quotes, where Node's inspect leaves them bare) is
/// what the Python SDK's error holds (`e.body`); a wrapper's signature
/// nearby still renames it. Anything else: unknown.
fn bare_producer(own: &str) -> Producer {
    let repr = own.strip_prefix('{').is_some_and(|b| b.trim_start().starts_with('\''));
    if repr {
        Producer::PythonSdk
    } else {
        Producer::Unknown
    }
}

/// The status a line shows on its own: `Status Code: 403`, `status=429`,
/// `404 Not Found`, `HTTP 529`.
pub fn status_shown(line: &str) -> Option<u16> {
    let c = STATUS_SHOWN.captures(line)?;
    c.name("a").or(c.name("b")).or(c.name("c"))?.as_str().parse().ok()
}

static STATUS_SHOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bstatus(?:[ _-]?code)?\W{0,3}(?P<a>[45]\d\d)\b|\b(?P<b>[45]\d\d) (?:Not Found|Forbidden|Unauthorized|Bad Request|Too Many Requests|Internal Server Error|Service Unavailable|Payment Required|Request Entity Too Large|Gateway Timeout|Bad Gateway)\b|\bHTTP (?P<c>[45]\d\d)\b",
    )
    .expect("status pattern")
});

/// Where a bare error body starts on a line with no anchor, if anywhere.
pub fn bare_body_start(text: &str) -> Option<usize> {
    let t = text.trim_start();
    let lead = text.len() - t.len();
    // A line that opens a pretty-printed body (`{`), or holds a whole one.
    if super::anchors::opens_body(t) {
        return Some(lead);
    }
    for (i, c) in text.char_indices() {
        if c != '{' && c != '[' {
            continue;
        }
        let rest = &text[i..];
        if let Some((v, _)) = envelope::parse_loose(rest) {
            if envelope::classify(&v).shape.is_some_and(|s| !matches!(s, Shape::OpenAi | Shape::GitHub)) {
                return Some(i);
            }
        }
        // An error envelope that does not close on this line: a terminal or
        // a person broke it over lines. Read on; the body decides.
        if ENVELOPE_OPENING.is_match(rest) && envelope::Bracket::default().push(rest).is_none() {
            return Some(i);
        }
        if i > 4096 {
            break;
        }
    }
    None
}

/// A JSON string literal of a log record, unescaped, as a little document
/// of its own.
pub struct StringDoc {
    /// Byte span of the literal's content in the line.
    pub span: (usize, usize),
    /// Its lines (the unescaped text split at `\n`).
    pub lines: Vec<Logical>,
    /// Where printings start on each line: its anchors, or else a bare
    /// body on it (`…: 404 Not Found\nBody:\n{"type":"error",…}`). Found
    /// once here, to decide whether the literal holds a printing, and read
    /// again by the scanner.
    pub anchors: Vec<Vec<super::anchors::Anchor>>,
    /// Whether all it holds is fixed texts (no anchor of a printing).
    pub only_texts: bool,
}

/// The string literals of a JSON-ish line that hold a printing: a Claude
/// Code stream-json record, an error report storing the text as escaped
/// JSON, a structured log field.
pub fn string_documents(line: &Logical) -> Vec<StringDoc> {
    let text = &line.text;
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[') || text.contains("\\\"")) {
        return Vec::new();
    }
    let mut docs = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        let mut escaped = false;
        while j < bytes.len() {
            if escaped {
                escaped = false;
            } else if bytes[j] == b'\\' {
                escaped = true;
            } else if bytes[j] == b'"' {
                break;
            }
            j += 1;
        }
        let content = &text[start..j.min(text.len())];
        if super::anchors::may_match(content) {
            let (s, map) = unescape(content, start, &line.map);
            let lines = split_doc(&s, &map, line);
            let mut only_texts = true;
            let anchors: Vec<_> = lines
                .iter()
                .map(|l| {
                    let found = super::anchors::find(&l.text);
                    only_texts &= found.iter().all(|a| a.fixed.is_some());
                    if found.is_empty() {
                        bare_body_start(&l.text).map(super::anchors::Anchor::bare).into_iter().collect()
                    } else {
                        found
                    }
                })
                .collect();
            if anchors.iter().any(|a| !a.is_empty()) {
                docs.push(StringDoc { span: (start, j), lines, anchors, only_texts });
            }
        }
        i = j + 1;
    }
    docs
}

/// Unescape a JSON string's content; each output byte maps to the location
/// of the source character it came from.
fn unescape(content: &str, base: usize, map: &[Loc]) -> (String, Vec<Loc>) {
    let mut out = String::with_capacity(content.len());
    let mut locs = Vec::with_capacity(content.len() + 1);
    let loc = |i: usize| map.get(base + i).copied().unwrap_or_default();
    let mut chars = content.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ch = if c == '\\' {
            match chars.next() {
                Some((_, 'n')) => '\n',
                Some((_, 't')) => '\t',
                Some((_, 'r')) => '\r',
                Some((_, 'u')) => {
                    let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, h)| h)).collect();
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
                }
                Some((_, other)) => other,
                None => '\\',
            }
        } else {
            c
        };
        let before = out.len();
        out.push(ch);
        locs.extend(std::iter::repeat_n(loc(i), out.len() - before));
    }
    locs.push(loc(content.len()));
    (out, locs)
}

/// Split an unescaped string into lines, each played through the terminal
/// normaliser (a recorded terminal session — an asciinema cast, a JSON log of
/// terminal output — keeps its escapes inside the string).
fn split_doc(s: &str, map: &[Loc], line: &Logical) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in s.split('\n') {
        let end = start + part.len();
        let part_map = &map[start..=end.min(map.len() - 1)];
        let part = part.strip_suffix('\r').unwrap_or(part);
        for row in super::ansi::normalise(part.as_bytes()) {
            let at = |i: usize| {
                part_map.get(row.orig_at(i) as usize).copied().unwrap_or_else(|| part_map[part_map.len() - 1])
            };
            let m: Vec<Loc> = (0..=row.text.len()).map(at).collect();
            out.push(Logical { text: row.text, map: m, rows: line.rows.clone() });
        }
        start = end + 1;
    }
    out
}
