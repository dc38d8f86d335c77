//! The full explanation of a finding, as markdown: the same text for
//! `errsig explain` and the editor's hover. No I/O.
//!
//! Order: title; the fields as shown; what it means; what the lines nearby
//! say (the rule's context notes that apply to *this* report, first); the
//! causes, most likely first; numbered fix steps; how to know the fix
//! worked; links.

use crate::rules::{Confidence, Rule};
use crate::scan::{Event, Platform, Producer};
use std::fmt::Write;

/// Who printed it, for people.
pub fn producer_name(p: Producer) -> &'static str {
    match p {
        Producer::ClaudeCode => "Claude Code",
        Producer::PythonSdk => "Anthropic Python SDK",
        Producer::TsSdk => "Anthropic TypeScript SDK",
        Producer::Http => "HTTP response",
        Producer::Bedrock => "AWS SDK (Amazon Bedrock)",
        Producer::Vertex => "Google client (Vertex AI)",
        Producer::Unknown => "unknown",
    }
}

/// Who refused the request, for people.
pub fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Anthropic => "Anthropic API",
        Platform::Bedrock => "Amazon Bedrock",
        Platform::Vertex => "Google Vertex AI",
        Platform::Gateway => "a gateway or proxy in front of the API",
    }
}

/// The short, self-contained first line of a finding (what Error Lens shows
/// inline): `Anthropic API 403 permission_error: Permission denied (req_011C…)`.
pub fn headline(rule: &Rule, ev: &Event) -> String {
    let mut s = String::from(match ev.platform {
        Platform::Anthropic => "Anthropic API",
        Platform::Bedrock => "Amazon Bedrock",
        Platform::Vertex => "Vertex AI",
        Platform::Gateway => "Gateway",
    });
    if let Some(st) = ev.status {
        let _ = write!(s, " {st}");
    }
    if let Some(t) = &ev.error_type {
        let _ = write!(s, " {t}");
    }
    match ev.message.as_deref().map(|m| m.lines().next().unwrap_or("")) {
        Some(m) if !m.is_empty() => {
            let m: String =
                if m.chars().count() > 100 { m.chars().take(99).chain(['…']).collect() } else { m.to_owned() };
            let _ = write!(s, ": {m}");
        }
        _ => {
            let _ = write!(s, ": {}", rule.title);
        }
    }
    if let Some(id) = &ev.request_id {
        let _ = write!(s, " ({id})");
    }
    s
}

/// The explanation of `rule`, for `event` when there is one (`errsig
/// explain RULE_ID` has none and shows every note).
pub fn markdown(rule: &Rule, event: Option<&Event>) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", rule.title);
    let _ = writeln!(md, "`{}` · {}\n", rule.id, rule.severity);
    if let Some(ev) = event {
        md.push_str("| | |\n|---|---|\n");
        let status = match (ev.status, ev.status_inferred) {
            (Some(s), false) => s.to_string(),
            (Some(s), true) => format!("{s} (inferred: not shown)"),
            (None, _) => "not shown".into(),
        };
        row(&mut md, "Status", &status);
        if let Some(t) = &ev.error_type {
            row(&mut md, "Type", &format!("`{t}`"));
        }
        if let Some(m) = &ev.message {
            row(&mut md, "Message", m);
        }
        row(
            &mut md,
            "Request id",
            ev.request_id.as_deref().map_or("not shown".to_owned(), |r| format!("`{r}`")).as_str(),
        );
        row(&mut md, "Printed by", producer_name(ev.producer));
        row(&mut md, "Refused by", platform_name(ev.platform));
        if !ev.hints.is_empty() {
            row(&mut md, "Hints", &ev.hints.join(" · "));
        }
        md.push('\n');
    } else if !rule.summary.is_empty() {
        let _ = writeln!(md, "{}\n", rule.summary.trim());
    }
    if !rule.meaning.trim().is_empty() {
        let _ = writeln!(md, "## What it means\n\n{}\n", rule.meaning.trim());
    }
    let notes: Vec<&str> = match event {
        Some(ev) => rule
            .context
            .iter()
            .filter(|c| ev.context.iter().any(|l| c.when.is_match(&l.text)))
            .map(|c| c.text.trim())
            .collect(),
        None => Vec::new(),
    };
    if !notes.is_empty() {
        md.push_str("## In this report\n\n");
        for n in notes {
            let _ = writeln!(md, "{n}\n");
        }
    }
    if !rule.causes.is_empty() {
        md.push_str("## Likely causes\n\n");
        for (i, c) in rule.causes.iter().enumerate() {
            let how = match c.confidence {
                Confidence::Documented => "documented",
                Confidence::Reported => "reported by users",
                Confidence::Inferred => "our inference",
            };
            let _ = writeln!(md, "{}. {} *({how})*", i + 1, c.text.trim());
        }
        md.push('\n');
    }
    if event.is_none() && !rule.context.is_empty() {
        md.push_str("## When nearby lines show more\n\n");
        for c in &rule.context {
            let _ = writeln!(
                md,
                "- When a nearby line matches `{}`: {}",
                c.when.as_str(),
                c.text.trim().replace('\n', " ")
            );
        }
        md.push('\n');
    }
    if !rule.fixes.is_empty() {
        md.push_str("## Fix\n\n");
        for (i, f) in rule.fixes.iter().enumerate() {
            let _ = writeln!(md, "{}. {}", i + 1, f.trim());
        }
        md.push('\n');
    }
    if !rule.verify.trim().is_empty() {
        let _ = writeln!(md, "## How to know it worked\n\n{}\n", rule.verify.trim());
    }
    if !rule.links.is_empty() {
        md.push_str("## Links\n\n");
        for l in &rule.links {
            let _ = writeln!(md, "- [{}]({})", l.title, l.url);
        }
        md.push('\n');
    }
    while md.ends_with("\n\n") {
        md.pop();
    }
    md
}

fn row(md: &mut String, name: &str, value: &str) {
    let value = value.replace('|', "\\|").replace('\n', "<br>");
    let _ = writeln!(md, "| {name} | {value} |");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Catalog;
    use std::sync::Arc;

    #[test]
    fn explanation_of_a_finding_puts_its_context_first_and_hides_no_secret() {
        let catalog = Arc::new(Catalog::builtin());
        let log = "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n\
                   > x-api-key: sk-ant-api03-abcdefghijklmnop\n\
                   API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CSHmzpnGHTh7ZxBa1cFA2\"}\n";
        let f = crate::scan_bytes(catalog, None, log.as_bytes()).remove(0);
        let md = markdown(&f.rule, Some(&f.event));
        assert!(md.starts_with("# Anthropic API refused the credential"), "{md}");
        assert!(md.contains("| Request id | `req_011CSHmzpnGHTh7ZxBa1cFA2` |"));
        let note = md.find("## In this report").expect("context section");
        assert!(md[note..].contains("keychain"));
        assert!(note < md.find("## Likely causes").unwrap());
        assert!(md.contains("## Fix\n\n1. "));
        assert!(!md.contains("abcdefghijklmnop"));
        assert_eq!(
            headline(&f.rule, &f.event),
            "Anthropic API 403 permission_error: Permission denied (req_011CSHmzpnGHTh7ZxBa1cFA2)"
        );
    }
}
