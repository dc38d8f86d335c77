//! The stdio framing in front of tower-lsp-server: one malformed message
//! never ends the server.
//!
//! tower-lsp-server's codec gives up on the first frame it cannot decode
//! (tokio-util's `FramedRead` ends after an error), so a stray `[]` or a
//! wrong `Content-Length` used to answer once and then exit 0 — an editor
//! sees a clean exit and may not restart. This layer reads the client's
//! bytes itself, answers what is malformed, resynchronises on the next
//! `Content-Length:` header, and hands tower-lsp-server only messages it
//! can decode. On the way out it writes every message with one write (some
//! clients, Emacs 28's among them, otherwise leave a message unread until
//! more bytes arrive).
//!
//! [`Deframer`] and [`parse`] are pure (bytes in, items out) so the
//! rules are unit-tested here; `mod.rs` wires them to stdin and stdout.

use serde_json::{json, Value};

/// The largest message read into memory. A larger one is skipped unread
/// (its bytes are discarded as they arrive), with a line on stderr.
pub const MAX_MESSAGE: usize = 512 * 1024 * 1024;

/// A header block longer than this without its blank line is not a header.
const MAX_HEADER: usize = 8 * 1024;

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// What the deframer found next in the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    /// A message body, as framed.
    Message(Vec<u8>),
    /// Bytes that are not a message, skipped to resynchronise.
    Skipped {
        /// How many bytes were skipped.
        bytes: usize,
        /// Why (for stderr; never the bytes themselves: they may hold secrets).
        why: &'static str,
    },
}

/// Splits a byte stream into LSP messages (`Content-Length` framing),
/// tolerating LF-only headers and recovering from anything else.
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
    /// The body length announced by the header just read.
    want: Option<usize>,
    /// Bytes of an oversized body still to discard.
    discard: usize,
}

impl Deframer {
    /// Add bytes read from the stream.
    pub fn push(&mut self, mut chunk: &[u8]) {
        if self.discard > 0 {
            let n = self.discard.min(chunk.len());
            self.discard -= n;
            chunk = &chunk[n..];
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes buffered and not yet returned.
    #[cfg(test)]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Why the stream cannot end here, if it cannot: a message was cut off.
    pub fn incomplete(&self) -> Option<String> {
        if let Some(n) = self.want {
            return Some(format!("the stream ended inside a message of {n} bytes ({} received)", self.buf.len()));
        }
        if self.discard > 0 {
            return Some(format!("the stream ended inside an oversized message ({} bytes missing)", self.discard));
        }
        let rest = self.buf.iter().filter(|b| !b.is_ascii_whitespace()).count();
        (rest > 0).then(|| format!("the stream ended with {} bytes that are not a whole message", self.buf.len()))
    }

    /// The next item, or `None` when more bytes are needed.
    pub fn next_item(&mut self) -> Option<Item> {
        loop {
            if self.discard > 0 {
                return None;
            }
            if let Some(n) = self.want {
                if self.buf.len() < n {
                    return None;
                }
                self.want = None;
                // The message gets a buffer of its own size: it may wait in
                // a queue, and a small one must not hold a whole read's
                // worth of capacity (256 queued publishes held 16 MiB).
                let message = if 2 * n >= self.buf.len() {
                    let rest = self.buf.split_off(n);
                    std::mem::replace(&mut self.buf, rest)
                } else {
                    let m = self.buf[..n].to_vec();
                    self.buf.drain(..n);
                    m
                };
                return Some(Item::Message(message));
            }
            // Blank lines between messages are harmless (some clients send
            // a trailing newline after each body).
            let blank = self.buf.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            if blank > 0 {
                self.buf.drain(..blank);
            }
            if self.buf.is_empty() {
                return None;
            }
            match self.header() {
                Header::NeedMore => return None,
                Header::Garbage => return self.resync("bytes that are not a message header"),
                Header::Bad { len, why } => {
                    self.buf.drain(..len);
                    return Some(Item::Skipped { bytes: len, why });
                }
                Header::Ok { len, body } if body > MAX_MESSAGE => {
                    self.buf.drain(..len);
                    let have = self.buf.len().min(body);
                    self.buf.drain(..have);
                    self.discard = body - have;
                    return Some(Item::Skipped { bytes: len + body, why: "a message larger than the 512 MiB limit" });
                }
                Header::Ok { len, body } => {
                    self.buf.drain(..len);
                    // Room for the whole body at once: a large message is
                    // not copied again and again as the buffer doubles.
                    self.buf.reserve(body.saturating_sub(self.buf.len()));
                    self.want = Some(body);
                }
            }
        }
    }

    /// Skip to the next `Content-Length:` (anywhere: after a body that was
    /// too short, the next header follows the rest of it on the same line).
    fn resync(&mut self, why: &'static str) -> Option<Item> {
        // Never at 0: the buffer starts with something that is not a header.
        let found = find_ci(&self.buf[1..], CONTENT_LENGTH).map(|i| i + 1);
        let skip = match found {
            Some(i) => i,
            // Keep a tail that may be the start of a header cut by the read.
            None if self.buf.len() > CONTENT_LENGTH.len() => self.buf.len() - (CONTENT_LENGTH.len() - 1),
            None => return None,
        };
        self.buf.drain(..skip);
        Some(Item::Skipped { bytes: skip, why })
    }

    fn header(&self) -> Header {
        let mut at = 0;
        let mut length: Option<Result<usize, &'static str>> = None;
        loop {
            let Some(nl) = memchr::memchr(b'\n', &self.buf[at..]) else {
                if self.buf.len() > MAX_HEADER || !plausible_header(&self.buf[at..]) {
                    return Header::Garbage;
                }
                return Header::NeedMore;
            };
            let line = &self.buf[at..at + nl];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            at += nl + 1;
            if line.is_empty() {
                return match length {
                    Some(Ok(body)) => Header::Ok { len: at, body },
                    Some(Err(why)) => Header::Bad { len: at, why },
                    None => Header::Bad { len: at, why: "a header without Content-Length" },
                };
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Header::Garbage;
            };
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
                return Header::Garbage;
            }
            // Garbage glued to the next header (`…xContent-Length: 9`): the
            // header starts inside this line.
            if !name.eq_ignore_ascii_case(b"content-length") && find_ci(line, CONTENT_LENGTH).is_some() {
                return Header::Garbage;
            }
            if name.eq_ignore_ascii_case(b"content-length") {
                let v = std::str::from_utf8(value).unwrap_or("").trim();
                length = Some(v.parse::<usize>().map_err(|_| "a Content-Length that is not a number"));
            }
            if at > MAX_HEADER {
                return Header::Garbage;
            }
        }
    }
}

enum Header {
    NeedMore,
    Garbage,
    Bad { len: usize, why: &'static str },
    Ok { len: usize, body: usize },
}

/// Whether an unfinished line can still become a header line.
fn plausible_header(line: &[u8]) -> bool {
    // The `\r` of a line end whose `\n` is still to come.
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let name_end = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    line[..name_end].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

/// What to do with one message body.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// A well-formed message: hand it to tower-lsp-server.
    Forward,
    /// The client said `shutdown`; forward it.
    Shutdown,
    /// The client said `exit`; forward it, then stop reading.
    Exit,
    /// Answer this (an error response) instead of forwarding.
    Answer(Value),
    /// Drop it (a malformed response: there is nobody to answer), saying why.
    Drop(&'static str),
}

/// JSON-RPC error codes used here.
pub mod code {
    /// Invalid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// Not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

fn valid_id(id: &Value) -> bool {
    id.is_i64() || id.is_string()
}

/// Decide what to do with a message body: only what tower-lsp-server can
/// decode is forwarded; the rest is answered as JSON-RPC says.
#[cfg(test)]
pub fn classify(body: &[u8]) -> Verdict {
    parse(body).0
}

/// What to do with a message body (only what tower-lsp-server can decode is
/// forwarded; the rest is answered as JSON-RPC says), and the parsed
/// message when it is JSON, so that it need not be parsed again.
pub fn parse(body: &[u8]) -> (Verdict, Option<Value>) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (Verdict::Answer(error(Value::Null, code::PARSE_ERROR, "Parse error: the message is not JSON")), None);
    };
    (judge(&v), Some(v))
}

fn judge(v: &Value) -> Verdict {
    let Some(obj) = v.as_object() else {
        // Batches are not part of LSP.
        return Verdict::Answer(error(Value::Null, code::INVALID_REQUEST, "Invalid request: not a JSON object"));
    };
    let id = obj.get("id");
    let answer_id = id.filter(|i| valid_id(i)).cloned().unwrap_or(Value::Null);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Verdict::Answer(error(answer_id, code::INVALID_REQUEST, "Invalid request: jsonrpc must be \"2.0\""));
    }
    match obj.get("method") {
        Some(Value::String(method)) => {
            if let Some(id) = id {
                if !valid_id(id) {
                    return Verdict::Answer(error(
                        Value::Null,
                        code::INVALID_REQUEST,
                        "Invalid request: id must be an integer or a string",
                    ));
                }
            }
            if obj.contains_key("result") || obj.contains_key("error") {
                return Verdict::Answer(error(answer_id, code::INVALID_REQUEST, "Invalid request: method and result"));
            }
            if let Some(p) = obj.get("params") {
                if !(p.is_object() || p.is_array() || p.is_null()) {
                    return Verdict::Answer(error(
                        answer_id,
                        code::INVALID_REQUEST,
                        "Invalid request: params must be an object or an array",
                    ));
                }
            }
            // tower-lsp-server drops unknown `$/` requests without an answer;
            // a request always gets one.
            if id.is_some() && method.starts_with("$/") {
                return Verdict::Answer(error(
                    answer_id,
                    code::METHOD_NOT_FOUND,
                    &format!("Unhandled method {method}"),
                ));
            }
            match method.as_str() {
                "shutdown" if id.is_some() => Verdict::Shutdown,
                "exit" if id.is_none() => Verdict::Exit,
                _ => Verdict::Forward,
            }
        }
        Some(_) => Verdict::Answer(error(answer_id, code::INVALID_REQUEST, "Invalid request: method must be a string")),
        None => {
            // A response to one of the server's requests.
            let ok_id = id.is_some_and(|i| valid_id(i) || i.is_null());
            let result = obj.contains_key("result");
            let err = obj
                .get("error")
                .map(|e| e.get("code").is_some_and(Value::is_i64) && e.get("message").is_some_and(Value::is_string));
            match (ok_id, result, err) {
                (true, true, None) | (true, false, Some(true)) => Verdict::Forward,
                _ if id.is_some_and(valid_id) && !result && err.is_none() => {
                    Verdict::Answer(error(answer_id, code::INVALID_REQUEST, "Invalid request: no method"))
                }
                _ => Verdict::Drop("a malformed response"),
            }
        }
    }
}

/// One framed message, header and body, ready for a single write.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &[u8], chunk: usize) -> Vec<Item> {
        let mut d = Deframer::default();
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            d.push(c);
            while let Some(i) = d.next_item() {
                out.push(i);
            }
        }
        out
    }

    fn messages(items: &[Item]) -> Vec<&[u8]> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Message(m) => Some(m.as_slice()),
                Item::Skipped { .. } => None,
            })
            .collect()
    }

    const A: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;

    #[test]
    fn frames_in_any_chunks_and_lf_only_headers() {
        let mut input = frame(A);
        input.extend(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}");
        input.extend(format!("Content-Length: {}\n\n", A.len()).as_bytes());
        input.extend(A);
        for chunk in [1, 3, 1000] {
            let got = items(&input, chunk);
            assert_eq!(messages(&got), vec![A, b"{}".as_slice(), A], "chunks of {chunk}");
            assert!(got.iter().all(|i| matches!(i, Item::Message(_))), "{got:?}");
        }
    }

    #[test]
    fn recovers_from_every_kind_of_broken_frame() {
        let cases: &[&[u8]] = &[
            b"Content-Length: abc\r\n\r\n{}",                  // not a number
            b"Content-Length: 5\r\n\r\n{\"jsonrpc\":\"2.0\"}", // too short: the rest is garbage
            b"{\"jsonrpc\":\"2.0\",\"id\":9}",                 // a body with no header
            b"X-Nothing: 1\r\n\r\n",                           // no Content-Length
            b"\xff\xfe garbage \x00 bytes\r\n",                // binary
        ];
        for case in cases {
            let mut input = case.to_vec();
            input.extend(frame(A));
            for chunk in [1, 7, 4096] {
                let got = items(&input, chunk);
                assert_eq!(
                    messages(&got).last(),
                    Some(&A),
                    "{:?} in chunks of {chunk}: {got:?}",
                    String::from_utf8_lossy(case)
                );
                assert!(got.iter().any(|i| !matches!(i, Item::Message(m) if m == A)), "{got:?}");
            }
        }
    }

    #[test]
    fn an_oversized_message_is_discarded_without_buffering() {
        let mut d = Deframer::default();
        d.push(format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE + 10).as_bytes());
        assert!(matches!(d.next_item(), Some(Item::Skipped { .. })));
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..600 {
            d.push(&chunk);
            assert!(d.buffered() <= (1 << 20) + 64);
            if let Some(i) = d.next_item() {
                assert!(matches!(i, Item::Skipped { .. }), "{i:?}");
            }
        }
        d.push(&frame(A));
        let mut got = Vec::new();
        while let Some(i) = d.next_item() {
            got.push(i);
        }
        assert_eq!(messages(&got).last(), Some(&A));
    }

    #[test]
    fn an_unfinished_message_at_the_end_is_named() {
        let mut d = Deframer::default();
        d.push(b"Content-Length: 100\r\n\r\n{\"a\":");
        assert_eq!(d.next_item(), None);
        assert!(d.incomplete().unwrap().contains("100 bytes"));
        let mut d = Deframer::default();
        d.push(&frame(A));
        d.push(b"\r\n");
        while d.next_item().is_some() {}
        assert_eq!(d.incomplete(), None);
    }

    fn answered(body: &str) -> (Value, i64) {
        match classify(body.as_bytes()) {
            Verdict::Answer(v) => (v["id"].clone(), v["error"]["code"].as_i64().unwrap()),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn malformed_messages_are_answered_as_json_rpc_says() {
        assert_eq!(answered("{not json"), (Value::Null, code::PARSE_ERROR));
        assert_eq!(answered("[]"), (Value::Null, code::INVALID_REQUEST));
        assert_eq!(answered("null"), (Value::Null, code::INVALID_REQUEST));
        assert_eq!(answered(r#"{"jsonrpc":"1.0","id":3,"method":"x"}"#), (json!(3), code::INVALID_REQUEST));
        assert_eq!(answered(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#), (Value::Null, code::INVALID_REQUEST));
        assert_eq!(answered(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#), (Value::Null, code::INVALID_REQUEST));
        assert_eq!(answered(r#"{"jsonrpc":"2.0","id":4,"method":7}"#), (json!(4), code::INVALID_REQUEST));
        assert_eq!(answered(r#"{"jsonrpc":"2.0","id":5,"method":"x","params":3}"#), (json!(5), code::INVALID_REQUEST));
        assert_eq!(
            answered(r#"{"jsonrpc":"2.0","id":"s","method":"$/unknown"}"#),
            (json!("s"), code::METHOD_NOT_FOUND)
        );
        assert_eq!(answered(r#"{"jsonrpc":"2.0","id":6}"#), (json!(6), code::INVALID_REQUEST));
    }

    #[test]
    fn well_formed_messages_are_forwarded() {
        for ok in [
            r#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"#,
            r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#,
            r#"{"jsonrpc":"2.0","method":"$/setTrace","params":{"value":"off"}}"#,
            r#"{"jsonrpc":"2.0","id":"x","result":null}"#,
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"no"}}"#,
        ] {
            assert_eq!(classify(ok.as_bytes()), Verdict::Forward, "{ok}");
        }
        assert_eq!(classify(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#), Verdict::Shutdown);
        assert_eq!(classify(br#"{"jsonrpc":"2.0","method":"exit"}"#), Verdict::Exit);
        assert!(matches!(classify(br#"{"jsonrpc":"2.0","error":{"code":"x"}}"#), Verdict::Drop(_)));
    }
}
