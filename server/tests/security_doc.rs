//! SECURITY.md stays true: it has a section for every item the reliability
//! issue's point 6 asks for, every file it cites as backing a statement
//! exists, and the facts it states about the one request errsig can make and
//! the editor setting that allows it are the code's.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The text of the `## heading` section (up to the next `## `).
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc.find(&format!("\n## {heading}\n")).unwrap_or_else(|| panic!("SECURITY.md has no `## {heading}`"));
    let body = &doc[start + heading.len() + 5..];
    &body[..body.find("\n## ").unwrap_or(body.len())]
}

#[test]
fn every_item_of_the_security_model_has_its_section() {
    let doc = read("SECURITY.md");
    // What it reads: each face, and the doctor's programs.
    let reads = section(&doc, "What errsig reads");
    for face in ["errsig scan", "errsig lsp", "errsig doctor", "apiKeyHelper", "--run-helper"] {
        assert!(reads.contains(face), "what errsig reads: no `{face}`");
    }
    // What it never sends: the filter and the outputs it covers.
    let never = section(&doc, "What errsig never sends");
    for what in ["sk-ant-api03-", "Authorization", "ERRSIG_LOG", "trace", "hovers", "doctor", "SARIF"] {
        assert!(never.contains(what), "what errsig never sends: no `{what}`");
    }
    // The only request, and when.
    let request = section(&doc, "The only request errsig can make");
    for what in ["GET /v1/models", "8-second", "no\nredirects", "--probe", "--yes", "liveCheck", "untrusted"] {
        assert!(request.replace('\n', " ").contains(&what.replace('\n', " ")), "the request: no `{what}`");
    }
    // What it changes and how to undo it.
    let changes = section(&doc, "What errsig changes, and how to undo it");
    for what in [".errsig.toml.bak", "--backups", "--restore", "Nothing is lost", "changes nothing"] {
        assert!(changes.contains(what), "what errsig changes: no `{what}`");
    }
    // How a project file is kept from running programs or sending data.
    let project = section(&doc, "How a project's files are kept from running programs or sending data");
    for what in ["deny_unknown_fields", "rules::ACTIONS", "liveCheck", "Untrusted"] {
        assert!(project.contains(what), "project files: no `{what}`");
    }
    // Reporting, privately on GitHub.
    let report = section(&doc, "Reporting a vulnerability");
    assert!(report.contains("GitHub's private vulnerability reporting"), "{report}");
    assert!(report.contains("Report a\nvulnerability") || report.contains("Report a vulnerability"), "{report}");
    assert!(report.contains("fake"), "a leak is reported with a fake secret: {report}");
}

#[test]
fn the_files_it_cites_exist_and_say_what_it_says() {
    let doc = read("SECURITY.md");
    let mut cited = 0;
    for piece in doc.split('`').skip(1).step_by(2) {
        if piece.starts_with("server/") {
            assert!(root().join(piece).exists(), "SECURITY.md cites `{piece}`, which does not exist");
            cited += 1;
        }
    }
    assert!(cited >= 12, "{cited} files cited");
    // The one request: `GET /v1/models`, an 8-second timeout, no redirects.
    let probe = read("server/src/doctor/probe.rs");
    assert!(probe.contains("/v1/models"), "probe.rs");
    assert!(probe.contains("Duration::from_secs(8)"), "probe.rs: the timeout SECURITY.md states");
    assert!(probe.contains("max_redirects(0)"), "probe.rs: no redirects");
    // A workspace cannot turn the live check on: the setting is machine-scoped.
    let package: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/package.json")).expect("package.json is JSON");
    let configuration = &package["contributes"]["configuration"];
    let sections: Vec<&serde_json::Value> = match configuration.as_array() {
        Some(list) => list.iter().collect(),
        None => vec![configuration],
    };
    let scope = sections.iter().find_map(|s| s["properties"]["errsig.liveCheck.enabled"]["scope"].as_str());
    assert_eq!(scope, Some("machine"), "errsig.liveCheck.enabled");
    // Project files hold data only: unknown keys are refused.
    assert!(read("server/engine/src/config.rs").contains("#[serde(deny_unknown_fields)]"));
}
