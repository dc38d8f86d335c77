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
        // Cookies: every pair, to the end of the value.
        r#"|(?P<cookie>(?i:set-cookie|cookie)\\?["']?\s*[:=]\s*\\?["']?)(?P<cval>\[REDACTED\]|[^\r\n"'\\]+)"#,
        // Header values, in curl -v, HTTP dumps, JSON (escaped or not) and
        // Python reprs, after an optional scheme (Bearer, Basic, Token…).
        // Only known schemes: any word would let a key followed by more text
        // (`x-api-key: sk-ant-api03-… next`) pass as the scheme, unmasked.
        r#"|(?P<hdr>(?i:x-api-key|x-goog-api-key|api-key|authorization|proxy-authorization|x-amz-security-token)\\?["']?\s*[:=]\s*\\?["']?(?:(?i:bearer|basic|token|digest|negotiate|ntlm|oauth|dpop|gnap|hoba|mutual|privatetoken|scram-sha-1|scram-sha-256|vapid|concealed|aws4-hmac-sha256|key|bot|apikey)[ \t]+)?)(?P<val>\[REDACTED\]|[^\s"',}\\\[][^\s"',}\\]*)"#,
        r"|(?P<bearer>(?i:bearer)\s+)[A-Za-z0-9_\-.=+/]{8,}",
        // Credentials in assignments: ANTHROPIC_AUTH_TOKEN=…, api_key='…'.
        r#"|(?P<assign>(?:\\[nrt]|\b)(?:[A-Z][A-Z0-9_]*_(?:TOKEN|KEY|SECRET|PASSWORD)|(?i:[a-z0-9_]*(?:api[_-]?key|secret|password|auth[_-]?token|access[_-]?token|access[_-]?key)))["']?\s*[=:]\s*["']?)(?P<aval>\[REDACTED\]|[^\s"',}\[][^\s"',}]*)"#,
        // User and password in a URL (a proxy's).
        r"|(?P<url>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@\[]+:[^/\s@]+@",
        // Cloud credentials. A word boundary is not enough where text is
        // escaped or coloured: `\nAKIA…` in a JSON string (a debug log of the
        // document) or `ESC[33mAKIA…` has a letter right before the key, so
        // an escape or a colour sequence there counts as a boundary (kept).
        r"|(?P<esc>\\[nrt]|(?:\x1b|\\u001[bB]|\\x1[bB]|\\e)\[[0-9;?]*[A-Za-z]|\b)",
        r"(?:(?:AKIA|ASIA)[0-9A-Z]{16}\b|ya29\.[A-Za-z0-9_\-.]+|AIza[0-9A-Za-z_\-]{35})",
    ))
    .expect("secret patterns are valid")
});

/// Replace every secret in `text` with [`MASK`]. Redacting twice changes
/// nothing more.
pub fn redact(text: &str) -> Cow<'_, str> {
    SECRETS.replace_all(text, |c: &regex::Captures<'_>| {
        // Already masked: leave as it is.
        if [c.name("val"), c.name("aval"), c.name("cval")].into_iter().flatten().any(|v| v.as_str() == MASK) {
            return c[0].to_owned();
        }
        if let Some(u) = c.name("url") {
            return format!("{}{MASK}@", u.as_str());
        }
        let keep = c
            .name("ant")
            .or(c.name("cookie"))
            .or(c.name("hdr"))
            .or(c.name("bearer"))
            .or(c.name("assign"))
            .or(c.name("esc"));
        match keep {
            Some(p) => format!("{}{MASK}", p.as_str()),
            None => MASK.to_owned(),
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
            ("Authorization: Token abc123", "Authorization: Token [REDACTED]"),
            (r#"{\"x-api-key\":\"gw-key-123\"}"#, r#"{\"x-api-key\":\"[REDACTED]\"}"#),
            ("Cookie: a=1; session=s3cr3t; other=x", "Cookie: [REDACTED]"),
            ("x-goog-api-key: AIzaSyA1234567890abcdefghijklmnopqrstuv", "x-goog-api-key: [REDACTED]"),
            ("key AIzaSyA1234567890abcdefghijklmnopqrstuv", "key [REDACTED]"),
            ("api_key='gw_123456'", "api_key='[REDACTED]'"),
            ("export ANTHROPIC_AUTH_TOKEN=gw-tok-99", "export ANTHROPIC_AUTH_TOKEN=[REDACTED]"),
            ("HTTPS_PROXY=http://me:pa55@proxy.corp:3128", "HTTPS_PROXY=http://[REDACTED]@proxy.corp:3128"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
            assert!(!has_secret(&redact(input)), "{input}");
            assert!(has_secret(input), "{input}");
        }
    }

    /// Found by the `redact` fuzz target: a key followed by more text on
    /// its line passed as the header's scheme word, and a key right after an
    /// escape (`\n` in a JSON string, a colour) had no word boundary.
    #[test]
    fn a_key_is_never_taken_for_a_scheme_or_hidden_by_an_escape() {
        let cases = [
            (
                "> x-api-key: sk-ant-api03-FAKEkeyFAKE-0123AA\n> anthropic-version: 2023-06-01",
                "> x-api-key: [REDACTED]\n> anthropic-version: 2023-06-01",
            ),
            ("x-api-key: gwkey123 status=403", "x-api-key: [REDACTED] status=403"),
            ("Authorization: Bearer tok12345678 sent", "Authorization: Bearer [REDACTED] sent"),
            (r#"{"text":"id\nAKIAFAKEFAKEFAKEFAKE\n"}"#, r#"{"text":"id\n[REDACTED]\n"}"#),
            ("\x1b[33mASIAFAKEFAKEFAKEFAKE\x1b[0m", "\x1b[33m[REDACTED]\x1b[0m"),
            (r#""\u001b[2mya29.FAKE-tok""#, r#""\u001b[2m[REDACTED]""#),
            (r#""a\nAWS_SECRET_ACCESS_KEY=FAKEfake/FAKE+fake""#, r#""a\nAWS_SECRET_ACCESS_KEY=[REDACTED]""#),
            ("aws_secret_access_key = FAKEfakeFAKE/fake", "aws_secret_access_key = [REDACTED]"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
            assert_eq!(redact(want), want, "{want}");
        }
    }

    #[test]
    fn keeps_what_is_not_secret() {
        for s in [
            r#"{"usage":{"input_tokens":12,"output_tokens":0,"max_tokens":1024}}"#,
            "request_id=req_011CSHmzpnGHTh7ZxBa1cFA2",
            "https://docs.claude.com/en/api/errors",
            "API Error: 403 Permission denied",
        ] {
            assert_eq!(redact(s), s);
        }
    }

    #[test]
    fn keeps_request_ids() {
        let s = r#"request-id: req_011CSHmzpnGHTh7ZxBa1cFA2 "request_id":"req_011C""#;
        assert_eq!(redact(s), s);
    }
}
