//! Secret redaction.
//!
//! Everything a finding carries passes through [`redact`]: messages, hints,
//! context lines and snippets. Request ids (`req_…`) are not secrets —
//! support asks for them — and are kept.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a secret value. The key kind prefix (`sk-ant-api03-`) is
/// kept because it is what tells a stale API key from an OAuth token.
pub const MASK: &str = "[REDACTED]";

static SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // Anthropic keys and tokens: keep the kind, drop the value.
        r"(?P<ant>sk-ant-[a-z]+[0-9]{0,2}-)[A-Za-z0-9_\-.]+",
        // Header values, in curl -v, HTTP dumps, JSON and Python reprs.
        r#"|(?P<hdr>(?i:x-api-key|authorization|proxy-authorization|x-amz-security-token|cookie|set-cookie)["']?\s*[:=]\s*["']?(?:(?i:bearer|basic)\s+)?)(?P<val>[^\s"',}\[][^\s"',}]*)"#,
        r"|(?P<bearer>(?i:bearer)\s+)[A-Za-z0-9_\-.=+/]{8,}",
        // Cloud credentials.
        r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        r"|\bya29\.[A-Za-z0-9_\-.]+",
    ))
    .expect("secret patterns are valid")
});

/// Replace every secret in `text` with [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    SECRETS.replace_all(text, |c: &regex::Captures<'_>| {
        // `Authorization: Bearer [REDACTED]` must stay as it is: the scheme
        // word is not a value.
        if c.name("val")
            .is_some_and(|v| v.as_str().eq_ignore_ascii_case("bearer") || v.as_str().eq_ignore_ascii_case("basic"))
        {
            return c[0].to_owned();
        }
        if let Some(p) = c.name("ant").or_else(|| c.name("hdr")).or_else(|| c.name("bearer")) {
            format!("{}{MASK}", p.as_str())
        } else {
            MASK.to_owned()
        }
    })
}

/// Whether `text` still holds anything [`redact`] would remove.
pub fn has_secret(text: &str) -> bool {
    redact(text) != text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_keys_tokens_and_headers() {
        let cases = [
            ("key sk-ant-api03-AbC_d-ef123AA end", "key sk-ant-api03-[REDACTED] end"),
            ("sk-ant-oat01-xyz.abc", "sk-ant-oat01-[REDACTED]"),
            ("> x-api-key: sk-other-thing", "> x-api-key: [REDACTED]"),
            ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer [REDACTED]"),
            (r#"{"x-api-key":"abcd"}"#, r#"{"x-api-key":"[REDACTED]"}"#),
            ("'authorization': 'Bearer tok12345678'", "'authorization': 'Bearer [REDACTED]'"),
            ("aws AKIAABCDEFGHIJKLMNOP", "aws [REDACTED]"),
            ("gcp ya29.a0AfH6", "gcp [REDACTED]"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
            assert!(!has_secret(&redact(input)), "{input}");
            assert!(has_secret(input), "{input}");
        }
    }

    #[test]
    fn keeps_request_ids() {
        let s = r#"request-id: req_011CSHmzpnGHTh7ZxBa1cFA2 "request_id":"req_011C""#;
        assert_eq!(redact(s), s);
    }
}
