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
