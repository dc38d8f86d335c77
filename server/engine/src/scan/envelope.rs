//! Structural parsing of error bodies.
//!
//! The same error body reaches us as compact or pretty JSON, as a Python
//! `repr()` of the parsed dict (single quotes, `None`/`True`, double quotes
//! around strings that hold an apostrophe), as Node's `util.inspect` output
//! (unquoted keys), or as an HTML page from a gateway. [`parse_loose`] reads
//! all of these into one `serde_json::Value`, and [`classify`] says whose
//! error shape it is, so matching never depends on key order, spacing or
//! quoting.

use serde_json::{Map, Value};

/// Whose error shape a body has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"type":"error","error":{"type":…,"message":…},"request_id":…}`.
    Anthropic,
    /// `{"error":{"type":"forbidden","message":"Request not allowed"}}`: the
    /// edge in front of the API (no wrapper, no request id).
    Edge,
    /// Google's `{"error":{"code":403,"message":…,"status":"PERMISSION_DENIED"}}`,
    /// often inside a one-element array (Vertex AI).
    Google,
    /// AWS JSON errors: `{"Message":…}` (Bedrock).
    Aws,
    /// OpenAI's `{"error":{"message","type","param","code"}}`: not ours.
    OpenAi,
    /// GitHub's `{"message","documentation_url"}`: not ours.
    GitHub,
}

/// What a body says about the error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// The shape, when recognised.
    pub shape: Option<Shape>,
    /// `error.type` (or Google's `status`).
    pub error_type: Option<String>,
    /// The error message, unescaped.
    pub message: Option<String>,
    /// `request_id`, when the body carries one.
    pub request_id: Option<String>,
    /// A status code carried inside the body (Google's `error.code`).
    pub status: Option<u16>,
}

/// Classify a parsed body.
pub fn classify(v: &Value) -> ErrorBody {
    let v = match v {
        Value::Array(items) if !items.is_empty() => &items[0],
        v => v,
    };
    let Some(obj) = v.as_object() else {
        return ErrorBody::default();
    };
    // In this order: an `error` object decides first, and the shapes after
    // it are told apart by members the earlier ones do not have.
    enveloped(obj)
        .or_else(|| bare_edge(obj))
        .or_else(|| claude_code_record(obj))
        .or_else(|| inner_error(obj))
        .or_else(|| github(obj))
        .or_else(|| aws(obj))
        .unwrap_or_default()
}

/// A string member of an object.
fn member(o: &Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// The body's request id, when it is one of Anthropic's.
fn request_id(o: &Map<String, Value>) -> Option<String> {
    member(o, "request_id").filter(|r| r.starts_with("req_"))
}

/// A body whose `error` member is an object: Anthropic's envelope, OpenAI's,
/// Google's, or the API edge's.
fn enveloped(obj: &Map<String, Value>) -> Option<ErrorBody> {
    let err = obj.get("error").and_then(Value::as_object)?;
    if obj.get("type").and_then(Value::as_str) == Some("error") {
        return Some(ErrorBody {
            shape: Some(Shape::Anthropic),
            error_type: member(err, "type"),
            message: member(err, "message"),
            request_id: request_id(obj),
            status: None,
        });
    }
    if err.contains_key("param") || (err.contains_key("code") && !err.contains_key("status")) {
        return Some(ErrorBody {
            shape: Some(Shape::OpenAi),
            error_type: member(err, "type"),
            message: member(err, "message"),
            ..ErrorBody::default()
        });
    }
    if let Some(code) = err.get("code").and_then(Value::as_u64) {
        return Some(ErrorBody {
            shape: Some(Shape::Google),
            error_type: member(err, "status"),
            message: member(err, "message"),
            status: u16::try_from(code).ok(),
            request_id: None,
        });
    }
    (err.contains_key("type") || err.contains_key("message")).then(|| ErrorBody {
        shape: Some(Shape::Edge),
        error_type: member(err, "type"),
        message: member(err, "message"),
        request_id: request_id(obj),
        status: None,
    })
}

/// The edge's body without its outer `error` key, as some clients print
/// what they read of it: exactly its two members.
fn bare_edge(obj: &Map<String, Value>) -> Option<ErrorBody> {
    let edge = member(obj, "type").as_deref() == Some("forbidden")
        && obj.get("message").is_some_and(Value::is_string)
        && obj.keys().all(|k| k == "type" || k == "message");
    edge.then(|| ErrorBody {
        shape: Some(Shape::Edge),
        error_type: member(obj, "type"),
        message: member(obj, "message"),
        ..ErrorBody::default()
    })
}

/// Claude Code's own record of a failed request, as the Agent SDKs print
/// its messages: `api_error_status` (an assistant or result message) or
/// `error_status` (an `api_retry` system message), a status it shows.
fn claude_code_record(obj: &Map<String, Value>) -> Option<ErrorBody> {
    let status = obj.get("api_error_status").or_else(|| obj.get("error_status")).and_then(Value::as_u64);
    let st = status.and_then(|n| u16::try_from(n).ok()).filter(|n| (400..600).contains(n))?;
    let failed = obj.get("is_error").and_then(Value::as_bool) == Some(true);
    if !(obj.get("error").is_some_and(Value::is_string) || obj.contains_key("api_error_type") || failed) {
        return None;
    }
    // A result record's `result` is the text Claude Code showed; the API's
    // message is what follows its `API Error: NNN`.
    let shown = member(obj, "result").filter(|_| failed && obj.get("type").and_then(Value::as_str) == Some("result"));
    let shown = shown.map(|r| {
        let m = r.rsplit_once("API Error: ").map_or(r.as_str(), |(_, m)| m);
        let m = m.trim_start_matches(|c: char| c.is_ascii_digit()).trim();
        // `Request rejected (429) · <the API's message>`; `Invalid API key ·
        // Fix external API key`: the hint is Claude Code's.
        match m.split_once(" · ") {
            Some((lead, rest)) if lead.starts_with("Request rejected (") => rest.to_owned(),
            Some((message, _)) => message.to_owned(),
            None => m.to_owned(),
        }
    });
    // Its `api_error_type` is left out: without the message a record only
    // says that the request failed, and the printing of the same failure
    // that shows the message names it (one error, one rule; a type would
    // make it specific).
    let shown = shown.filter(|m| !m.is_empty());
    let error_type = shown.as_ref().and(member(obj, "api_error_type"));
    Some(ErrorBody {
        shape: Some(Shape::Anthropic),
        error_type,
        message: shown,
        request_id: request_id(obj),
        status: Some(st),
    })
}

/// The inner error object on its own (the AI SDK's `data.error`, an SSE
/// error event's payload cut out): one of the API's types and a message,
/// and none of OpenAI's members.
fn inner_error(obj: &Map<String, Value>) -> Option<ErrorBody> {
    let t = member(obj, "type").filter(|t| is_api_error_type(t))?;
    let inner =
        obj.get("message").is_some_and(Value::is_string) && !obj.contains_key("param") && !obj.contains_key("code");
    inner.then(|| ErrorBody {
        shape: Some(Shape::Anthropic),
        error_type: Some(t),
        message: member(obj, "message"),
        request_id: request_id(obj),
        status: None,
    })
}

/// GitHub's `{"message","documentation_url"}`.
fn github(obj: &Map<String, Value>) -> Option<ErrorBody> {
    obj.contains_key("documentation_url").then(|| ErrorBody {
        shape: Some(Shape::GitHub),
        message: member(obj, "message"),
        ..ErrorBody::default()
    })
}

/// AWS JSON errors (Bedrock): `{"Message":…}`.
fn aws(obj: &Map<String, Value>) -> Option<ErrorBody> {
    let m = member(obj, "Message")?;
    Some(ErrorBody {
        shape: Some(Shape::Aws),
        message: Some(m),
        error_type: member(obj, "__type").or_else(|| member(obj, "Code")),
        ..ErrorBody::default()
    })
}

/// The error types the API documents (`error.type` of its envelope).
pub const API_ERROR_TYPES: &[&str] = &[
    "invalid_request_error",
    "authentication_error",
    "billing_error",
    "permission_error",
    "not_found_error",
    "conflict_error",
    "request_too_large",
    "rate_limit_error",
    "api_error",
    "timeout_error",
    "overloaded_error",
];

/// Whether `t` is one of [`API_ERROR_TYPES`].
pub fn is_api_error_type(t: &str) -> bool {
    API_ERROR_TYPES.contains(&t)
}

/// The API edge's minimal error page, `<!doctype html><meta charset="utf-8">
/// <meta name=viewport …><title>403</title>403 Forbidden`: its status and
/// reason phrase. Only that shape: a title that is the bare status, then the
/// status and its reason, and no `<html>` or `<body>` element.
pub fn edge_page(body: &str) -> Option<(u16, String)> {
    let lower = body.to_ascii_lowercase();
    if lower.contains("<html") || lower.contains("<body") || !lower.starts_with("<!doctype html><meta charset") {
        return None;
    }
    let open = lower.find("<title>")? + "<title>".len();
    let len = lower[open..].find("</title>")?;
    let title = body[open..open + len].trim();
    let status: u16 = title.parse().ok().filter(|s| (400..600).contains(s))?;
    let after = body[open + len + "</title>".len()..].trim();
    let reason = after.strip_prefix(title)?.trim();
    let reason = reason.lines().next().unwrap_or("").trim();
    (!reason.is_empty() && reason.len() < 60).then(|| (status, reason.to_owned()))
}

/// The `<title>` of an HTML page, or its first `<h1>`.
pub fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    for (open, close) in [("<title>", "</title>"), ("<h1>", "</h1>")] {
        if let Some(a) = lower.find(open) {
            let start = a + open.len();
            if let Some(len) = lower[start..].find(close) {
                let t = body[start..start + len].trim();
                if !t.is_empty() {
                    return Some(t.to_owned());
                }
            }
        }
    }
    None
}

/// Tracks whether a bracketed body (`{…}` / `[…]`) is complete as text
/// arrives, whatever the quoting style.
#[derive(Debug, Clone, Default)]
pub struct Bracket {
    depth: u32,
    quote: Option<u8>,
    escaped: bool,
    started: bool,
    closed_at: Option<usize>,
    seen: usize,
}

impl Bracket {
    /// Feed more text; returns the byte offset (within all text fed so far)
    /// just past the closing bracket once the body is complete.
    pub fn push(&mut self, text: &str) -> Option<usize> {
        if self.closed_at.is_some() {
            return self.closed_at;
        }
        // Every byte that matters is ASCII, and no byte of a longer UTF-8
        // character is: bytes give what characters would, and a string's
        // text is skipped to its next quote or backslash at once.
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if let Some(q) = self.quote {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == q {
                    self.quote = None;
                } else {
                    // The next byte that can end or escape the string.
                    i += memchr::memchr2(q, b'\\', &bytes[i..]).unwrap_or(bytes.len() - i);
                    continue;
                }
                i += 1;
                continue;
            }
            match c {
                b'"' | b'\'' if self.started => {
                    // Inside a body every quote opens a string: JSON, Python
                    // reprs and Node's inspect output quote all text, and
                    // their strings may hold the other kind of quote.
                    self.quote = Some(c);
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' if self.started => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        let end = self.seen + i + 1;
                        self.closed_at = Some(end);
                        return Some(end);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.seen += text.len();
        None
    }

    /// Whether the end of the text fed so far is inside a string literal.
    pub fn in_string(&self) -> bool {
        self.quote.is_some()
    }
}

/// Parse a JSON, Python-repr or JS-inspect value at the start of `s`
/// (leading whitespace allowed). Returns the value and the bytes consumed.
pub fn parse_loose(s: &str) -> Option<(Value, usize)> {
    // Most bodies are JSON as the API sent it, which serde_json reads in a
    // fraction of the loose reader's time (a dense log of errors spent a
    // tenth of its time here). The loose reader takes what it refuses
    // (Python's and Node's forms, cut bodies) and what nests deeper than it
    // reads.
    if s.starts_with('{') {
        let mut values = serde_json::Deserializer::from_str(s).into_iter::<Value>();
        if let Some(Ok(v)) = values.next() {
            if depth_within(&v, MAX_DEPTH) {
                return Some((v, values.byte_offset()));
            }
        }
    }
    let mut p = Parser { s: s.as_bytes(), i: 0, depth: 0, cut: false };
    let v = p.value()?;
    Some((v, p.i))
}

/// [`parse_loose`] of a body that was cut off (a log that truncates, a
/// person who copied part of it, a fence that ends the block before the
/// last brace): the members read before the cut, objects and arrays closed
/// where the text stops making sense.
pub fn parse_cut(s: &str) -> Option<Value> {
    let mut p = Parser { s: s.as_bytes(), i: 0, depth: 0, cut: true };
    p.value()
}

/// How deep a body may nest: past this it is no error body a client
/// printed, and reading it would only cost.
const MAX_DEPTH: u32 = 64;

/// Whether `v` nests no deeper than `depth` levels of values.
fn depth_within(v: &Value, depth: u32) -> bool {
    match v {
        _ if depth == 0 => false,
        Value::Object(m) => m.values().all(|v| depth_within(v, depth - 1)),
        Value::Array(a) => a.iter().all(|v| depth_within(v, depth - 1)),
        _ => true,
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: u32,
    /// Whether the text may stop before the value closes ([`parse_cut`]).
    cut: bool,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self) -> Option<Value> {
        self.ws();
        // Node prints `<ref *1> Error: …` for circular objects.
        if self.s[self.i..].starts_with(b"<ref *") {
            while self.peek().is_some_and(|b| b != b'>') {
                self.i += 1;
            }
            self.i += 1;
            self.ws();
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let v = match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' | b'\'' => self.string().map(Value::String),
            0xE2 if self.typographic_open() => self.typographic().map(Value::String),
            b'b' if matches!(self.s.get(self.i + 1), Some(b'\'' | b'"')) => {
                self.i += 1;
                self.string().map(Value::String)
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.word(),
        };
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Option<Value> {
        self.i += 1;
        let mut map = Map::new();
        // Where the text stops making sense: cut there, or fail.
        let cut = |p: &Self, map: Map<String, Value>| p.cut.then_some(Value::Object(map));
        loop {
            self.ws();
            match self.peek() {
                None => return cut(self, map),
                Some(b'}') => {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                Some(b',') => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let key = match self.peek() {
                Some(b'"' | b'\'') => self.string(),
                Some(0xE2) if self.typographic_open() => self.typographic(),
                // A Ruby symbol (`{:type=>"error", …}`, Ruby's inspect
                // before 3.4).
                Some(b':') => {
                    self.i += 1;
                    self.ident()
                }
                _ => self.ident(),
            };
            let Some(key) = key else { return cut(self, map) };
            self.ws();
            match self.peek() {
                Some(b':') => self.i += 1,
                // Ruby's hash rocket.
                Some(b'=') if self.s.get(self.i + 1) == Some(&b'>') => self.i += 2,
                _ => return cut(self, map),
            }
            let Some(v) = self.value() else { return cut(self, map) };
            map.insert(key, v);
        }
    }

    fn array(&mut self) -> Option<Value> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            match self.peek()? {
                b']' => {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                b',' => self.i += 1,
                // Node abbreviates deep values as `[Object]` / `[Array]`.
                b'O' | b'A' | b'F' if items.is_empty() => {
                    self.ident()?;
                    while self.peek().is_some_and(|b| b != b']') {
                        self.i += 1;
                    }
                    // Unclosed (`[Obj` at the end of the text): not a value.
                    self.peek()?;
                    self.i += 1;
                    return Some(Value::Null);
                }
                _ => items.push(self.value()?),
            }
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'-') {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn word(&mut self) -> Option<Value> {
        let start = self.i;
        let w = self.ident()?;
        Some(match w.as_str() {
            "true" | "True" => Value::Bool(true),
            "false" | "False" => Value::Bool(false),
            "null" | "None" | "undefined" | "nil" => Value::Null,
            // A dict printed without quotes (`{type: error, message: invalid
            // x-api-key}`, as a log formatter or a person wrote it): a bare
            // run of words is a string when a `,`, `}` or `]` ends it.
            _ => {
                let run = self.s[start..]
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b" _-.:/@".contains(&b)))
                    .unwrap_or(self.s.len() - start);
                if !matches!(self.s.get(start + run), Some(b',' | b'}' | b']')) {
                    return None;
                }
                self.i = start + run;
                Value::String(String::from_utf8_lossy(&self.s[start..start + run]).trim().to_owned())
            }
        })
    }

    /// Whether a typographic opening quote (`“` or `‘`) starts here: text
    /// pasted through a word processor or a chat.
    fn typographic_open(&self) -> bool {
        matches!(self.s.get(self.i..self.i + 3), Some([0xE2, 0x80, 0x9C | 0x98]))
    }

    /// A string in typographic quotes, closed by `”`/`’` (or the opening one).
    fn typographic(&mut self) -> Option<String> {
        self.i += 3;
        let start = self.i;
        while self.i + 3 <= self.s.len() {
            if matches!(&self.s[self.i..self.i + 3], [0xE2, 0x80, 0x9D | 0x99 | 0x9C | 0x98]) {
                let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.i += 3;
                return Some(text);
            }
            self.i += 1;
        }
        None
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) {
            self.i += 1;
        }
        let t = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        if let Ok(n) = t.parse::<i64>() {
            return Some(Value::from(n));
        }
        t.parse::<f64>().ok().map(Value::from)
    }

    fn string(&mut self) -> Option<String> {
        let q = self.s[self.i];
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        while let Some(b) = self.peek() {
            self.i += 1;
            if b == q {
                return Some(String::from_utf8_lossy(&out).into_owned());
            }
            if b != b'\\' {
                out.push(b);
                continue;
            }
            let e = self.peek()?;
            self.i += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'b' => out.push(0x08),
                b'f' => out.push(0x0c),
                b'u' => {
                    let c = self.hex(4)?;
                    let c = if (0xd800..0xdc00).contains(&c) && self.s[self.i..].starts_with(b"\\u") {
                        self.i += 2;
                        let lo = self.hex(4)?;
                        0x10000 + ((c - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff)
                    } else {
                        c
                    };
                    let ch = char::from_u32(c).unwrap_or('\u{fffd}');
                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                }
                b'x' => {
                    let c = self.hex(2)?;
                    let ch = char::from_u32(c).unwrap_or('\u{fffd}');
                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                }
                other => out.push(other),
            }
        }
        None
    }

    fn hex(&mut self, n: usize) -> Option<u32> {
        let t = std::str::from_utf8(self.s.get(self.i..self.i + n)?).ok()?;
        self.i += n;
        u32::from_str_radix(t, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bracket reader as it read characters, before it read bytes.
    fn closes_by_chars(text: &str) -> Option<usize> {
        let (mut depth, mut quote, mut escaped, mut started) = (0u32, None, false, false);
        for (i, c) in text.char_indices() {
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '"' | '\'' if started => quote = Some(c),
                '{' | '[' => {
                    depth += 1;
                    started = true;
                }
                '}' | ']' if started => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Reading bytes finds the close characters found, on every fixture's
    /// text from each of its brackets, whole and fed in pieces.
    #[test]
    fn the_bracket_reader_closes_where_characters_close() {
        let mut checked = 0;
        for bytes in crate::fixture_files() {
            let text = String::from_utf8_lossy(&bytes);
            for (at, _) in text.match_indices(['{', '[']).step_by(7) {
                let rest = &text[at..];
                let rest = &rest[..rest.floor_char_boundary(4096)];
                let want = closes_by_chars(rest);
                assert_eq!(Bracket::default().push(rest), want, "{rest}");
                let mut b = Bracket::default();
                let mut got = None;
                let mut from = 0;
                for (i, _) in rest.char_indices().filter(|(i, _)| i % 13 == 0) {
                    got = b.push(&rest[from..i]).or(got);
                    from = i;
                }
                assert_eq!(b.push(&rest[from..]).or(got), want, "{rest}");
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// serde_json's reading of a JSON body is the loose reader's, so that
    /// taking it first changes nothing: escapes, surrogate pairs, nesting,
    /// what follows the body, and bodies nested past the loose reader's
    /// depth (both refuse them).
    #[test]
    fn json_is_read_as_the_loose_reader_reads_it() {
        let deep = format!("{}1{}", r#"{"a":"#.repeat(70), "}".repeat(70));
        for s in [
            r#"{"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CQ7qZma6cJxJaT73dZWee"} · Please run /login"#,
            r#"{ "a" : [1, -2, 3.5, 1e5, true, false, null], "b": "\"q\" \\ \/ \n\t\u00e9\ud83d\ude00" }"#,
            r#"{"message":"x"}}} trailing"#,
            r#"{"nested":{"deeper":{"deepest":[{"x":[]}]}}}"#,
            &deep,
        ] {
            let mut p = Parser { s: s.as_bytes(), i: 0, depth: 0, cut: false };
            let loose = p.value().map(|v| (v, p.i));
            assert_eq!(parse_loose(s), loose, "{s}");
        }
    }

    fn body(s: &str) -> ErrorBody {
        classify(&parse_loose(s).expect("parses").0)
    }

    #[test]
    fn anthropic_envelope_in_any_order_and_quoting() {
        let want = ErrorBody {
            shape: Some(Shape::Anthropic),
            error_type: Some("permission_error".into()),
            message: Some("Permission denied".into()),
            request_id: Some("req_011CAB".into()),
            status: None,
        };
        for s in [
            r#"{"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CAB"}"#,
            r#"{"request_id":"req_011CAB","error":{"message":"Permission denied","details":{"x":[1,2]},"type":"permission_error"},"type":"error"}"#,
            "{'type': 'error', 'error': {'type': 'permission_error', 'message': 'Permission denied'}, 'request_id': 'req_011CAB'}",
            "{\n  \"type\": \"error\",\n  \"error\": {\n    \"type\": \"permission_error\",\n    \"message\": \"Permission denied\"\n  },\n  \"request_id\": \"req_011CAB\"\n}",
            "{ type: 'error', error: { type: 'permission_error', message: 'Permission denied' }, request_id: 'req_011CAB' }",
            // Ruby's inspect, before 3.4 and after.
            r#"{:type=>"error", :error=>{:type=>"permission_error", :message=>"Permission denied", :details=>nil}, :request_id=>"req_011CAB"}"#,
            r#"{"type"=>"error", "error"=>{"type"=>"permission_error", "message"=>"Permission denied"}, "request_id"=>"req_011CAB"}"#,
            r#"{type: "error", error: {type: "permission_error", message: "Permission denied"}, request_id: "req_011CAB"}"#,
        ] {
            assert_eq!(body(s), want, "{s}");
        }
    }

    #[test]
    fn python_repr_apostrophes_and_none() {
        let b = body(
            r#"{'type': 'error', 'error': {'type': 'permission_error', 'message': "Your organization's role\nis limited", 'details': None}, 'request_id': None}"#,
        );
        assert_eq!(b.message.as_deref(), Some("Your organization's role\nis limited"));
        assert_eq!(b.request_id, None);
    }

    #[test]
    fn other_shapes() {
        assert_eq!(body(r#"{"error":{"type":"forbidden","message":"Request not allowed"}}"#).shape, Some(Shape::Edge));
        let g = body(r#"[{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}]"#);
        assert_eq!(
            (g.shape, g.status, g.error_type.as_deref()),
            (Some(Shape::Google), Some(403), Some("PERMISSION_DENIED"))
        );
        assert_eq!(body(r#"{"Message":"You don't have access"}"#).shape, Some(Shape::Aws));
        assert_eq!(
            body(r#"{"error":{"message":"x","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#)
                .shape,
            Some(Shape::OpenAi)
        );
        assert_eq!(
            body(r#"{"message":"Not Found","documentation_url":"https://docs.github.com"}"#).shape,
            Some(Shape::GitHub)
        );
    }

    #[test]
    fn the_inner_error_object_is_anthropics_but_openais_is_not() {
        let b = body(r#"{"type":"overloaded_error","message":"Overloaded"}"#);
        assert_eq!((b.shape, b.error_type.as_deref()), (Some(Shape::Anthropic), Some("overloaded_error")));
        let o = body(r#"{"type":"invalid_request_error","message":"x","param":null,"code":null}"#);
        assert_eq!(o.shape, None);
    }

    #[test]
    fn claude_codes_records_of_a_failed_request_show_its_status() {
        let b = body(
            "{'type': 'system', 'subtype': 'api_retry', 'attempt': 1, 'error_status': 429, 'error': 'rate_limit'}",
        );
        assert_eq!((b.shape, b.status), (Some(Shape::Anthropic), Some(429)));
        let b = body("{ type: 'assistant', error: 'authentication_failed', request_id: 'req_011C26Y5NwrAJGr6sEJprKwU', api_error_status: 403, api_error_type: 'permission_error' }");
        assert_eq!((b.status, b.request_id.as_deref()), (Some(403), Some("req_011C26Y5NwrAJGr6sEJprKwU")));
        assert_eq!(body("{'status': 200, 'error_status': 200, 'error': 'none'}").shape, None);
    }

    #[test]
    fn bracket_tracks_strings_of_both_quotes() {
        let mut b = Bracket::default();
        assert_eq!(b.push(r#"{"a":"}]'","b":{"#), None);
        assert!(!b.in_string());
        assert_eq!(b.push(r#""c":"x\"}"#), None);
        assert!(b.in_string());
        assert_eq!(b.push(r#"y"}} tail"#), Some(29));
    }

    #[test]
    fn malformed_input_is_none_not_panic() {
        for s in ["{", "{'a'", "{\"a\":}", "[1,", "\"\\u12", "{a b}", "", "}", "<ref *1", "[Obj", "{a: [Object"] {
            assert!(parse_loose(s).is_none_or(|(_, n)| n <= s.len()), "{s}");
        }
    }

    #[test]
    fn html_title() {
        assert_eq!(super::html_title("<html><head><title>403 Forbidden</title>").as_deref(), Some("403 Forbidden"));
    }
}
