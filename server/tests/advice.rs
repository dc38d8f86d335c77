//! Explanations fit the producer (issue 10, point 6): for a finding an SDK
//! or a third-party tool printed, the first cause and fix are about the key
//! *that program* sends, in `errsig explain FILE:LINE` and in `errsig scan`'s
//! help; Claude Code's findings keep the rule's advice unchanged. Real
//! fixtures of each producer family, through the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel)
}

fn errsig(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_errsig")).args(args).output().expect("errsig runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The first line (1-based) of the first finding of `rule` printed by
/// `producer` in a fixture.
fn first_finding(path: &Path, producer: &str, rule: &str) -> u64 {
    let json = errsig(&["scan", "--format", "json", &path.to_string_lossy()]);
    json.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|f| f["producer"] == producer && f["rule"] == rule)
        .and_then(|f| f["line"].as_u64())
        .unwrap_or_else(|| panic!("{}: no {rule} finding printed by {producer}:\n{json}", path.display()))
}

/// The first item of a numbered section of `errsig explain`'s markdown.
fn first_item<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = format!("## {heading}\n\n1. ");
    let at = md.find(&start).unwrap_or_else(|| panic!("no {heading}:\n{md}"));
    let rest = &md[at + start.len()..];
    rest.lines().next().unwrap_or("")
}

/// Of each producer family, real fixtures: (file under tests/fixtures,
/// producer, rule, the start of the first fix, a phrase of the first cause).
const PROGRAMS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "real/py-sdk-print-permission_denied.txt",
        "python-sdk",
        "403-permission-denied",
        "Check which credential the Anthropic SDK sends: the key given to its client (`Anthropic(api_key=…)`",
        "**The credential the Anthropic SDK sends may not make this request.**",
    ),
    (
        "real/py-sdk-print-auth_401.txt",
        "python-sdk",
        "401-authentication",
        "Check the key the Anthropic SDK sends: the key given to its client",
        "**The key the Anthropic SDK sends is not a valid key as sent**",
    ),
    (
        "real/ts-sdk-console-log-permission_denied.txt",
        "ts-sdk",
        "403-permission-denied",
        "Check which credential the Anthropic SDK sends",
        "`new Anthropic({ apiKey })` in TypeScript",
    ),
    (
        "real/ts-sdk-console-log-no_body.txt",
        "ts-sdk",
        "403-generic",
        "Check which credential the Anthropic SDK sends",
        "**The credential the Anthropic SDK sends is not permitted to do this.**",
    ),
    (
        "public/pysdk-claude-quickstarts-83.txt",
        "python-sdk",
        "400-credit-balance",
        "Find the organization the key the Anthropic SDK sends belongs to",
        "**The organization of the key the Anthropic SDK sends has no API credit left.**",
    ),
    (
        "third-party/litellm-logerror-permission_denied.txt",
        "litellm",
        "403-permission-denied",
        "Check which credential LiteLLM sends: the `api_key` of the call",
        "its `model_list`",
    ),
    (
        "third-party/litellm-uncaught-auth_401.txt",
        "litellm",
        "401-authentication",
        "Check the key LiteLLM sends",
        "**The key LiteLLM sends is not a valid key as sent**",
    ),
    (
        "third-party/langchain-js-uncaught-permission_denied.txt",
        "langchain",
        "403-permission-denied",
        "Check which credential LangChain sends",
        "`new ChatAnthropic({ apiKey })`",
    ),
    (
        "third-party/ai-sdk-console-error-permission_denied.txt",
        "ai-sdk",
        "403-permission-denied",
        "Check which credential the Vercel AI SDK sends: the `apiKey` of its provider (`createAnthropic({ apiKey })`",
        "It sends the `apiKey` of its provider",
    ),
    (
        "third-party/ai-sdk-uncaught-request_not_allowed.txt",
        "ai-sdk",
        "403-request-not-allowed",
        "Check where the Vercel AI SDK connects",
        "**Anthropic's edge refused the Vercel AI SDK's request",
    ),
    (
        "third-party/pydantic-ai-logged-permission_denied.txt",
        "pydantic-ai",
        "403-permission-denied",
        "Check which credential pydantic-ai sends",
        "AnthropicProvider(api_key=…)",
    ),
    (
        "third-party/instructor-uncaught-auth_401.txt",
        "instructor",
        "401-authentication",
        "Check the key instructor sends",
        "`instructor.from_anthropic(Anthropic(api_key=…))`",
    ),
    // No row for the llm CLI: nothing it prints is its own (its errors are
    // the Anthropic SDK's exception, named python-sdk as the expectations
    // say), so no real finding carries its producer; its advice is checked
    // with every family's by the unit tests in `rules/advice.rs`.
    (
        "third-party/openai-py-uncaught-auth_401.txt",
        "openai-sdk",
        "401-authentication",
        "Check the key the OpenAI SDK sends",
        "it never reads `ANTHROPIC_API_KEY` by itself",
    ),
    (
        "real/curl-i-permission_denied.txt",
        "http",
        "403-permission-denied",
        "Check which credential the command sends: the `x-api-key` header (or `Authorization: Bearer …`) given to it",
        "It sends the `x-api-key` header",
    ),
];

/// What only Claude Code's own login and settings answer.
const CLAUDE_CODE_ONLY: &[&str] = &["claude auth status", "/login", "/status", "claude setup-token", "claude -p"];

#[test]
fn a_programs_finding_is_explained_with_the_key_that_program_sends() {
    for &(rel, producer, rule, fix, cause) in PROGRAMS {
        let path = fixture(rel);
        let line = first_finding(&path, producer, rule);
        let md = errsig(&["explain", &format!("{}:{line}", path.display())]);
        assert!(md.starts_with("# "), "{rel}:{line}: {md}");
        let (first_fix, first_cause) = (first_item(&md, "Fix"), first_item(&md, "Likely causes"));
        assert!(first_fix.starts_with(fix), "{rel}:{line} ({producer}): first fix {first_fix:?}");
        assert!(first_cause.contains(cause), "{rel}:{line} ({producer}): first cause {first_cause:?}");
        // None of the steps is Claude Code's own.
        let steps = &md[md.find("## Fix").unwrap_or(0)..];
        let steps = &steps[..steps.find("\n## ").unwrap_or(steps.len())];
        for c in CLAUDE_CODE_ONLY {
            assert!(!steps.contains(c), "{rel}:{line} ({producer}): a fix step says {c:?}:\n{steps}");
        }
        // `errsig scan`'s help is the same first step.
        let human = errsig(&["scan", "--color", "never", &path.to_string_lossy()]);
        let at = human.find(&format!(":{line}:")).unwrap_or_else(|| panic!("{rel}: line {line} in\n{human}"));
        let help = human[at..].lines().find(|l| l.contains("= help: ")).unwrap_or("");
        assert!(help.contains(&format!("help: {}", &fix[..fix.len().min(40)])), "{rel}:{line}: {help}");
    }
}

#[test]
fn the_agent_sdk_runs_claude_code_and_keeps_its_advice_after_its_own_first_step() {
    let path = fixture("third-party/agent-sdk-py-logged-permission_denied.txt");
    let line = first_finding(&path, "claude-agent-sdk", "403-permission-denied");
    let md = errsig(&["explain", &format!("{}:{line}", path.display())]);
    assert!(
        first_item(&md, "Fix").starts_with(
            "Check which credential the Claude Agent SDK sends: the credential of the Claude Code it runs"
        ),
        "{md}"
    );
    let builtin = errsig(&["explain", "403-permission-denied"]);
    let second = md.split("\n2. ").nth(1).and_then(|s| s.lines().next()).unwrap_or("");
    assert!(builtin.contains(&format!("1. {second}")), "the rule's first cause follows: {second}");
    assert!(md.contains("2. Run `claude auth status`"), "Claude Code's first fix is the second: {md}");
}

#[test]
fn claude_codes_findings_and_unknown_producers_keep_the_rules_advice() {
    for (rel, producer, rule) in [
        ("real/cc-1.0-print-permission_denied.txt", "claude-code", "403-permission-denied"),
        ("real/cc-1.0-print-auth_401.txt", "claude-code", "401-authentication"),
        ("real/cc-1.0-print-request_not_allowed.txt", "claude-code", "403-request-not-allowed"),
        ("real/cc-2.1-print-credit.txt", "claude-code", "400-credit-balance"),
        ("real/curl-json-tool-permission_denied.txt", "unknown", "403-permission-denied"),
    ] {
        let path = fixture(rel);
        let line = first_finding(&path, producer, rule);
        let md = errsig(&["explain", &format!("{}:{line}", path.display())]);
        let builtin = errsig(&["explain", rule]);
        for heading in ["Likely causes", "Fix"] {
            let ours = &md[md.find(&format!("## {heading}")).unwrap_or(0)..];
            let ours = &ours[..ours[3..].find("\n## ").map_or(ours.len(), |i| i + 3)];
            assert!(builtin.contains(ours), "{rel}:{line} ({producer}): {heading} differs from the rule's:\n{ours}");
        }
    }
}
