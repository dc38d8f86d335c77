//! Where an error printing starts: the recognisers.
//!
//! Each recogniser finds the *first token* of one way an error is printed
//! (`API Error:`, an SDK exception line, an HTTP status line, …) and says
//! where its body starts, who printed it and how sure that alone makes us.
//! Bodies are read by [`super::envelope`]; whether an uncertain printing is
//! Anthropic's is decided later from its context ([`super::attribution`]).

use super::context::Twin;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

pub use super::vocab::Producer;

/// How the body after an anchor is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// The rest of the line (and possibly a bracketed or HTML body that
    /// continues on following lines).
    Rest,
    /// Nothing after the anchor belongs to it: the anchor carries everything.
    None,
    /// HTTP: headers, a blank line, then the body.
    Http,
    /// A Node `util.inspect` dump of an error object: the header line
    /// (`APICallError [AI_APICallError]: Permission denied`), stack frames,
    /// then `{ statusCode: 403, url: '…', responseBody: '…' }`. The status and
    /// body are in the dump, so the printing ends where the dump closes.
    Dump,
    /// Claude Code's connection screen: the advice lines after the check's
    /// result (`rules/texts.toml`, `[screen]`), blank lines between, are
    /// the printing's.
    Screen,
}

/// One recognised first token.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// Byte offset where the finding starts (leading hints included).
    pub start: usize,
    /// Byte offset where the body starts.
    pub body: usize,
    /// How to read the body.
    pub kind: BodyKind,
    /// The status, when the anchor shows or implies one.
    pub status: Option<u16>,
    /// Whether `status` was inferred rather than shown.
    pub inferred: bool,
    /// Who printed it.
    pub producer: Producer,
    /// The anchor alone proves an Anthropic client printed it.
    pub strong: bool,
    /// The anchor alone proves it is someone else's error.
    pub foreign: bool,
    /// A message the anchor itself shows (fixed Claude Code texts).
    pub message: Option<String>,
    /// Hints joined by ` · ` before the anchor.
    pub hints: Vec<String>,
    /// A platform the anchor names (AWS/Google hints).
    pub platform: Option<super::Platform>,
    /// Printed as the repr of an exception (`SomeError('…')`): the body is
    /// inside a string literal quoted with this character.
    pub repr: Option<char>,
    /// The fixed text (`rules/texts.toml`) it is, if it is one.
    pub fixed: Option<&'static super::texts::Text>,
    /// A one-line printing whose next line belongs to it when it starts
    /// with this.
    pub continued: Option<&'static str>,
    /// A sentence Claude Code's TUI may have wrapped: indented lines after
    /// it go on with it.
    pub wraps: bool,
    /// The error type the anchor names (`AccessDeniedException`).
    pub error_type: Option<&'static str>,
    /// A bare body whose printing starts on the line before (`Error: Failed
    /// to load usage data:` over the JSON).
    pub led: bool,
}

impl Anchor {
    /// An anchor for a bare error body starting at `start`.
    pub fn bare(start: usize) -> Self {
        Anchor::new(start, start, None, Producer::Unknown)
    }

    fn new(start: usize, body: usize, status: Option<u16>, producer: Producer) -> Self {
        Anchor {
            start,
            body,
            kind: BodyKind::Rest,
            status,
            inferred: false,
            producer,
            strong: false,
            foreign: false,
            message: None,
            hints: Vec::new(),
            platform: None,
            repr: None,
            fixed: None,
            continued: None,
            wraps: false,
            error_type: None,
            led: false,
        }
    }
}

/// Words one of which every recognised printing contains. Lines without any
/// skip the regexes entirely: this keeps the scanner near memory speed.
static PREFILTER: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(&*WORDS).expect("prefilter patterns are valid"));

/// The structural keywords and every fixed text of the catalog
/// (`rules/texts.toml`): what a line must contain to be looked at.
static WORDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| KEYWORDS.iter().copied().chain(super::texts::literals()).collect());

const KEYWORDS: &[&str] = &[
    "API Error",
    " · Retrying in ",
    "' for url '",
    "HTTP Request: ",
    // httpcore's trace (covered by the jump's `HTTP`).
    "return_value=(b'HTTP/",
    "Request failed with status code",
    // Claude Code's connection screen: the check's result (`Failed to connect
    // to api.anthropic.com: Status 403`, or axios's code for a status).
    ": Status ",
    "ERR_BAD_RE",
    "Error code: ",
    "HTTP/",
    "rror: ",
    "rror (",
    "rror]: ",
    "AccessDenied",
    "PermissionDenied",
    "<title>",
    // A page after a wrapper's own words (`… failed on attempt 1: <html>`).
    ": <html",
    ": <!doctype",
    ": <!DOCTYPE",
    "403 Forbidden",
    "\"error\"",
    "'error'",
    "\\\"error\\\"",
    "\"Message\"",
    // The API's error object without its envelope (`{"type":
    // "overloaded_error","message":"Overloaded"}`, as the AI SDK and apps
    // built on it print `error.data.error`): its type ends so.
    "_error\"",
    "_error'",
    "_error\\\"",
    // The API's error types after their status in prose or a log message
    // (`Repeated 529 overloaded_error responses`, `got 429 rate_limit_error`).
    "permission_error",
    "authentication_error",
    "not_found_error",
    "rate_limit_error",
    "overloaded_error",
    "billing_error",
    "timeout_error",
];

/// Every literal the hot path looks for inside a line (the keywords, the
/// fixed texts, the TUI marks): the scanner's jump between lines
/// (`super::Jump`) searches for a superset of them.
pub(crate) fn hot_literals() -> impl Iterator<Item = &'static str> {
    WORDS.iter().copied().chain(MARKS.iter().copied())
}

/// Whether a line may hold an anchor at all.
pub fn may_match(text: &str) -> bool {
    PREFILTER.is_match(text)
}

/// The same question on a raw physical line, also true where terminal
/// sequences or TUI marks could hide or split a keyword: such a line must be
/// normalised before anyone can tell.
pub fn may_match_raw(line: &[u8]) -> bool {
    memchr::memchr2(0x1b, 0x08, line).is_some() || HOT.find(line).is_some()
}

/// Whether a line opens a pretty-printed body on its own (`{`, `[`, `[{`).
pub fn opens_body(text: &str) -> bool {
    opens_body_raw(text.as_bytes())
}

/// [`opens_body`] on a raw physical line: exactly `{`, `[` or `[{` after
/// spaces or tabs (the whole-line patterns the hot path searches for).
pub fn opens_body_raw(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let start = line.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(line.len());
    matches!(&line[start..], b"{" | b"[" | b"[{")
}

/// TUI marks: the rows after them may be Claude Code's own wrap.
const MARKS: &[&str] = &["⎿", "●", "⏺", "─", "━", "═"];

/// A line that is only `{`, `[` or `[{` (indented or not), with the byte
/// before it: the way a pretty-printed body starts, as a whole-line pattern.
static OPENERS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut v = Vec::new();
    for lead in ["\n", " ", "\t"] {
        for opener in ["{", "[", "[{"] {
            for end in ["\n", "\r\n"] {
                v.push(format!("{lead}{opener}{end}").into_bytes());
            }
        }
    }
    v
});

/// Every keyword, mark and opener, searched with SIMD (Teddy) where the CPU
/// allows it: this search is the scanner's hot path.
enum Hot {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Hot {
    /// Teddy where the CPU has it, else an automaton that reads a byte at a
    /// time.
    fn new<P: AsRef<[u8]>>(pats: &[P]) -> Self {
        match aho_corasick::packed::Config::new().builder().extend(pats).build() {
            Some(s) => Hot::Packed(s),
            None => Hot::Automaton(AhoCorasick::new(pats).expect("literal patterns are valid")),
        }
    }

    fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        match self {
            Hot::Packed(s) => s.find(hay).map(|m| (m.start(), m.pattern().as_usize())),
            Hot::Automaton(a) => a.find(hay).map(|m| (m.start(), m.pattern().as_usize())),
        }
    }
}

static HOT: LazyLock<Hot> = LazyLock::new(|| {
    let mut pats: Vec<Vec<u8>> = WORDS.iter().chain(MARKS).map(|k| k.as_bytes().to_vec()).collect();
    pats.extend(OPENERS.iter().cloned());
    Hot::new(&pats)
});

/// A recogniser's pattern with its ASCII twin ([`Twin`]): the fast engines
/// on lines holding ` · ` or a TUI mark (29 % of the dense benchmark went to
/// the slow ones before the twins).
macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Twin> = LazyLock::new(|| Twin::new($pat));
    };
}

re!(
    CLAUDE,
    r"API Error(?: \((?P<model>[^)]*)\))?: (?:(?P<s1>[1-5]\d\d)\b ?|Request rejected \((?P<s2>[1-5]\d\d)\)(?: · )?|Repeated (?P<s3>[1-5]\d\d) )"
);
// Claude Code's spinner row while it retries (2.1.2xx): `✻ 529 Overloaded ·
// Retrying in 24s · attempt 10/10`.
re!(RETRY_ROW, r"(?:^|[✻✽✢✶*·]\s+|\s)(?P<s>[45]\d\d) (?P<msg>[A-Z][^·]{0,80}?) · Retrying in \d");
// Claude Code's retry row: `API Error (529 {…}) · Retrying in 4 seconds…
// (attempt 4/10)`: the status and body inside the parentheses.
re!(CLAUDE_RETRY, r"API Error \((?P<s>[1-5]\d\d) ");
re!(LEAD_HINTS, r"(?:^|[●⏺⎿✻✗×⚠]\s*|\s\s|^\s*)(?P<hints>[^●⏺⎿·]*?(?: · [^·]+?)*) · $");
re!(FAILED_AUTH, r"Failed to authenticate\. $");
re!(
    PY,
    r"(?P<mod>\b(?:[A-Za-z_]\w*\.)+)?(?P<cls>\b[A-Z]\w*)?(?P<repr>\(['\x22])?(?:: )?\bError code: (?P<s>[1-5]\d\d)(?: - |$|['\x22]\))"
);
re!(
    STATUS_BODY,
    r"(?P<pre>\b[A-Z]\w*Error|\b[Ee]rror\b[^:\x22'{}]{0,80}|\bAPI error\b[^:]{0,60}): (?P<s>[1-5]\d\d) (?:[1-5]\d\d )?(?P<body>[\{\[<]|status code \(no body\))"
);
// A status alone before the body, at the start of a line (what an app shows
// of the response: `529 {"type":"error",…}`, `403 <!doctype html>…`).
re!(LEAD_STATUS, r#"^[\s>`*"'-]*(?P<s>[45]\d\d):? (?P<body>\{|<(?i:!doctype|html))"#);
re!(HTTP, r"^(?:< )?HTTP/(?:1\.[01]|2|3)(?:\.0)? (?P<s>[45]\d\d)\b");
re!(
    AWS,
    r"\b(?:[\w]+\.)*AccessDeniedException\b(?:\)?:? ?(?:An error occurred \(AccessDeniedException\) when calling the \w+ operation: )?)"
);
// botocore's wording without the exception's class (a Lambda log line):
// `An error occurred (AccessDeniedException) when calling the InvokeModel
// operation: …`.
re!(AWS_CALL, r"\bAn error occurred \(AccessDeniedException\) when calling the \w+ operation: ");
re!(GOOGLE, r"\b(?:google\.api_core\.exceptions\.)?PermissionDenied: (?P<s>403) ");
re!(HTML_TITLE, r"(?i)<title>(?P<s>[45]\d\d)(?: [^<]*)?</title>");
re!(FORBIDDEN, r"\b403 Forbidden\b");
// An exception whose message is an HTML page (a gateway answered):
// `anthropic.PermissionDeniedError: <html>`, `Error: <!DOCTYPE html>…`,
// and wrappers' chains before the page (`…Error: …AnthropicException -
// <html>`, pydantic-ai's `…Error: status_code: 403, …, body: <html>`).
re!(
    HTML_EXC,
    r"(?P<mod>\b(?:[a-z_]\w*\.)+)?\b(?:[A-Z]\w*)?(?:Error|Exception)(?:: | - )(?:[^<]{0,200}?(?:: | - ))?(?i:(?P<body><(?:!doctype\s+)?html\b))"
);
// A wrapper's own words before the page (instructor's `API call failed on
// attempt 1: <html>`, `… Last error: <html>`).
re!(HTML_AFTER, r"(?i)\b(?:error|failed)\b[^<]{0,120}?: (?P<body><(?:!doctype\s+)?html\b)");
// The SDKs' exception with a plain-text message (`AuthenticationError: 401
// invalid x-api-key`, openai-node on the OpenAI-compatible endpoint): its
// type and request id are in the property dump after it, if anywhere.
re!(STATUS_TEXT, r"\b[A-Z]\w*Error: (?P<s>[45]\d\d) (?:[45]\d\d )?(?P<msg>[^\s{\[<(].*)$");
// Node's inspect header of an error whose `name` differs from its class
// (the Vercel AI SDK's `APICallError [AI_APICallError]: …`, `RetryError
// [AI_RetryError]: …`): what it says is in the property dump after it.
re!(NODE_DUMP, r"\b[A-Z]\w*(?:Error|Exception) \[[A-Za-z_]\w*\]: ");
// httpx's exception and the wrappers that re-raise it (litellm's
// `MaskedHTTPStatusError`): `Client error '401 Unauthorized' for url '…'`.
re!(HTTPX_ERROR, r"\b(?:Client|Server) error '(?P<s>[45]\d\d) (?P<reason>[^']*)' for url '(?P<url>[^']+)'");
// The log line httpx writes about every request:
// `HTTP Request: POST https://…/v1/messages "HTTP/1.1 403 Forbidden"`.
// requests' `raise_for_status()`: `requests.exceptions.HTTPError: 403 Client
// Error: Forbidden for url: https://…`.
re!(
    REQUESTS_ERROR,
    r"(?:\b[\w.]*HTTPError: )?\b(?P<s>[45]\d\d) (?:Client|Server) Error: [^\n]*? for url: (?P<url>\S+)"
);
// aiohttp's: `aiohttp.client_exceptions.ClientResponseError: 403,
// message='Forbidden', url=URL('https://…')` (or the URL bare, quoted).
re!(
    AIOHTTP_ERROR,
    r"\b(?:[\w.]*ClientResponseError: )(?P<s>[45]\d\d), message='[^']*', url=(?:URL\()?'(?P<url>[^']+)'"
);
// The Python SDK's own debug log line says only the status
// (`[anthropic._base_client] HTTP Request: POST …/v1/messages "400 Bad Request"`).
re!(HTTPX_LOG, r#"\bHTTP Request: [A-Z]+ (?P<url>\S+) "(?:HTTP/[\d.]+ )?(?P<s>[45]\d\d)\b[^"]*""#);
// httpcore's trace of the response it read, with the headers after it:
// `receive_response_headers.complete return_value=(b'HTTP/1.1', 400, b'Bad
// Request', [(b'request-id', …), …])`.
re!(HTTPCORE_TRACE, r"\breceive_response_headers\.complete return_value=\(b'HTTP/[\d.]+', (?P<s>[45]\d\d), b'");
// Claude Code's connection screen and login: the status after its own
// words (2.1.x `Status 403`), or axios's wording of it, or axios's code for
// a status it does not show.
re!(
    CONNECT,
    r"\b(?P<what>Failed to connect to \S+|OAuth error): (?:(?:Request failed with status code |Status )(?P<s>[45]\d\d)\b|(?P<code>ERR_BAD_REQUEST|ERR_BAD_RESPONSE)\b)"
);

// The API's inner error object printed on its own, without the envelope
// (`{"type":"overloaded_error","message":"Overloaded"}`): its type is one of
// the API's error types (checked in `find`), and it is not the `error`
// member of an envelope (that body is read from its own opening brace).
// The edge's bare body is one too (`{"type":"forbidden","message":"Request
// not allowed"}`, without the outer `error` key).
re!(INNER, r#"\{\s*["'“‘]?type["'”’]?\s*:\s*["'“‘](?P<t>[a-z_]+)["'”’]"#);

/// A recogniser's matches on a line, run only when the line holds the
/// literal every match contains (`holds`): most stopped lines hold few of
/// them, and a regex pass costs more than a substring search.
fn guarded<'r, 't>(
    re: &'r Twin,
    text: &'t str,
    holds: bool,
) -> impl Iterator<Item = regex::Captures<'t>> + use<'r, 't> {
    holds.then(|| re.captures_iter(text)).into_iter().flatten()
}

/// Whether a line starts a new printing by a known client (used to end a
/// body that never closed). Anchors that only occur inside bodies, such as
/// an HTML `<title>`, do not count.
pub fn starts_printing(text: &str) -> bool {
    may_match(text) && find(text).iter().any(|a| a.producer != Producer::Unknown)
}

/// Find the anchors in one line of normalised text, leftmost first, not
/// overlapping.
pub fn find(text: &str) -> Vec<Anchor> {
    find_pruned(text, true)
}

/// [`find`], skipping the weak recognisers whose anchors would be dropped
/// when `prune` (the tests compare both).
fn find_pruned(text: &str, prune: bool) -> Vec<Anchor> {
    if !may_match(text) {
        return Vec::new();
    }
    let mut found: Vec<Anchor> = Vec::new();
    // The floor once the line's first anchor is found (it stays first).
    let mut floor: Option<Option<usize>> = None;
    for recogniser in RECOGNISERS {
        match *recogniser {
            Recogniser::Any(recognise) => recognise(text, &mut found),
            Recogniser::Weak(needs, recognise) => {
                if prune && floor.is_none() && found.iter().any(|a| a.start == 0) {
                    floor = Some(weak_floor(text, &found));
                }
                let from = floor.unwrap_or(Some(0));
                if !prune || from.is_some_and(|f| needs.iter().any(|n| text[f..].contains(n))) {
                    recognise(text, &mut found);
                }
            }
        }
    }
    keep_leftmost(text, found)
}

/// A recogniser, and whether [`keep_leftmost`] could keep what it finds
/// once the line's first printing is known: most lines of a dense log hold
/// one printing, whose body every weaker recogniser matches again only for
/// its anchor to be dropped (14 % of the instructions per finding).
#[derive(Clone, Copy)]
enum Recogniser {
    /// It may find a strong anchor: it always runs.
    Any(fn(&str, &mut Vec<Anchor>)),
    /// Its anchors are never strong, and each one starts at or before the
    /// place where its match holds one of these literals: it runs only when
    /// one of them stands where a weak anchor could still be kept (`""`:
    /// whenever one could be kept anywhere, for patterns tied to the line's
    /// start).
    Weak(&'static [&'static str], fn(&str, &mut Vec<Anchor>)),
}

/// Where a weak anchor could still be kept, given what is found so far:
/// `None` where it never could.
///
/// The first anchor found at the line's start, `first`, is always kept. A
/// weak anchor after it is kept only past its body (a `None` kind) or after a
/// strong printing of its own past the close of its bracketed body (a `Rest`
/// kind); after the other kinds nothing is. For a `None` kind the answer is
/// the start of the line: the inner object's search reads what is found, so
/// that a skipped recogniser could change what it finds.
fn weak_floor(text: &str, found: &[Anchor]) -> Option<usize> {
    let Some(first) = found.iter().find(|a| a.start == 0) else {
        return Some(0);
    };
    match first.kind {
        BodyKind::None => Some(0),
        BodyKind::Rest => closed_body_end(text, first.body),
        BodyKind::Http | BodyKind::Dump | BodyKind::Screen => None,
    }
}

/// The recognisers, in the order their anchors rank: among anchors at the
/// same place the one found first wins, and a later recogniser may look at
/// what the earlier ones found (the fixed texts skip the body of an `API
/// Error:`, the inner object is searched for only before a body).
const RECOGNISERS: &[Recogniser] = &[
    Recogniser::Any(claude),
    Recogniser::Any(claude_retry),
    Recogniser::Any(retry_row),
    Recogniser::Any(fixed_texts),
    Recogniser::Any(python_sdk),
    Recogniser::Weak(&["rror"], status_body),
    Recogniser::Weak(&[""], lead_status),
    Recogniser::Weak(&[""], http_status),
    Recogniser::Any(httpx),
    Recogniser::Any(connect),
    Recogniser::Weak(&["AccessDenied"], aws),
    Recogniser::Weak(&["PermissionDenied: "], google),
    Recogniser::Weak(&["<"], html_title),
    Recogniser::Weak(&["rror: "], status_text),
    Recogniser::Any(html_exception),
    Recogniser::Weak(&[": <"], html_after),
    Recogniser::Weak(&["]: "], node_dump),
    Recogniser::Weak(&["_error", "forbidden", "request_too_large"], inner),
    Recogniser::Weak(&["403 Forbidden"], forbidden),
    Recogniser::Any(status_type),
    Recogniser::Weak(&["rror ("], status_paren),
];

/// Leftmost first; among anchors at the same place, the most specific (the
/// one found first) wins. Later anchors inside an earlier anchor's own line
/// text are part of it (`API Error: 403 {… 403 Forbidden`).
fn keep_leftmost(text: &str, mut found: Vec<Anchor>) -> Vec<Anchor> {
    found.sort_by_key(|a| a.start);
    let mut kept: Vec<Anchor> = Vec::new();
    for a in found {
        if let Some(prev) = kept.last() {
            // Past the close of the body before it, a client's own printing
            // is a printing of its own (`API Error: 403 {…} /login  Login
            // OAuth error: Request failed with status code 403`).
            let after_body =
                a.strong && prev.kind == BodyKind::Rest && closed_body_end(text, prev.body).is_some_and(|end| end <= a.start);
            if a.start < prev.body.max(prev.start + 1) || (prev.kind != BodyKind::None && !after_body) {
                continue;
            }
        }
        kept.push(a);
    }
    kept
}

/// Claude Code's `API Error: NNN` (and `Request rejected (NNN)`, `Repeated NNN`), with the hints before it.
fn claude(text: &str, found: &mut Vec<Anchor>) {
    for form in claude_forms(text) {
        let s = form.status.and_then(|s| s.parse().ok());
        let mut a = Anchor::new(form.start, form.end, s, Producer::ClaudeCode);
        a.strong = true;
        // `API Error (us.anthropic.claude-sonnet-4-…-v1:0): 403 …`: the model
        // id Claude Code names says which platform answered.
        a.platform = form.model.and_then(model_platform);
        if form.repeated {
            a.body = form.start + "API Error: ".len();
        }
        leading_hints(text, &mut a);
        found.push(a);
    }
}

/// One match of [`CLAUDE`]: where it is and what its groups hold.
#[derive(Debug, PartialEq, Eq)]
struct ClaudeForm<'t> {
    start: usize,
    end: usize,
    model: Option<&'t str>,
    status: Option<&'t str>,
    /// The `Repeated NNN` form.
    repeated: bool,
}

impl<'t> ClaudeForm<'t> {
    /// What a match of the pattern itself says.
    fn from_captures(c: &regex::Captures<'t>) -> Self {
        let m = c.get(0).expect("group 0");
        ClaudeForm {
            start: m.start(),
            end: m.end(),
            model: c.name("model").map(|m| m.as_str()),
            status: c.name("s1").or(c.name("s2")).or(c.name("s3")).map(|s| s.as_str()),
            repeated: c.name("s3").is_some(),
        }
    }
}

/// Every match of [`CLAUDE`] in `text`, leftmost first. The pattern is
/// read by hand where the text is ASCII, which is nearly always: its
/// captures were a twelfth of the instructions per finding on a dense log.
/// Where a digit or a word boundary depends on a character beyond ASCII,
/// the pattern answers.
fn claude_forms(text: &str) -> Vec<ClaudeForm<'_>> {
    let mut forms = Vec::new();
    let mut at = 0;
    while let Some(off) = memchr::memmem::find(&text.as_bytes()[at..], b"API Error") {
        let p = at + off;
        let form = match claude_at(text, p) {
            Read::Form(form) => form,
            Read::None => {
                at = p + 1;
                continue;
            }
            Read::Ask => {
                let Some(c) = CLAUDE.on(text).captures_at(text, p) else { break };
                ClaudeForm::from_captures(&c)
            }
        };
        at = form.end;
        forms.push(form);
    }
    forms
}

/// What [`claude_at`] could tell.
enum Read<'t> {
    Form(ClaudeForm<'t>),
    /// No match starts here.
    None,
    /// A character beyond ASCII decides: ask the pattern.
    Ask,
}

/// [`CLAUDE`] at `p`, where `API Error` starts.
fn claude_at(text: &str, p: usize) -> Read<'_> {
    let b = text.as_bytes();
    let mut i = p + "API Error".len();
    let mut model = None;
    if b[i..].starts_with(b" (") {
        let Some(close) = memchr::memchr(b')', &b[i + 2..]) else { return Read::None };
        model = Some(&text[i + 2..i + 2 + close]);
        i += 2 + close + 1;
    }
    let Some(rest) = b[i..].strip_prefix(b": ") else { return Read::None };
    let q = i + 2;
    // The match ends at `end`, its status is the three bytes at `s`.
    let form = |end, s: usize, repeated| {
        Read::Form(ClaudeForm { start: p, end, model, status: Some(&text[s..s + 3]), repeated })
    };
    // `NNN`, then a word boundary and an optional space.
    match status_digits(rest) {
        Some(true) => {
            return match rest.get(3) {
                None => form(q + 3, q, false),
                Some(c) if !c.is_ascii() => Read::Ask,
                Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => Read::None,
                Some(c) => form(q + 3 + usize::from(*c == b' '), q, false),
            };
        }
        None => return Read::Ask,
        Some(false) => {}
    }
    for (lead, repeated) in [(&b"Request rejected ("[..], false), (&b"Repeated "[..], true)] {
        let Some(after) = rest.strip_prefix(lead) else { continue };
        let s = q + lead.len();
        let tail: &[u8] = if repeated { b" " } else { b")" };
        return match status_digits(after) {
            None => Read::Ask,
            Some(false) => Read::None,
            Some(true) if !after[3..].starts_with(tail) => Read::None,
            Some(true) => {
                let mut end = s + 4;
                if !repeated && b[end..].starts_with(" · ".as_bytes()) {
                    end += " · ".len();
                }
                form(end, s, repeated)
            }
        };
    }
    Read::None
}

/// Whether `b` starts with a status as [`CLAUDE`] reads one (`[1-5]\d\d`):
/// `None` where a byte beyond ASCII stands in its place (a digit of
/// another script may be one).
fn status_digits(b: &[u8]) -> Option<bool> {
    let digits = b.get(..3).unwrap_or(b);
    if !digits.is_ascii() {
        return None;
    }
    Some(digits.len() == 3 && (b'1'..=b'5').contains(&digits[0]) && digits[1..].iter().all(u8::is_ascii_digit))
}

/// The platform a model id belongs to: Bedrock's (`anthropic.claude-…-v1:0`,
/// with a region prefix or an inference-profile ARN) or Vertex's
/// (`claude-…@20250514`); the API's own ids name none.
fn model_platform(model: &str) -> Option<super::Platform> {
    if model.contains("anthropic.claude") || model.starts_with("arn:aws:bedrock") {
        Some(super::Platform::Bedrock)
    } else if model.starts_with("claude") && model.contains('@') {
        Some(super::Platform::Vertex)
    } else {
        None
    }
}

/// Claude Code's retry row: `API Error (529 {…}) · Retrying in 4 seconds…`.
fn claude_retry(text: &str, found: &mut Vec<Anchor>) {
    // Literal checks first: most lines hold neither form.
    let retry_rows = if text.contains("API Error (") { Some(CLAUDE_RETRY.captures_iter(text)) } else { None };
    for c in retry_rows.into_iter().flatten() {
        let m = c.get(0).expect("group 0");
        let mut a = Anchor::new(m.start(), m.end(), c["s"].parse().ok(), Producer::ClaudeCode);
        a.strong = true;
        let rest = &text[m.end()..];
        if !rest.starts_with(['{', '[', '<']) {
            // `API Error (529 Overloaded) · Retrying…`: the message is what
            // the parentheses hold.
            let close = rest.find(") · ").or_else(|| rest.rfind(')')).unwrap_or(rest.len());
            a.message = Some(rest[..close].trim().to_owned()).filter(|m| !m.is_empty());
            a.kind = BodyKind::None;
            a.body = m.end() + (close + 1).min(rest.len());
        }
        leading_hints(text, &mut a);
        found.push(a);
    }
}

/// Claude Code's spinner row while it retries: `✻ 529 Overloaded · Retrying in 24s`.
fn retry_row(text: &str, found: &mut Vec<Anchor>) {
    let retrying = if text.contains(" · Retrying in ") { Some(RETRY_ROW.captures_iter(text)) } else { None };
    for c in retrying.into_iter().flatten() {
        let (Some(st), Some(msg)) = (c.name("s"), c.name("msg")) else { continue };
        let mut a = Anchor::new(st.start(), msg.end(), st.as_str().parse().ok(), Producer::ClaudeCode);
        a.strong = true;
        a.kind = BodyKind::None;
        a.message = Some(msg.as_str().trim().to_owned());
        found.push(a);
    }
}

/// The catalog's fixed texts (`texts.toml`): Claude Code's short forms and the API's wordings.
fn fixed_texts(text: &str, found: &mut Vec<Anchor>) {
    let claude_bodies: Vec<usize> = found.iter().map(|a| a.body).collect();
    for f in super::texts::find(text) {
        // The body of `API Error: Request rejected (429) · <text>`: that
        // anchor reads it (whatever stands before it on the line).
        if claude_bodies.contains(&f.start) {
            continue;
        }
        // A fixed text names the error exactly; the status follows from it.
        // After Claude Code's `API Error: ` (no status: how 2.x prints the
        // API's message) the API's wording is Claude Code's printing, and
        // starts with the prefix.
        let (start, producer) = match text[..f.start].strip_suffix("API Error: ") {
            Some(before) if f.text.producer() == Producer::Unknown => (before.len(), Producer::ClaudeCode),
            _ => (f.start, f.text.producer()),
        };
        let mut a = Anchor::new(start, f.end, Some(f.text.status), producer);
        a.kind = BodyKind::None;
        a.inferred = true;
        a.strong = true;
        a.fixed = Some(f.text);
        a.platform = f.text.platform();
        // Claude Code's prefix is not the message (`API Error: Rate limit
        // reached`).
        let shown = text[f.start..f.message_end].trim_end();
        a.message = Some(shown.strip_prefix("API Error: ").unwrap_or(shown).to_owned());
        // Claude Code's sentences run on over indented rows when its TUI
        // wrapped them; a quote that closed on this line ends it here.
        a.wraps = f.text.message == super::texts::MessageSpan::Rest
            && f.text.producer() == Producer::ClaudeCode
            && f.message_end == text.trim_end().len()
            && f.end == f.message_end;
        leading_hints(text, &mut a);
        a.hints.extend(
            text[f.message_end..f.end].split(" · ").map(str::trim).filter(|h| !h.is_empty()).map(str::to_owned),
        );
        found.push(a);
    }
}

/// The Python SDK's `…Error: Error code: NNN - {…}` (and its repr).
fn python_sdk(text: &str, found: &mut Vec<Anchor>) {
    for c in guarded(&PY, text, text.contains("Error code: ")) {
        let m = c.get(0).expect("group 0");
        let module = c.name("mod").map_or("", |m| m.as_str());
        let class = c.name("cls").map_or("", |m| m.as_str());
        // `foo: Error code: 403` is only Python's shape when the class is an
        // exception (or absent, as `print(e)` shows it).
        if !(class.is_empty() || class.ends_with("Error") || class.ends_with("Exception")) {
            continue;
        }
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        let mut a = Anchor::new(m.start(), m.end(), s, Producer::PythonSdk);
        if m.as_str().ends_with(')') {
            a.kind = BodyKind::None;
        }
        a.strong = module.contains("anthropic");
        a.foreign = module.contains("openai");
        a.repr = c.name("repr").and_then(|r| r.as_str().chars().nth(1));
        found.push(a);
    }
}

/// An exception or log line with a status before a body: `Error: 403 {…}`, `[ERROR] API error (…): 403 {`.
fn status_body(text: &str, found: &mut Vec<Anchor>) {
    for c in guarded(&STATUS_BODY, text, text.contains("rror")) {
        let m = c.get(0).expect("group 0");
        let body = c.name("body").map_or(m.end(), |b| b.start());
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        let debug_log = text[..m.start()].contains("[ERROR]") || text[..m.start()].contains("[DEBUG]");
        let producer = if debug_log { Producer::ClaudeCode } else { Producer::TsSdk };
        let start = if debug_log { log_message_start(text, m.start()) } else { m.start() };
        found.push(Anchor::new(start, body, s, producer));
    }
}

/// A bare status before a body at a line's start: `529 {…}`, `403 <!doctype html>`.
fn lead_status(text: &str, found: &mut Vec<Anchor>) {
    if let Some(c) = LEAD_STATUS.captures(text) {
        let body = c.name("body").map_or(0, |b| b.start());
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        found.push(Anchor::new(c.name("s").map_or(0, |m| m.start()), body, s, Producer::Unknown));
    }
}

/// An HTTP status line: `HTTP/1.1 403 Forbidden`, `< HTTP/2 403`.
fn http_status(text: &str, found: &mut Vec<Anchor>) {
    if let Some(c) = HTTP.captures(text.trim_start()) {
        let off = text.len() - text.trim_start().len();
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        let mut a = Anchor::new(off, text.len(), s, Producer::Http);
        a.kind = BodyKind::Http;
        a.message = Some(text[off + c.get(0).map_or(0, |m| m.end())..].trim().to_owned()).filter(|m| !m.is_empty());
        found.push(a);
    }
}

/// The literal each of [`httpx`]'s patterns holds, in the order it reads them.
const HTTP_WORDS: [&str; 5] = ["' for url '", "HTTP Request: ", " for url: ", ", message='", "receive_response_headers"];

static HTTP_FINDER: LazyLock<Hot> = LazyLock::new(|| Hot::new(&HTTP_WORDS));

/// The HTTP libraries' exceptions and log lines about a request to the API
/// (httpx, requests, aiohttp): the URL says it is the API's.
fn httpx(text: &str, found: &mut Vec<Anchor>) {
    // One pass for the five literals (no two can match where the other
    // does), not five: nearly every line holds none.
    let mut holds = [false; HTTP_WORDS.len()];
    let mut at = 0;
    while let Some((start, pattern)) = HTTP_FINDER.find(&text.as_bytes()[at..]) {
        holds[pattern] = true;
        at += start + 1;
    }
    let lines = guarded(&HTTPX_ERROR, text, holds[0])
        .chain(guarded(&HTTPX_LOG, text, holds[1]))
        .chain(guarded(&REQUESTS_ERROR, text, holds[2]))
        .chain(guarded(&AIOHTTP_ERROR, text, holds[3]));
    for c in lines {
        let m = c.get(0).expect("group 0");
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        // Only the API's own requests: the URL must be one (the path is
        // Anthropic's evidence; a proxy's host still serves it).
        let url = c.name("url").map_or("", |u| u.as_str());
        if !url.contains("/v1/messages") && !url.contains("anthropic") {
            continue;
        }
        let mut a = Anchor::new(m.start(), m.end(), s, Producer::Http);
        a.kind = BodyKind::None;
        // The reason phrase belongs to the status; the API's message, if
        // any, is in another printing of the same failure.
        a.strong = true;
        // httpx's exception says where to read about the status on the
        // next line.
        a.continued = Some("For more information check:");
        found.push(a);
    }
    for c in guarded(&HTTPCORE_TRACE, text, holds[4]) {
        let m = c.get(0).expect("group 0");
        let mut a = Anchor::new(m.start(), m.end(), c["s"].parse().ok(), Producer::Http);
        // No URL: whose response it is, the headers printed after it say
        // (`anthropic-organization-id`, a `req_…` id) or the lines nearby.
        a.kind = BodyKind::None;
        found.push(a);
    }
}

/// Claude Code's connection screen and login (its words, or axios's).
fn connect(text: &str, found: &mut Vec<Anchor>) {
    let said = text.contains(": Status ") || text.contains("ERR_BAD_RE");
    for c in guarded(&CONNECT, text, said || text.contains("Request failed with status code")) {
        let m = c.get(0).expect("group 0");
        // axios's code says only the class: ERR_BAD_REQUEST is any 4xx, and
        // at this check the one seen is the region refusal (403, what the
        // screen's own advice is about); ERR_BAD_RESPONSE is any 5xx.
        let (status, inferred) = match c.name("code").map(|x| x.as_str()) {
            Some("ERR_BAD_REQUEST") => (Some(403), true),
            Some(_) => (Some(500), true),
            None => (c.name("s").and_then(|s| s.as_str().parse().ok()), false),
        };
        let mut a = Anchor::new(m.start(), m.end(), status, Producer::ClaudeCode);
        a.inferred = inferred;
        a.strong = true;
        if c["what"].starts_with("Failed") {
            // The screen's sentence names the host it checked.
            a.kind = BodyKind::Screen;
            a.message = Some(m.as_str().to_owned());
        } else {
            a.kind = BodyKind::None;
            a.message = Some(m.as_str().rsplit(": ").next().unwrap_or("").to_owned());
        }
        found.push(a);
    }
}

/// Bedrock's `AccessDeniedException`, with or without botocore's sentence.
fn aws(text: &str, found: &mut Vec<Anchor>) {
    let aws = text.contains("AccessDenied");
    for m in guarded(&AWS, text, aws).chain(guarded(&AWS_CALL, text, aws)).filter_map(|c| c.get(0)) {
        let mut a = Anchor::new(m.start(), m.end(), Some(403), Producer::Bedrock);
        a.inferred = true;
        a.platform = Some(super::Platform::Bedrock);
        a.error_type = Some("AccessDeniedException");
        found.push(a);
    }
}

/// Vertex's `PermissionDenied: 403`.
fn google(text: &str, found: &mut Vec<Anchor>) {
    for c in guarded(&GOOGLE, text, text.contains("PermissionDenied: ")) {
        let m = c.get(0).expect("group 0");
        let mut a = Anchor::new(m.start(), m.end(), Some(403), Producer::Vertex);
        a.platform = Some(super::Platform::Vertex);
        found.push(a);
    }
}

/// An HTML page's `<title>403 …</title>` (from its doctype when the line holds it).
fn html_title(text: &str, found: &mut Vec<Anchor>) {
    let tag = text.contains('<');
    for c in guarded(&HTML_TITLE, text, tag) {
        let m = c.get(0).expect("group 0");
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        // The page starts at its doctype when the line holds it.
        let at = text[..m.start()].to_ascii_lowercase().rfind("<!doctype html").unwrap_or(m.start());
        let mut a = Anchor::new(at, at, s, Producer::Unknown);
        a.platform = Some(super::Platform::Gateway);
        found.push(a);
    }
}

/// An SDK exception with a plain-text message: `AuthenticationError: 401 invalid x-api-key`.
fn status_text(text: &str, found: &mut Vec<Anchor>) {
    for c in guarded(&STATUS_TEXT, text, text.contains("rror: ")) {
        let m = c.get(0).expect("group 0");
        let msg = c.name("msg").map_or("", |m| m.as_str()).trim();
        if msg.starts_with("status code (no body)") {
            continue;
        }
        let s = c.name("s").and_then(|s| s.as_str().parse().ok());
        let mut a = Anchor::new(m.start(), m.end(), s, Producer::TsSdk);
        a.kind = BodyKind::Dump;
        a.message = Some(msg.to_owned());
        found.push(a);
    }
}

/// An exception whose message is an HTML page: `anthropic.PermissionDeniedError: <html>`.
fn html_exception(text: &str, found: &mut Vec<Anchor>) {
    let tag = text.contains('<');
    for c in guarded(&HTML_EXC, text, tag) {
        let m = c.get(0).expect("group 0");
        let module = c.name("mod").map_or("", |m| m.as_str());
        let body = c.name("body").map_or(m.end(), |b| b.start());
        let producer = if module.is_empty() { Producer::TsSdk } else { Producer::PythonSdk };
        let mut a = Anchor::new(m.start(), body, None, producer);
        a.strong = module.contains("anthropic");
        a.foreign = module.contains("openai");
        found.push(a);
    }
}

/// A wrapper's own words before a page: `API call failed on attempt 1: <html>`.
fn html_after(text: &str, found: &mut Vec<Anchor>) {
    if text.contains(": <") {
        for c in HTML_AFTER.captures_iter(text) {
            let m = c.get(0).expect("group 0");
            let body = c.name("body").map_or(m.end(), |b| b.start());
            // The sentence the page follows starts the printing.
            let start = text[..m.start()].rfind(['.', '\t']).map_or(0, |i| i + 1);
            let start = start + (text[start..].len() - text[start..].trim_start().len());
            found.push(Anchor::new(start, body, None, Producer::Unknown));
        }
    }
}

/// Node's inspect header of an error named apart from its class: `APICallError [AI_APICallError]: …`.
fn node_dump(text: &str, found: &mut Vec<Anchor>) {
    for m in guarded(&NODE_DUMP, text, text.contains("]: ")).filter_map(|c| c.get(0)) {
        let mut a = Anchor::new(m.start(), m.end(), None, Producer::Unknown);
        a.kind = BodyKind::Dump;
        let rest = text[m.end()..].trim();
        // A retry wrapper's message ends with the last attempt's.
        let rest = rest.split_once("Last error: ").map_or(rest, |(_, last)| last.trim());
        a.message = Some(rest.to_owned()).filter(|m| !m.is_empty());
        found.push(a);
    }
}

/// The API's inner error object printed on its own, before any printing that reads a body.
fn inner(text: &str, found: &mut Vec<Anchor>) {
    // Past the start of a printing that reads a body, an inner object is
    // that body's (and would be dropped below): search only before it.
    let before = found.iter().filter(|a| a.kind == BodyKind::Rest).map(|a| a.start).min().unwrap_or(text.len());
    let head = &text[..before];
    let inner = if ["_error", "forbidden", "request_too_large"].iter().any(|t| head.contains(t)) {
        Some(INNER.captures_iter(head))
    } else {
        None
    };
    for c in inner.into_iter().flatten() {
        let m = c.get(0).expect("group 0");
        let member = text[..m.start()].trim_end().trim_end_matches([':', ' ']).trim_end_matches(['"', '\'', '”', '’']);
        if member.ends_with("error") || !(super::envelope::is_api_error_type(&c["t"]) || &c["t"] == "forbidden") {
            continue;
        }
        found.push(Anchor::new(m.start(), m.start(), None, Producer::Unknown));
    }
}

/// A bare `403 Forbidden`.
fn forbidden(text: &str, found: &mut Vec<Anchor>) {
    for m in guarded(&FORBIDDEN, text, text.contains("403 Forbidden")).filter_map(|c| c.get(0)) {
        let mut a = Anchor::new(m.start(), m.end(), Some(403), Producer::Unknown);
        // The status line of a client that prints the body after it
        // (`POST "https://…/v1/messages": 403 Forbidden {"type":"error",…}`,
        // the Go SDK's error): the body says whose refusal it is.
        let rest = &text[m.end()..];
        let body = m.end() + (rest.len() - rest.trim_start_matches([' ', ':', '-']).len());
        if text[body..].starts_with(['{', '[']) {
            a.body = body;
        } else {
            a.kind = BodyKind::None;
            a.message = Some("Forbidden".to_owned());
            a.platform = Some(super::Platform::Gateway);
        }
        found.push(a);
    }
}

// A status and the API's error type for it, side by side, as people and log
// messages write them (`Repeated 529 overloaded_error responses`). Only the
// types no other vendor's API uses (not `invalid_request_error`, `api_error`).
re!(
    STATUS_TYPE,
    r"\b(?P<s>[45]\d\d)[ :(),-]{1,3}(?P<t>permission_error|authentication_error|not_found_error|rate_limit_error|overloaded_error|billing_error|timeout_error)\b"
);

/// Whether some `…_error` in the line has a status just before its word
/// (`529 overloaded_error`): the cheap test before [`STATUS_TYPE`], since
/// every error body holds an `_error` and almost none a status beside it.
fn status_before_type(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memmem::find_iter(b, b"_error").any(|at| {
        let word = b[..at].iter().rposition(|c| !(c.is_ascii_lowercase() || *c == b'_')).map_or(0, |i| i + 1);
        let sep = b[..word].iter().rev().take_while(|c| b" :(),-".contains(c)).count();
        (1..=3).contains(&sep) && word >= sep + 3 && b[word - sep - 3..word - sep].iter().all(u8::is_ascii_digit)
    })
}

/// A status named by the API's own error type for it (`529
/// overloaded_error`): Anthropic's, and the status shown.
fn status_type(text: &str, found: &mut Vec<Anchor>) {
    for c in guarded(&STATUS_TYPE, text, status_before_type(text)) {
        let (m, t) = (c.get(0).expect("group 0"), &c["t"]);
        let status = c["s"].parse().ok();
        let Some(error_type) = super::envelope::API_ERROR_TYPES.iter().copied().find(|x| *x == t) else {
            continue;
        };
        if status != super::event::status_of_type(error_type) {
            continue;
        }
        let mut a = Anchor::new(m.start(), m.end(), status, Producer::Unknown);
        // `403 permission_error: OAuth token does not meet scope
        // requirement …` (a Go client's, a log's): the message follows.
        let rest = &text[m.end()..];
        let said = rest.strip_prefix(": ").or_else(|| rest.strip_prefix(" - ")).is_some_and(|r| !r.trim().is_empty());
        if said {
            a.body = m.end() + if rest.starts_with(": ") { 2 } else { 3 };
        } else {
            a.kind = BodyKind::None;
        }
        a.error_type = Some(error_type);
        a.strong = true;
        found.push(a);
    }
}

// An app's own words around the status (`Claude API error (403): Permission
// denied`): whose it is, the evidence on the line or nearby decides.
re!(STATUS_PAREN, r"\b(?:[Ee]rror|ERROR) \((?P<s>[45]\d\d)\):? ");

/// A status in parentheses after an app's `error`, the message or body after
/// it.
fn status_paren(text: &str, found: &mut Vec<Anchor>) {
    for c in guarded(&STATUS_PAREN, text, text.contains("rror (")) {
        let m = c.get(0).expect("group 0");
        if text[m.end()..].trim().is_empty() {
            continue;
        }
        // The app's words before it on the line say whose API it called
        // (the event builder reads them as the printing's own evidence).
        found.push(Anchor::new(m.start(), m.end(), c["s"].parse().ok(), Producer::Unknown));
    }
}

/// Where the bracketed body at `body` (after spaces) closes on this line,
/// if it does.
fn closed_body_end(text: &str, body: usize) -> Option<usize> {
    let rest = text.get(body..)?;
    let t = rest.trim_start();
    let opened = body + (rest.len() - t.len());
    t.starts_with(['{', '[']).then(|| super::envelope::Bracket::default().push(t)).flatten().map(|c| opened + c)
}

/// Claude Code leads some errors with hints joined by ` · `
/// (`Please run /login · API Error: 403 …`, `AWS authentication failed · … ·
/// API Error: 403 …`) or with `Failed to authenticate. `: the finding starts
/// at the first hint.
fn leading_hints(text: &str, a: &mut Anchor) {
    let before = &text[..a.start];
    if let Some(m) = FAILED_AUTH.find(before) {
        a.start = m.start();
        return;
    }
    if let Some(c) = LEAD_HINTS.captures(before) {
        if let Some(h) = c.name("hints") {
            // Markdown emphasis or a quote around the whole printing is the
            // poster's, not a hint's (`**Please run /login · API Error: …**`).
            let from = h.as_str().trim_start().trim_start_matches(['*', '`', '"', '“', '\'']);
            let hints = from.trim_end();
            if !hints.is_empty() {
                // Where the hints start: past the spaces and quotes before
                // them (the spaces after them do not move it).
                a.start = h.start() + (h.as_str().len() - from.len());
                a.hints = hints.split(" · ").map(|s| s.trim().to_owned()).collect();
                let first = a.hints.first().map(String::as_str).unwrap_or("");
                if first.starts_with("AWS ") {
                    a.platform = Some(super::Platform::Bedrock);
                } else if first.starts_with("Google Cloud") {
                    a.platform = Some(super::Platform::Vertex);
                }
            }
        }
    }
}

/// In a debug-log line (`2026-… [ERROR] Error in …: 403 {…}`) the finding
/// starts at the message after the level tag.
fn log_message_start(text: &str, anchor: usize) -> usize {
    for tag in ["[ERROR] ", "[DEBUG] "] {
        if let Some(p) = text[..anchor].rfind(tag) {
            return p;
        }
    }
    anchor
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::context::AS_WRITTEN;

    /// The twins with ASCII word boundaries find what the patterns as
    /// written find, on every line of every fixture, and on each line with
    /// a TUI mark, ` · ` or a non-ASCII letter beside it.
    #[test]
    fn twins_find_what_the_patterns_as_written_find() {
        let mut lines: Vec<String> = Vec::new();
        for bytes in crate::fixture_files() {
            lines.extend(String::from_utf8_lossy(&bytes).lines().filter(|l| may_match(l)).map(str::to_owned));
        }
        assert!(lines.len() > 300, "the fixtures were read: {}", lines.len());
        let mut varied = 0;
        for line in &lines {
            for text in [line.clone(), format!("⎿  {line} · x"), format!("é{line}é"), line.replace(' ', "·")] {
                let fast = format!("{:?}", find(&text));
                AS_WRITTEN.with(|c| c.set(true));
                let written = format!("{:?}", find(&text));
                AS_WRITTEN.with(|c| c.set(false));
                assert_eq!(fast, written, "{text}");
                varied += usize::from(!text.is_ascii());
            }
        }
        assert!(varied > 900);
    }

    /// Skipping the weak recognisers changes nothing found: on every line
    /// of every fixture, alone and after a first printing of each kind the
    /// pruning reads (a closed body, an unclosed one, a status line, a fixed
    /// text).
    #[test]
    fn pruning_the_weak_recognisers_keeps_what_is_found() {
        let mut lines: Vec<String> = Vec::new();
        for bytes in crate::fixture_files() {
            lines.extend(String::from_utf8_lossy(&bytes).lines().filter(|l| may_match(l)).map(str::to_owned));
        }
        let firsts = [
            "",
            r#"API Error: 403 {"type":"error","error":{"type":"permission_error"}} "#,
            r#"API Error: 500 {"type":"error", "#,
            "API Error: 403 ",
            "HTTP/1.1 403 Forbidden ",
            "Invalid API key · Fix external API key · ",
        ];
        let mut pruned = 0;
        for line in &lines {
            for first in firsts {
                let text = format!("{first}{line}");
                let all = find_pruned(&text, false);
                assert_eq!(format!("{:?}", find(&text)), format!("{all:?}"), "{text}");
                pruned += usize::from(weak_floor(&text, &all).is_none());
            }
        }
        assert!(pruned > 300, "the pruning was reached: {pruned}");
    }

    /// Reading `API Error` by hand finds what its pattern as written finds,
    /// on every fixture line that holds it and on forms at its edges
    /// (digits of other scripts, letters beyond ASCII after the status).
    #[test]
    fn claude_forms_read_by_hand_are_the_patterns() {
        let mut texts: Vec<String> = Vec::new();
        for bytes in crate::fixture_files() {
            texts.extend(String::from_utf8_lossy(&bytes).lines().filter(|l| l.contains("API Error")).map(str::to_owned));
        }
        assert!(texts.len() > 100, "the fixtures were read: {}", texts.len());
        for edge in [
            "API Error: 403", "API Error: 403é", "API Error: 403_x", "API Error: 403 x", "API Error: 4036",
            "API Error: 40", "API Error: 603 x", "API Error:403", "API Error: ٤٠٣ x", "API Error: 4٠3",
            "API Error: 403٣", "API Error: 403·", "API Error (m): 529 x", "API Error (m) : 529", "API Error (m: 529",
            "API Error (a(b)): 403 x", "API Error (é): Repeated 529 responses", "API Error: Repeated 529x",
            "API Error: Request rejected (429) · x", "API Error: Request rejected (429)x",
            "API Error: Request rejected (4é9)", "API Error: Repeated ٥29 ", "API ErrorAPI Error: 500 ",
            "API Error API Error: 401 · API Error (x): 403 {",
        ] {
            texts.push(edge.to_owned());
        }
        fn by_pattern(text: &str) -> Vec<ClaudeForm<'_>> {
            AS_WRITTEN.with(|c| c.set(true));
            let forms = CLAUDE.on(text).captures_iter(text).map(|c| ClaudeForm::from_captures(&c)).collect();
            AS_WRITTEN.with(|c| c.set(false));
            forms
        }
        for text in &texts {
            assert_eq!(claude_forms(text), by_pattern(text), "{text}");
        }
    }

    fn one(text: &str) -> Anchor {
        let mut v = find(text);
        assert_eq!(v.len(), 1, "{text}: {v:?}");
        v.remove(0)
    }

    #[test]
    fn claude_code_forms() {
        let a = one(r#"API Error: 403 {"type":"error"} · Please run /login"#);
        assert_eq!((a.start, a.body, a.status, a.strong), (0, 15, Some(403), true));
        let a = one("Failed to authenticate. API Error: 403 Permission denied");
        assert_eq!(
            (a.start, &text_at(&a, "Failed to authenticate. API Error: 403 Permission denied")[..]),
            (0, "Permission denied")
        );
        let a = one("● Please run /login · API Error: 403 Permission denied");
        assert_eq!((a.start, a.hints.clone()), ("● ".len(), vec!["Please run /login".to_owned()]));
        let a = one("API Error: Request rejected (429) · This request would exceed the rate limit");
        assert_eq!(a.status, Some(429));
        let a = one("Invalid API key · Fix external API key");
        assert_eq!((a.status, a.inferred), (Some(401), true));
        let a = one("AWS authentication failed · enable this model · API Error: 403 {\"Message\":\"x\"}");
        assert_eq!((a.start, a.platform), (0, Some(crate::scan::Platform::Bedrock)));
    }

    fn text_at(a: &Anchor, s: &str) -> String {
        s[a.body..].to_owned()
    }

    #[test]
    fn sdk_forms() {
        let a = one("anthropic.PermissionDeniedError: Error code: 403 - {'type': 'error'}");
        assert!(a.strong && a.producer == Producer::PythonSdk);
        assert!(one("openai.PermissionDeniedError: Error code: 403 - {'error': {}}").foreign);
        let a = one(r#"PermissionDeniedError("Error code: 403 - {'type': 'error'}")"#);
        assert_eq!(a.repr, Some('"'));
        let a = one(r#"PermissionDeniedError: 403 {"type":"error"}"#);
        assert_eq!((a.producer, a.body), (Producer::TsSdk, 27));
        assert_eq!(one("Error: 403 status code (no body)").status, Some(403));
        let a = one(r#"2026-11-28T18:08:12.193Z [ERROR] API error (attempt 1/3): 403 403 {"type":"error"}"#);
        assert_eq!((a.producer, a.start), (Producer::ClaudeCode, 25));
    }

    #[test]
    fn the_inner_error_object_alone_is_an_anchor_but_not_inside_an_envelope() {
        let a = one(r#"2025-06-17T07:44:29 +1ms message={"type":"overloaded_error","message":"Overloaded"} cause=x"#);
        assert_eq!((a.start, a.producer), (33, Producer::Unknown));
        assert!(
            find(r#"{"type":"error","error":{"type":"permission_error","message":"Permission denied"}}"#).is_empty()
        );
        assert!(find(r#"{"type":"tool_error","message":"x"}"#).is_empty());
    }

    /// Hints before `API Error:` followed by two spaces: the start is where
    /// the hints start, not shifted by the spaces after them (found by the
    /// `document` fuzzer: the shift landed inside the `▎` before them).
    #[test]
    fn hints_start_where_their_text_starts() {
        let t = "▎ Auto mode is now on  · API Error: 403 Permission denied";
        let found = find(t);
        assert_eq!(found[0].start, 0, "{found:?}");
        let t = "  Please run /login  · API Error: 403 Permission denied";
        assert_eq!(find(t)[0].start, 2);
    }

    #[test]
    fn lookalikes_have_no_anchor() {
        for s in [
            "cat: /etc/shadow: Permission denied",
            "git@github.com: Permission denied (publickey).",
            "PermissionError: [Errno 13] Permission denied: '/x'",
            "error: 403 items processed",
            "HTTP/1.1 200 OK",
        ] {
            assert!(find(s).is_empty(), "{s}");
        }
    }
}
