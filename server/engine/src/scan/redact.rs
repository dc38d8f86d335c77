//! Secret redaction.
//!
//! Everything a finding carries passes through [`redact`]: messages, hints,
//! context lines and snippets. Request ids (`req_…`) are not secrets —
//! support asks for them — and are kept.

use aho_corasick::AhoCorasick;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a secret value. The key kind prefix (`sk-ant-api03-`) is
/// kept because it is what tells a stale API key from an OAuth token.
pub const MASK: &str = "[REDACTED]";

/// Header names whose value is a credential (`x-api-key: …`, `"authorization": "…"`).
const HEADER_NAMES: &str =
    "x-api-key|x-goog-api-key|api-key|authorization|proxy-authorization|x-amz-security-token|set-cookie|cookie";
/// Between a header's name and its value, in curl -v, HTTP dumps, JSON
/// (escaped or not) and Python reprs.
const HEADER_SEP: &str = r#"\\?["']?\s*[:=]\s*\\?["']?"#;
/// Names of assignments whose value is a credential: `ANTHROPIC_AUTH_TOKEN=…`,
/// `api_key='…'`.
const ASSIGN_NAME: &str = r"(?:[A-Z][A-Z0-9_]*_(?:TOKEN|KEY|SECRET|PASSWORD)|(?i:[a-z0-9_]*(?:api[_-]?key|secret|password|auth[_-]?token|access[_-]?token|access[_-]?key)))";
const ASSIGN_SEP: &str = r#"["']?\s*[=:]\s*["']?"#;
/// Authorization schemes, kept before a value (only known ones: any word
/// would let a key followed by more text, `x-api-key: sk-ant-api03-… next`,
/// pass as the scheme, unmasked).
const SCHEMES: &str = "bearer|basic|token|digest|negotiate|ntlm|oauth|dpop|gnap|hoba|mutual|privatetoken|scram-sha-1|scram-sha-256|vapid|concealed|aws4-hmac-sha256|key|bot|apikey";

/// What may stand between a credential's name and its value, any number of
/// times: another header's name (`x-api-key: x-api-key: …`, a header logged
/// inside another), an assignment's name, a scheme (`Bearer Bearer …`). The
/// value is the first word after all of them; without this the first name's
/// "value" would be the second name, and the real value after it would be
/// left as it is. A name here is a whole word (`my-api-key`, `AWS_SECRET`,
/// not `FAKEsecret`) with its `:`/`=` right after it, so that a value that
/// merely ends like a name and is followed by ` : …` is still the value.
static LEAD: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"(?:(?:[A-Za-z0-9]+[-_])*(?i:{HEADER_NAMES})\\?["']?[:=]\s*\\?["']?|(?:[A-Z][A-Z0-9_]*_(?:TOKEN|KEY|SECRET|PASSWORD)|(?i:(?:[a-z0-9]+_)*(?:api[_-]?key|secret|password|auth[_-]?token|access[_-]?token|access[_-]?key)))["']?[=:]\s*["']?|(?i:{SCHEMES})[ \t]+)"#
    )
});

static SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    let lead = LEAD.as_str();
    // A value is the mask itself (so redacting twice changes nothing) or a
    // word. Word boundaries are ASCII ones: a letter beyond ASCII beside a
    // key counts as a boundary (more is masked, never less), and the whole
    // pattern runs on the fast DFA even in text with emoji and box marks.
    let alternatives = [
        // Anthropic keys and tokens: keep the kind, drop the value.
        r"(?P<ant>sk-ant-[a-z]+[0-9]{0,2}-)[A-Za-z0-9_\-.]+".to_owned(),
        // Cloud credentials, before the names below: at the same place the
        // first alternative wins, and a key whose letters happen to end like
        // a name (`AKIA…APIKEY =`) must be the key, not an assignment's name.
        // A word boundary is not enough where text is escaped or coloured:
        // `\nAKIA…` in a JSON string (a debug log of the document) or
        // `ESC[33mAKIA…` has a letter right before the key, so an escape or a
        // colour sequence there counts as a boundary (kept).
        concat!(
            r"(?P<esc>\\[nrt]|(?:\x1b|\\u001[bB]|\\x1[bB]|\\e)\[[0-9;?]*[A-Za-z]|(?-u:\b))",
            r"(?:(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)|ya29\.[A-Za-z0-9_\-.]+|AIza[0-9A-Za-z_\-]{35})",
        )
        .to_owned(),
        // Cookies: every pair, to the end of the value.
        r#"(?P<cookie>(?i:set-cookie|cookie)\\?["']?\s*[:=]\s*\\?["']?)(?P<cval>\[REDACTED\]|[^\r\n"'\\]+)"#.to_owned(),
        // Header values, after any names and schemes (above).
        format!(
            r#"(?P<hdr>(?i:x-api-key|x-goog-api-key|api-key|authorization|proxy-authorization|x-amz-security-token){HEADER_SEP}{lead}*)(?P<val>\[REDACTED\]|[^\s"',}}\\\[][^\s"',}}\\]*)"#
        ),
        format!(r"(?P<bearer>(?i:bearer)\s+{lead}*)(?P<bval>\[REDACTED\]|[A-Za-z0-9_\-.=+/]{{8,}})"),
        // Credentials in assignments: ANTHROPIC_AUTH_TOKEN=…, api_key='…'.
        format!(
            r#"(?P<assign>(?:\\[nrt]|(?-u:\b)){ASSIGN_NAME}{ASSIGN_SEP}{lead}*)(?P<aval>\[REDACTED\]|[^\s"',}}\[][^\s"',}}]*)"#
        ),
        // User and password in a URL (a proxy's).
        r"(?P<url>(?-u:\b)[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@\[]+:[^/\s@]+@".to_owned(),
    ];
    Regex::new(&alternatives.join("|")).expect("secret patterns are valid")
});

/// Words one of which every secret pattern's match contains (any case), and
/// the two non-ASCII characters that `(?i)` lets stand for ASCII letters in
/// them (`K`, KELVIN SIGN, for `k`; `ſ`, LONG S, for `s`). A text without any
/// has nothing to redact: one SIMD pass instead of the pattern, whose
/// captures run on the slow engines (the dense benchmark spent 38 % of its
/// time here, on findings that held no secret).
static MAY_HOLD: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            // Anthropic keys; cloud credentials.
            "sk-ant-",
            "akia",
            "asia",
            "ya29.",
            "aiza",
            // Cookies, header names, schemes and assignment names: every
            // name in HEADER_NAMES and ASSIGN_NAME contains one of these.
            "cookie",
            "key",
            "token",
            "secret",
            "password",
            "authorization",
            "bearer",
            // User and password in a URL.
            "://",
            "\u{212A}",
            "\u{17F}",
        ])
        .expect("secret words are valid")
});

/// Replace every secret in `text` with [`MASK`]. Redacting twice changes
/// nothing more.
pub fn redact(text: &str) -> Cow<'_, str> {
    if !MAY_HOLD.is_match(text) {
        return Cow::Borrowed(text);
    }
    redact_all(text)
}

/// [`redact`] without the pre-check.
fn redact_all(text: &str) -> Cow<'_, str> {
    SECRETS.replace_all(text, |c: &regex::Captures<'_>| {
        // Already masked: leave as it is.
        if ["val", "bval", "aval", "cval"].into_iter().filter_map(|n| c.name(n)).any(|v| v.as_str() == MASK) {
            return c[0].to_owned();
        }
        if let Some(u) = c.name("url") {
            return format!("{}{MASK}@", u.as_str());
        }
        let keep = ["ant", "cookie", "hdr", "bearer", "assign", "esc"].into_iter().find_map(|n| c.name(n));
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

    /// Found by the `redact` fuzz target: a header with no value before
    /// another (`x-api-key: x-api-key: VALUE`) took the second name as its
    /// value and left `VALUE`. Any chain of names, assignments and schemes
    /// before a value is now passed over, whatever repeats or nests.
    #[test]
    fn names_and_schemes_before_a_value_never_hide_it() {
        let cases = [
            ("x-api-key: x-api-key: FAKEvalue123", "x-api-key: x-api-key: [REDACTED]"),
            ("x-api-key: x-api-key: x-api-key: FAKEvalue123", "x-api-key: x-api-key: x-api-key: [REDACTED]"),
            ("Authorization: Authorization: Bearer FAKEtok12345", "Authorization: Authorization: Bearer [REDACTED]"),
            ("Authorization: Bearer Bearer FAKEtok12345", "Authorization: Bearer Bearer [REDACTED]"),
            ("Bearer Authorization: Bearer FAKEtok12345", "Bearer Authorization: Bearer [REDACTED]"),
            ("Bearer\n x-api-key: FAKEtok12345", "Bearer\n x-api-key: [REDACTED]"),
            ("api_key= x-api-key: FAKEvalue123", "api_key= x-api-key: [REDACTED]"),
            ("ANTHROPIC_AUTH_TOKEN=Bearer FAKEtok12345", "ANTHROPIC_AUTH_TOKEN=Bearer [REDACTED]"),
            ("secret: Authorization: Bearer FAKEtok12345", "secret: Authorization: Bearer [REDACTED]"),
            ("x-api-key: my-api-key: FAKEvalue123", "x-api-key: my-api-key: [REDACTED]"),
            ("x-api-key:\n  x-api-key: FAKEvalue123", "x-api-key:\n  x-api-key: [REDACTED]"),
            (
                r#"{"x-api-key": "{\"x-api-key\":\"FAKEvalue123\"}"}"#,
                r#"{"x-api-key": "[REDACTED]\"x-api-key\":\"[REDACTED]\"}"}"#,
            ),
            (r#"'authorization': 'x-api-key: FAKEvalue123'"#, r#"'authorization': 'x-api-key: [REDACTED]'"#),
            ("x-api-key: x-api-key: sk-ant-api03-FAKEkey-0123", "x-api-key: x-api-key: [REDACTED]"),
            ("x-api-key: Cookie: session=FAKE", "x-api-key: Cookie: [REDACTED]"),
            // Found by the fuzzer with the chains: a value that ends like a
            // name, followed by ` : …`, is still the value.
            ("Authorization: Bearer FAKEvalueCookie : sessi", "Authorization: Bearer [REDACTED] : sessi"),
            ("x-api-key: FAKEvaluesecret = x", "x-api-key: [REDACTED] = x"),
            ("x-api-key: FAKEvalue123secret:x", "x-api-key: [REDACTED]"),
            // A key of a known shape whose letters end like a name.
            ("AKIAE39MYKANNXAPIKEY ==", "[REDACTED] =="),
            ("AIzaSyFAKEfakeFAKEfakeFAKEfake012apikey = x", "[REDACTED] = x"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
            assert_eq!(redact(want), want, "idempotent: {want}");
            assert!(!redact(input).contains("FAKE"), "{input}");
        }
    }

    /// A name and its separator, then any number of names, assignments and
    /// schemes, then a fake value of every kind: the value never survives,
    /// and redacting again changes nothing.
    #[test]
    fn every_chain_of_names_before_every_kind_of_secret_is_masked() {
        let leads = [
            "x-api-key: ",
            "Authorization: ",
            "Bearer ",
            "api_key=",
            "ANTHROPIC_API_KEY=",
            "\"x-api-key\": \"",
            "\\\"authorization\\\":\\\"",
            "proxy-authorization: Basic ",
        ];
        let secrets = [
            "sk-ant-api03-FAKEfakeFAKE0123",
            "sk-ant-oat01-FAKEfake.FAKE",
            "FAKEgatewaykey0123",
            "AKIAFAKEFAKEFAKEFAKE",
            "ya29.FAKEfake-FAKE",
        ];
        for a in leads {
            for b in leads {
                for c in ["", "Bearer ", "x-api-key: "] {
                    for s in secrets {
                        let text = format!("> {a}{b}{c}{s} next");
                        let once = redact(&text);
                        assert!(!once.contains("FAKE"), "{text} → {once}");
                        assert_eq!(redact(&once), once, "{text}");
                    }
                }
            }
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

    /// The pre-check's words: a text that contains none of them is one the
    /// pattern leaves as it is. Every case above and the fixtures' lines,
    /// with and without each word, and with each letter that case folding
    /// lets stand for an ASCII one.
    #[test]
    fn the_pre_check_never_skips_a_secret() {
        let mut texts: Vec<String> = vec![
            "x-api-\u{212A}ey: FAKEvalue123".into(),
            "api_\u{212A}ey=FAKEvalue".into(),
            "\u{17F}ecret: FAKEvalue".into(),
            "BEARER FAKEtok12345678".into(),
            "HTTPS_PROXY=http://me:pa55@proxy".into(),
        ];
        for bytes in crate::fixture_files() {
            texts.extend(String::from_utf8_lossy(&bytes).lines().map(str::to_owned));
        }
        assert!(texts.len() > 1000, "the fixtures were read: {}", texts.len());
        for t in &texts {
            assert_eq!(redact(t), redact_all(t), "{t}");
        }
        // Every non-ASCII character that a case-insensitive ASCII letter
        // matches is one of the pre-check's words.
        let letter = Regex::new("(?i)^[a-z]$").expect("valid");
        let folded: Vec<char> = (0x80..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| letter.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(folded, ['\u{17F}', '\u{212A}']);
    }

    #[test]
    fn keeps_request_ids() {
        let s = r#"request-id: req_011CSHmzpnGHTh7ZxBa1cFA2 "request_id":"req_011C""#;
        assert_eq!(redact(s), s);
    }
}
