//! Document texts that go around tower-lsp-server's codec.
//!
//! The codec reads into one buffer (tokio-util's `FramedRead`) that grows to
//! the largest message ever read and never shrinks: after one 50 MB
//! `didOpen` it kept 64 MiB resident for the rest of the session — more
//! than the document itself. The transport has already parsed every message
//! (to answer malformed ones), so for a large `didOpen` or `didChange` it
//! takes the texts out of the parsed message, forwards the rest with a token
//! in their place, and the handler swaps the texts back in ([`Stash::resolve`]).
//! The text is parsed once and never copied; tower-lsp-server sees only small
//! messages.
//!
//! A token is `\0errsig-stash:NONCE:SEQ` with a random per-session nonce, so
//! no text a client sends can be mistaken for one.

use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Messages at least this long have their texts stashed; smaller ones cost
/// the codec nothing worth avoiding.
pub const MIN_BODY: usize = 64 * 1024;

/// Texts taken out of messages on their way to the handlers.
pub struct Stash {
    prefix: String,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    /// In the order the messages were forwarded (and are handled).
    texts: VecDeque<(u64, String)>,
}

impl Default for Stash {
    fn default() -> Self {
        use std::hash::{BuildHasher, RandomState};
        // Random per process (std's hasher keys come from the OS).
        let nonce = RandomState::new().hash_one(std::process::id());
        Stash { prefix: format!("\0errsig-stash:{nonce:016x}:"), inner: Mutex::default() }
    }
}

impl Stash {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take the document texts out of a parsed `textDocument/didOpen` or
    /// `didChange`, leaving tokens; returns how many were taken.
    pub fn take_texts(&self, msg: &mut Value) -> usize {
        let method = msg.get("method").and_then(Value::as_str).unwrap_or("").to_owned();
        let Some(params) = msg.get_mut("params") else { return 0 };
        let mut slots: Vec<&mut Value> = Vec::new();
        match method.as_str() {
            "textDocument/didOpen" => slots.extend(params.pointer_mut("/textDocument/text")),
            "textDocument/didChange" => {
                if let Some(Value::Array(changes)) = params.get_mut("contentChanges") {
                    slots.extend(changes.iter_mut().filter_map(|c| c.get_mut("text")));
                }
            }
            _ => {}
        }
        let mut inner = self.inner();
        let mut n = 0;
        for slot in slots {
            let Value::String(text) = slot else { continue };
            let seq = inner.next;
            inner.next += 1;
            let text = std::mem::replace(text, format!("{}{seq}", self.prefix));
            inner.texts.push_back((seq, text));
            n += 1;
        }
        n
    }

    /// The text a handler received: the stashed text for a token, else the
    /// text itself.
    pub fn resolve(&self, text: String) -> String {
        let Some(seq) = text.strip_prefix(&self.prefix).and_then(|s| s.parse::<u64>().ok()) else {
            return text;
        };
        let mut inner = self.inner();
        // Texts are resolved in the order they were stashed; an older one
        // still here belongs to a message that was never handled (dropped
        // before `initialize`): nobody will ask for it.
        while let Some((s, _)) = inner.texts.front() {
            if *s >= seq {
                break;
            }
            inner.texts.pop_front();
        }
        match inner.texts.front() {
            Some((s, _)) if *s == seq => inner.texts.pop_front().map(|(_, t)| t).unwrap_or_default(),
            _ => {
                tracing::error!("a stashed document text is missing (token {seq})");
                String::new()
            }
        }
    }

    /// Texts waiting for their handler (tests).
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.inner().texts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_go_around_and_come_back_in_order() {
        let s = Stash::default();
        let mut open = json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": { "textDocument": { "uri": "file:///a", "languageId": "", "version": 0, "text": "big text" } } });
        let mut change = json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": { "textDocument": { "uri": "file:///a", "version": 1 },
                        "contentChanges": [{ "text": "one" }, { "range": null, "text": "two" }] } });
        assert_eq!(s.take_texts(&mut open), 1);
        assert_eq!(s.take_texts(&mut change), 2);
        let token = open["params"]["textDocument"]["text"].as_str().unwrap().to_owned();
        assert!(token.starts_with('\0') && !token.contains("big"), "{token}");
        assert_eq!(s.resolve(token), "big text");
        let texts: Vec<String> = change["params"]["contentChanges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| s.resolve(c["text"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(texts, ["one", "two"]);
        assert_eq!(s.waiting(), 0);
        // A client's own text is never taken for a token, whatever it holds.
        assert_eq!(s.resolve("\0errsig-stash:0000000000000000:0".into()), "\0errsig-stash:0000000000000000:0");
    }

    #[test]
    fn texts_of_messages_never_handled_are_dropped() {
        let s = Stash::default();
        let mut tokens = Vec::new();
        for i in 0..3 {
            let mut m =
                json!({ "method": "textDocument/didOpen", "params": { "textDocument": { "text": format!("t{i}") } } });
            s.take_texts(&mut m);
            tokens.push(m["params"]["textDocument"]["text"].as_str().unwrap().to_owned());
        }
        // The first two never reached a handler.
        assert_eq!(s.resolve(tokens[2].clone()), "t2");
        assert_eq!(s.waiting(), 0);
        assert_eq!(s.resolve(tokens[0].clone()), "", "gone, and said so on stderr");
    }
}
