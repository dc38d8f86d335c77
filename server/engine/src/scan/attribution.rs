//! Is it Anthropic's error?
//!
//! A 403 without Anthropic's envelope (an HTML page, a bare `403 Forbidden`,
//! `status code (no body)`) is printed the same way by many clients. It
//! counts only when the report around it shows an Anthropic client or
//! endpoint, and not when it shows someone else's. The nearest evidence wins.

use super::context::Twin;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// Evidence a line gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An Anthropic client, endpoint, header or request id.
    Anthropic,
    /// Another vendor's client or service (OpenAI, GitHub, S3).
    Foreign,
}

/// The literals every match of [`ANTHROPIC`] holds (any case), then those
/// of [`FOREIGN`]: a line holding none of one side's cannot match its
/// pattern, which is then not run.
const ANTHROPIC_WORDS: usize = 4;

static PREFILTER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "anthropic",
            "req_",
            "/v1/messages",
            "claude",
            "registry",
            "pypi",
            "pythonhosted",
            "ghcr.io",
            "docker.io",
            "quay.io",
            "npm e",
            "npm err",
            "from daemon",
            "openai",
            "github",
            "amazons3",
            "x-amz-request-id",
            "<code>accessdenied",
        ])
        .expect("signal patterns are valid")
});

const FOREIGN: &str = r"(?i)\bopenai\b|node_modules/openai/|site-packages/openai/|api\.openai\.com|x-github-request-id|api\.github\.com|\bgithub\.com/|Server: AmazonS3|x-amz-request-id|<Code>AccessDenied</Code>|registry\.npmjs\.org|registry\.yarnpkg\.com|\bpypi\.org|files\.pythonhosted\.org|\bghcr\.io|\bdocker\.io|\bquay\.io|\bnpm (?:error|ERR!)|Error response from daemon";

const ANTHROPIC: &str = r"(?i)anthropic|\breq_01[1-9A-HJ-NP-Za-km-z]{20,26}\b|/v1/messages\b|\bclaude[ -](?:code|opus|sonnet|haiku|api|\d)|CLAUDE_CODE_";

/// Each pattern with its ASCII twin ([`Twin`]): terminals print ` · ` and
/// TUI marks, on which the pattern as written would run on the slow engines.
static FOREIGN_RE: LazyLock<Twin> = LazyLock::new(|| Twin::new(FOREIGN));
static ANTHROPIC_RE: LazyLock<Twin> = LazyLock::new(|| Twin::new(ANTHROPIC));

/// The evidence in one line, if any. Foreign evidence is checked first: an
/// OpenAI traceback line that mentions "claude" in a model name is still
/// OpenAI's.
pub fn signal(line: &str) -> Option<Signal> {
    let (mut anthropic, mut foreign) = (false, false);
    for m in PREFILTER.find_overlapping_iter(line) {
        if m.pattern().as_usize() < ANTHROPIC_WORDS {
            anthropic = true;
        } else {
            foreign = true;
        }
        if anthropic && foreign {
            break;
        }
    }
    if foreign && FOREIGN_RE.is_match(line) {
        Some(Signal::Foreign)
    } else if anthropic && ANTHROPIC_RE.is_match(line) {
        Some(Signal::Anthropic)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals() {
        for (line, want) in [
            ("> anthropic-version: 2023-06-01", Some(Signal::Anthropic)),
            ("> POST /v1/messages HTTP/1.1", Some(Signal::Anthropic)),
            ("request-id: req_011CSHmzpnGHTh7ZxBa1cFA2", Some(Signal::Anthropic)),
            (
                "    at APIError.generate (/x/node_modules/@anthropic-ai/sdk/core/error.js:59:24)",
                Some(Signal::Anthropic),
            ),
            ("    at APIError.generate (/x/node_modules/openai/core/error.js:51:20)", Some(Signal::Foreign)),
            ("Server: AmazonS3", Some(Signal::Foreign)),
            ("x-github-request-id: 1234", Some(Signal::Foreign)),
            ("hello world", None),
            ("<center>nginx</center>", None),
            ("· see openai ·", Some(Signal::Foreign)),
            ("éopenai", None),
            ("⎿ req_011CSHmzpnGHTh7ZxBa1cFA2 ·", Some(Signal::Anthropic)),
        ] {
            assert_eq!(signal(line), want, "{line}");
        }
    }
}
