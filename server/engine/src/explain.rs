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
        Producer::Litellm => "LiteLLM",
        Producer::Langchain => "LangChain",
        Producer::AiSdk => "Vercel AI SDK",
        Producer::PydanticAi => "pydantic-ai",
        Producer::Instructor => "instructor",
        Producer::Llm => "the llm CLI",
        Producer::OpenaiSdk => "OpenAI SDK (on Anthropic's OpenAI-compatible endpoint)",
        Producer::ClaudeAgentSdk => "Claude Agent SDK",
        Producer::Boto3 => "boto3 (Amazon Bedrock)",
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

/// The pointer to the doctor, for rules whose causes lie on the machine
/// (those with the `doctor` action): `scan`'s help, `explain`'s fix steps
/// and the hover all end with it, because the rule can only list causes and
/// the doctor is what tells which one applies here.
pub const DOCTOR_POINTER: &str =
    "`errsig doctor` checks which of these causes applies on this machine (which credential wins, settings, the stored login) and fixes it safely.";

/// Whether `rule`'s causes are the doctor's to tell apart.
pub fn doctor_applies(rule: &Rule) -> bool {
    rule.actions.contains(&crate::rules::Action::Doctor)
}

/// The first fix step of a finding, fitted to who printed it (what `scan`'s
/// human and GitHub outputs show as its help).
pub fn first_fix<'a>(rule: &'a Rule, ev: &Event) -> Option<&'a str> {
    rule.fitted(ev.producer).fixes.first().copied()
}

/// The explanation of `rule`, for `event` when there is one (`errsig
/// explain RULE_ID` has none and shows every note).
pub fn markdown(rule: &Rule, event: Option<&Event>) -> String {
    // The causes and fixes fitted to who printed it (`rules/advice.toml`);
    // without an event, the rule's own (written for Claude Code).
    let fit = rule.fitted(event.map_or(Producer::ClaudeCode, |e| e.producer));
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
        let _ = writeln!(md, "{}\n", reflow(&rule.summary));
    }
    if !rule.meaning.trim().is_empty() {
        let _ = writeln!(md, "## What it means\n\n{}\n", reflow(&rule.meaning));
    }
    let notes: Vec<String> = match event {
        Some(ev) => rule
            .context
            .iter()
            .filter(|c| ev.context.iter().any(|l| c.when.is_match(&l.text)))
            .map(|c| reflow(&c.text))
            .collect(),
        None => Vec::new(),
    };
    if !notes.is_empty() {
        md.push_str("## In this report\n\n");
        for n in notes {
            let _ = writeln!(md, "{n}\n");
        }
    }
    if !fit.causes.is_empty() {
        md.push_str("## Likely causes\n\n");
        for (i, c) in fit.causes.iter().enumerate() {
            let how = match c.confidence {
                Confidence::Documented => "documented",
                Confidence::Reported => "reported by users",
                Confidence::Inferred => "our inference",
            };
            let _ = writeln!(md, "{}. {} *({how})*", i + 1, reflow(&c.text));
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
    if !fit.fixes.is_empty() {
        md.push_str("## Fix\n\n");
        for (i, f) in fit.fixes.iter().enumerate() {
            let _ = writeln!(md, "{}. {}", i + 1, reflow(f));
        }
        md.push('\n');
        if doctor_applies(rule) {
            let _ = writeln!(md, "{DOCTOR_POINTER}\n");
        }
    }
    if !rule.verify.trim().is_empty() {
        let _ = writeln!(md, "## How to know it worked\n\n{}\n", reflow(&rule.verify));
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

/// The widest line of a hover: many clients show hover markdown raw or
/// half-rendered (Neovim, Helix, Emacs, Kakoune, Vim), so it must read well
/// as plain text too.
pub const HOVER_WIDTH: usize = 100;

/// The hover of a finding: markdown without tables or headings, lines of at
/// most [`HOVER_WIDTH`] characters. The headline first, then what this
/// machine says (`on_this_machine`, from the doctor, when known), the notes
/// for this report, the causes of this variant (their lead sentence) and
/// the fix steps. The full document stays for `errsig explain`.
pub fn hover(rule: &Rule, ev: &Event, on_this_machine: Option<&str>) -> String {
    let fit = rule.fitted(ev.producer);
    let mut out = String::new();
    let para = wrap_into;
    para(&mut out, &headline(rule, ev), "", "");
    out.push('\n');
    let mut meta = format!(
        "{} (`{}`) · printed by {} · refused by {}",
        rule.title,
        rule.id,
        producer_name(ev.producer),
        platform_name(ev.platform)
    );
    if let (Some(st), true) = (ev.status, ev.status_inferred) {
        let _ = write!(meta, " · status {st} inferred (not shown)");
    }
    if !ev.hints.is_empty() {
        let _ = write!(meta, " · the client's hint: {}", ev.hints.join(" · "));
    }
    para(&mut out, &meta, "", "");
    if let Some(m) = on_this_machine {
        out.push('\n');
        para(&mut out, &format!("On this machine: {}", flatten(m)), "", "");
    }
    for c in rule.context.iter().filter(|c| ev.context.iter().any(|l| c.when.is_match(&l.text))) {
        out.push('\n');
        para(&mut out, &flatten(&c.text), "", "");
    }
    if !fit.causes.is_empty() {
        out.push_str("\nLikely causes:\n\n");
        for (i, c) in fit.causes.iter().enumerate() {
            let how = match c.confidence {
                Confidence::Documented => "documented",
                Confidence::Reported => "reported by users",
                Confidence::Inferred => "our inference",
            };
            let n = format!("{}. ", i + 1);
            para(&mut out, &format!("{} ({how})", lead(&c.text)), &n, &" ".repeat(n.len()));
        }
    }
    if !fit.fixes.is_empty() {
        out.push_str("\nFix:\n\n");
        for (i, f) in fit.fixes.iter().enumerate() {
            let n = format!("{}. ", i + 1);
            para(&mut out, &flatten(f), &n, &" ".repeat(n.len()));
        }
        if doctor_applies(rule) {
            out.push('\n');
            para(&mut out, DOCTOR_POINTER, "", "");
        }
    }
    out.push('\n');
    para(&mut out, &format!("Full explanation: `errsig explain {}`, or the Explain action.", rule.id), "", "");
    out.truncate(out.trim_end().len());
    out
}

/// A rule text as one line of prose (its own wrapping undone).
fn flatten(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lead of a cause: its bold first sentence, else its first sentence.
fn lead(text: &str) -> String {
    let t = flatten(text);
    if let Some(rest) = t.strip_prefix("**") {
        if let Some(end) = rest.find("**") {
            return format!("**{}**", &rest[..end]);
        }
    }
    match t.find(". ") {
        Some(i) => t[..=i].to_owned(),
        None => t,
    }
}

/// Word-wrap `text` at [`HOVER_WIDTH`], the first line after `first`, the
/// others after `rest`, ending with a newline. A word longer than a line
/// (a URL) is cut at the width rather than overflowing.
fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut width = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word: String = word.to_owned();
        loop {
            let w = word.chars().count();
            let need = if empty { w } else { w + 1 };
            if width + need <= HOVER_WIDTH {
                if !empty {
                    line.push(' ');
                }
                line.push_str(&word);
                width += need;
                empty = false;
                break;
            }
            if !empty {
                out.push_str(&line);
                out.push('\n');
                line = String::from(rest);
                width = rest.chars().count();
                empty = true;
                continue;
            }
            // Alone on a line and still too long: cut it.
            let room = HOVER_WIDTH.saturating_sub(width).max(1);
            let head: String = word.chars().take(room).collect();
            let tail: String = word.chars().skip(room).collect();
            line.push_str(&head);
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            width = rest.chars().count();
            word = tail;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || line.len() > rest.len() {
        out.push_str(&line);
        out.push('\n');
    }
}

/// Join the lines of each paragraph: rule texts are wrapped in their TOML
/// files for reading there, and a hover window wraps again on its own.
/// Lists, tables, quotes and code keep their lines.
pub fn reflow(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for (i, para) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let mut first = true;
        for line in para.lines() {
            let t = line.trim_start();
            if t.starts_with("```") {
                in_code = !in_code;
            }
            let keep = in_code
                || t.starts_with("```")
                || t.starts_with(['-', '*', '|', '>', '#'])
                || t.split_once(". ").is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty());
            if !first {
                out.push(if keep { '\n' } else { ' ' });
            }
            out.push_str(if keep { line } else { t });
            first = false;
        }
    }
    out
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

    /// The hover reads well where markdown is shown raw: no table rows, no
    /// headings, no line over the width, the headline first. For every
    /// built-in rule, on a finding of each of its samples.
    #[test]
    fn every_rules_hover_reads_well_as_plain_text() {
        let catalog = Arc::new(Catalog::builtin());
        let mut checked = 0;
        for rule in catalog.rules() {
            for sample in &rule.samples.matching {
                let found = crate::scan_bytes(catalog.clone(), None, sample.as_bytes());
                let Some(f) = found.iter().find(|f| f.rule.id == rule.id) else { continue };
                for machine in [None, Some("ANTHROPIC_API_KEY from ~/.bashrc is sent, and it is an admin key (sk-ant-admin01-…), which cannot call the Messages API.")] {
                    let md = hover(&f.rule, &f.event, machine);
                    let head = headline(&f.rule, &f.event);
                    let first = md.lines().next().unwrap_or("");
                    assert!(head.starts_with(first.trim_end()) && !first.is_empty(), "{}: first line {first:?}", rule.id);
                    for l in md.lines() {
                        assert!(l.chars().count() <= HOVER_WIDTH, "{}: a line of {} chars: {l}", rule.id, l.chars().count());
                        assert!(!l.trim_start().starts_with('|'), "{}: a table row: {l}", rule.id);
                        assert!(!l.trim_start().starts_with('#'), "{}: a heading: {l}", rule.id);
                    }
                    if let Some(m) = machine {
                        let at = md.find("On this machine:").expect("the machine's answer");
                        assert!(at < md.find("Likely causes:").unwrap_or(md.len()), "{}: after the causes", rule.id);
                        assert!(md[at..].contains(&m[..20]));
                    }
                    if !rule.fixes.is_empty() {
                        assert!(md.contains("Fix:\n\n1. "), "{}: {md}", rule.id);
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "only {checked} hovers checked");
    }

    #[test]
    fn wrapping_keeps_words_and_indents_list_items() {
        let mut out = String::new();
        wrap_into(&mut out, &"word ".repeat(40), "1. ", "   ");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1 && lines[0].starts_with("1. word") && lines[1].starts_with("   word"), "{out}");
        assert!(lines.iter().all(|l| l.len() <= HOVER_WIDTH));
        let mut out = String::new();
        wrap_into(&mut out, &"x".repeat(250), "", "");
        assert_eq!(out.lines().map(str::len).collect::<Vec<_>>(), [100, 100, 50]);
    }

    #[test]
    fn reflow_joins_paragraph_lines_only() {
        assert_eq!(reflow("a b\nc d\n\ne"), "a b c d\n\ne");
        assert_eq!(reflow("intro:\n- one\n- two\n1. three"), "intro:\n- one\n- two\n1. three");
        assert_eq!(reflow("```\nx\ny\n```"), "```\nx\ny\n```");
    }

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
        let fix = &md[md.find("## Fix").unwrap()..md.find("## How to know").unwrap()];
        assert!(fix.trim_end().ends_with(DOCTOR_POINTER), "the fix steps end with the doctor: {fix}");
        assert!(!md.contains("abcdefghijklmnop"));
        assert_eq!(
            headline(&f.rule, &f.event),
            "Anthropic API 403 permission_error: Permission denied (req_011CSHmzpnGHTh7ZxBa1cFA2)"
        );
    }
}
