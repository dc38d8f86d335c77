//! Context lines reach the finding (and the rule's note for them), and
//! lookalikes the real captures do not cover are left alone.

use errsig::rules::Catalog;
use errsig::scan_bytes;
use std::sync::Arc;

#[test]
fn the_keychain_line_nearby_is_context_of_the_403() {
    let catalog = Arc::new(Catalog::builtin());
    let log = "\
$ claude
> /login
security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.
Login successful
API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CSHmzpnGHTh7ZxBa1cFA2\"} · Please run /login
";
    let found = scan_bytes(catalog.clone(), None, log.as_bytes());
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.rule.id, "403-permission-denied");
    assert_eq!(f.event.context.len(), 1, "{:?}", f.event.context);
    assert_eq!(f.event.context[0].line, 2);
    assert!(f.event.context[0].text.starts_with("security: SecKeychainSearchCopyNext"));
    let note = f.rule.context.iter().find(|c| c.when.is_match(&f.event.context[0].text));
    assert!(note.is_some_and(|n| n.text.contains("keychain")), "the rule explains the keychain line");

    // 17 lines away it is no longer nearby.
    let far = log.replacen("Login successful\n", &"noise\n".repeat(17), 1);
    let found = scan_bytes(catalog, None, far.as_bytes());
    assert!(found[0].event.context.is_empty(), "{:?}", found[0].event.context);
}

/// Lookalikes beside the real negative captures: these texts are written
/// here because the programs that print them (a Claude Code tool prompt, a
/// git server) could not be run against the mock.
#[test]
fn lookalikes_are_not_anthropic_errors() {
    let catalog = Arc::new(Catalog::builtin());
    for text in [
        "Claude requested permissions to use Bash, but you haven't granted it yet.",
        "  ⎿  Error: Permission to use Bash has been denied.",
        "remote: Permission to octo/repo.git denied to bot.\nfatal: unable to access 'https://github.com/octo/repo.git/': The requested URL returned error: 403",
        "bash: ./deploy.sh: Permission denied",
        "rsync: [sender] send_files failed to open \"/etc/shadow\": Permission denied (13)",
        "HTTP/1.1 403 Forbidden\r\nServer: AmazonS3\r\nx-amz-request-id: 7B6E0973964DD4C4\r\n\r\n<Error><Code>AccessDenied</Code></Error>",
        "openai.PermissionDeniedError: Error code: 403 - {'error': {'message': 'Project does not have access', 'type': 'invalid_request_error', 'param': None, 'code': 'model_not_found'}}",
        "Error: 403 {\"error\":{\"message\":\"Project does not have access\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
        "{\"message\":\"Resource not accessible by integration\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"403\"}",
        "nginx: 403 Forbidden while reading response header from upstream",
        // A package registry refusing a package whose name says "anthropic".
        "$ npm install @anthropic-ai/sdk\nnpm error code E403\nnpm error 403 403 Forbidden - GET https://registry.npmjs.org/@anthropic-ai%2fsdk",
        "$ docker pull ghcr.io/anthropics/claude-code\nError response from daemon: Head \"https://ghcr.io/v2/anthropics/claude-code/manifests/latest\": denied: 403 Forbidden",
        "$ pip install anthropic\nERROR: HTTP error 403 while getting https://files.pythonhosted.org/packages/anthropic-2.14.0-py3-none-any.whl\nERROR: 403 Forbidden",
    ] {
        let found = scan_bytes(catalog.clone(), None, text.as_bytes());
        assert!(found.is_empty(), "{text}\n => {:?}", found.iter().map(|f| &f.rule.id).collect::<Vec<_>>());
    }
}

/// Anthropic's own errors whose message mentions another vendor or host.
#[test]
fn a_foreign_word_in_an_anthropic_message_does_not_hide_it() {
    let catalog = Arc::new(Catalog::builtin());
    for (text, rule) in [
        (
            r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"Unable to download the file at https://github.com/acme/app/raw/main/diagram.png"}}"#,
            "400-invalid-request",
        ),
        (
            r#"● API Error: 404 {"type":"error","error":{"type":"not_found_error","message":"model: openai/gpt-4o"}}"#,
            "404-not-found",
        ),
    ] {
        let found = scan_bytes(catalog.clone(), None, text.as_bytes());
        assert_eq!(found.iter().map(|f| f.rule.id.as_str()).collect::<Vec<_>>(), [rule], "{text}");
    }
}

/// A recorded terminal session (an asciinema cast) keeps the escapes inside
/// its JSON strings: they are played like a terminal's.
#[test]
fn escapes_inside_json_strings_are_played() {
    let catalog = Arc::new(Catalog::builtin());
    let cast = r#"{"version": 2, "width": 80, "height": 24}
[0.5, "o", "\u001b[1mAPI Error\u001b[22m: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CSHmzpnGHTh7ZxBa1cFA2\"} · Please run /login\r\n"]
"#;
    let found = scan_bytes(catalog, None, cast.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    let e = &found[0].event;
    assert_eq!((e.producer.as_str(), e.message.as_deref()), ("claude-code", Some("Permission denied")));
    assert!(e.text.starts_with("API Error: 403"), "{}", e.text);
    assert!(!e.text.contains('\x1b'));
    // The position points at `API` in the original line, after `\u001b[1m`.
    assert_eq!((e.start.line, e.start.character), (1, 21));
}

fn scan(text: &str) -> Vec<errsig::Finding> {
    let columns = errsig::infer_columns(text.as_bytes());
    scan_bytes(Arc::new(Catalog::builtin()), columns, text.as_bytes())
}

/// Issue 10, point 8: a run of Claude Code's retry rows, of two widths, is
/// not wrapping: every row is a finding of its own, Claude Code's.
#[test]
fn a_run_of_retry_rows_keeps_every_row() {
    // Verbatim from anthropics/claude-code#4064 (tests/fixtures/public/cc10-claude-code-4064.txt).
    let row = |secs: u32, n: u32| {
        format!("  ⎿  API Error (529 {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}) · Retrying in {secs} seconds… (attempt {n}/10)\n")
    };
    let text: String =
        [(1, 1), (1, 2), (2, 3), (5, 4), (9, 5), (19, 6), (39, 7)].iter().map(|&(s, n)| row(s, n)).collect();
    assert_eq!(errsig::infer_columns(text.as_bytes()), None);
    let found = scan(&text);
    assert_eq!(found.iter().map(|f| f.event.start.line).collect::<Vec<_>>(), (0..7).collect::<Vec<_>>());
    assert!(found.iter().all(|f| f.event.producer == errsig::scan::Producer::ClaudeCode
        && f.event.status == Some(529)
        && f.event.message.as_deref() == Some("Overloaded")));
}

/// The SDK's own exception line keeps its name inside a wrapper's
/// traceback; the wrapper's exception is the wrapper's.
#[test]
fn the_sdk_exception_in_a_wrappers_traceback_is_the_sdks() {
    let text = "  File \"/venv/lib/python3.11/site-packages/pydantic_ai/models/anthropic/__init__.py\", line 1714, in send\n    return await client.beta.messages.create(\nanthropic.PermissionDeniedError: Error code: 403 - {'type': 'error', 'error': {'type': 'permission_error', 'message': 'Permission denied'}, 'request_id': 'req_011CEMEygwBYZk4DcBZHCUJR'}\n";
    let found = scan(text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].event.producer, errsig::scan::Producer::PythonSdk);
}

/// The API's inner error object without its envelope (the AI SDK's
/// `data.error`, opencode's log) is Anthropic's; OpenAI's is not.
#[test]
fn the_inner_error_object_alone_is_found() {
    // Verbatim from anomalyco/opencode#163.
    let text = "2025-06-17T07:44:29 +1ms message={\"type\":\"overloaded_error\",\"message\":\"Overloaded\"} cause=[object Object] UnknownError\n";
    let found = scan(text);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].event.status, found[0].event.status_inferred), (Some(529), true));
    let openai = "error={\"type\":\"invalid_request_error\",\"message\":\"bad\",\"param\":null,\"code\":null}\n";
    assert!(scan(openai).is_empty());
}

/// Two printings on one line: the API error and, after its body closed,
/// the login screen's own error (anthropics/claude-code#50411).
#[test]
fn a_printing_after_a_closed_body_on_the_same_line_is_its_own() {
    let text = "Please run /login · API Error: 403 {\"error\":{\"type\":\"forbidden\",\"message\":\"Request not allowed\"}} /login  Login OAuth error: Request failed with status code 403\n";
    let found = scan(text);
    let messages: Vec<_> = found.iter().map(|f| f.event.message.clone().unwrap_or_default()).collect();
    assert_eq!(messages, ["Request not allowed", "Request failed with status code 403"]);
}
