//! Explanations fit the producer in the editor (issue 10, point 6): the
//! hover's first cause and fix, and the code actions offered, for findings
//! of real fixtures printed by SDKs and third-party tools, and Claude Code's
//! own advice for Claude Code's findings.

use super::client::Client;
use super::{open, workspace};
use serde_json::{json, Value};
use std::path::Path;

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel);
    std::fs::read_to_string(p).unwrap_or_default()
}

/// A server in a workspace whose machine has nothing set (an empty home, no
/// key), for a client that runs commands in its terminal.
fn started(name: &str) -> (Client, std::path::PathBuf) {
    let ws = workspace(name);
    let home = ws.join("home");
    std::fs::create_dir_all(&home).unwrap_or_default();
    let env = [
        ("HOME", home.display().to_string()),
        ("PATH", "/usr/bin:/bin".to_owned()),
        ("ERRSIG_DOCTOR_PLATFORM", "linux".to_owned()),
        ("ERRSIG_DOCTOR_MANAGED_SETTINGS", ws.join("no-managed.json").display().to_string()),
    ];
    let mut c = Client::start_env(&ws, &env);
    c.initialize(json!({}), json!({ "clientCommands": ["errsig.runInTerminal", "errsig.openReport"] }), &ws);
    (c, ws)
}

/// The hover (as one line of prose) and the action titles of the first
/// diagnostic of `rule` in a document holding `text` whose printing is
/// `producer`'s (a wrapper's traceback also holds the SDK's own exception,
/// a finding of its own producer), or of any producer.
fn hover_and_actions(
    c: &mut Client,
    uri: &str,
    text: &str,
    rule: &str,
    producer: Option<&str>,
) -> (String, Vec<String>) {
    open(c, uri, "log", text);
    let wanted = |d: &Value| d["code"] == rule && producer.is_none_or(|p| d["data"]["producer"] == p);
    let d = c.diagnostics(uri, |d| d.iter().any(wanted));
    let d = d.into_iter().find(wanted).unwrap_or(Value::Null);
    let h = c.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": d["range"]["start"] }));
    let md = h["contents"]["value"].as_str().unwrap_or("").to_owned();
    assert!(md.lines().all(|l| l.chars().count() <= 100), "{md}");
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let titles =
        actions.as_array().map_or(vec![], |a| a.iter().map(|a| a["title"].as_str().unwrap_or("").to_owned()).collect());
    (md.split_whitespace().collect::<Vec<_>>().join(" "), titles)
}

#[test]
fn an_sdks_finding_is_explained_and_fixed_with_the_key_it_sends() {
    let (mut c, _ws) = started("advice-programs");
    for (i, (rel, producer, rule, fix, cause)) in [
        (
            "real/py-sdk-uncaught-permission_denied.txt",
            "python-sdk",
            "403-permission-denied",
            "Fix: 1. Check which credential the Anthropic SDK sends: the key given to its client (`Anthropic(api_key=…)`",
            "Likely causes: 1. **The credential the Anthropic SDK sends may not make this request.** (our inference)",
        ),
        (
            "third-party/litellm-uncaught-auth_401.txt",
            "litellm",
            "401-authentication",
            "Fix: 1. Check the key LiteLLM sends: the `api_key` of the call",
            "Likely causes: 1. **The key LiteLLM sends is not a valid key as sent**",
        ),
        (
            "third-party/ai-sdk-console-error-permission_denied.txt",
            "ai-sdk",
            "403-permission-denied",
            "Fix: 1. Check which credential the Vercel AI SDK sends: the `apiKey` of its provider (`createAnthropic({ apiKey })`",
            "Likely causes: 1. **The credential the Vercel AI SDK sends may not make this request.**",
        ),
        (
            "third-party/pydantic-ai-uncaught-request_not_allowed.txt",
            "pydantic-ai",
            "403-request-not-allowed",
            "Fix: 1. Check where pydantic-ai connects",
            "Likely causes: 1. **Anthropic's edge refused pydantic-ai's request before the API read it**",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let uri = format!("untitled:program-{i}");
        let (md, titles) = hover_and_actions(&mut c, &uri, &fixture(rel), rule, Some(producer));
        assert!(md.contains(fix), "{rel}: {md}");
        assert!(md.contains(cause), "{rel}: {md}");
        assert!(!md.contains("claude auth status") && !md.contains("`/login`"), "{rel}: {md}");
        assert!(!titles.is_empty(), "{rel}: no actions");
        for t in &titles {
            assert!(!t.contains("claude /login") && !t.contains("claude auth status"), "{rel}: {t} in {titles:?}");
        }
        assert!(titles.iter().any(|t| t.starts_with("Run errsig doctor")), "{rel}: {titles:?}");
        assert!(titles.iter().any(|t| t.starts_with(&format!("Explain {rule}"))), "{rel}: {titles:?}");
    }
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn claude_codes_finding_keeps_claude_codes_advice_and_actions() {
    let (mut c, _ws) = started("advice-claude-code");
    let text = fixture("real/cc-1.0-print-permission_denied.txt");
    let (md, titles) = hover_and_actions(&mut c, "untitled:cc", &text, "403-permission-denied", None);
    assert!(md.contains("Fix: 1. Run `claude auth status` (or `/status` inside Claude Code)"), "{md}");
    assert!(md.contains("Likely causes: 1. **A different credential is active than the one you expect.**"), "{md}");
    let at = |t: &str| titles.iter().position(|x| x == t).unwrap_or_else(|| panic!("{t} in {titles:?}"));
    assert!(
        at("Check which credential Claude Code uses: `claude auth status`")
            < at("Sign in to Claude Code again: `claude /login`")
    );
    assert_eq!(c.shutdown(), Some(0));
}
