//! The non-secret report of a finding: what support, a teammate or an issue
//! tracker needs, and nothing that could leak a credential. No I/O.

use crate::explain::{platform_name, producer_name};
use crate::scan::redact::redact;
use crate::Finding;
use std::fmt::Write;

/// A markdown report of `f`, found in `source` (a path or a terminal's name).
pub fn finding_markdown(f: &Finding, source: &str, line: u32) -> String {
    let e = &f.event;
    let mut md = String::new();
    let _ = writeln!(md, "# errsig report: {}\n", f.rule.title);
    let _ = writeln!(md, "| field | value |\n|---|---|");
    let mut row = |k: &str, v: &str| {
        let _ = writeln!(md, "| {k} | {} |", v.replace('|', "\\|").replace('\n', "<br>"));
    };
    row("rule", &format!("`{}` ({})", f.rule.id, f.severity));
    row("where", &format!("{source}:{line}"));
    row(
        "status",
        &match (e.status, e.status_inferred) {
            (Some(s), false) => s.to_string(),
            (Some(s), true) => format!("{s} (inferred)"),
            (None, _) => "not shown".into(),
        },
    );
    row("error type", e.error_type.as_deref().unwrap_or("not shown"));
    row("message", e.message.as_deref().unwrap_or("not shown"));
    row("request id", e.request_id.as_deref().unwrap_or("not shown"));
    row("printed by", producer_name(e.producer));
    row("refused by", platform_name(e.platform));
    if !e.hints.is_empty() {
        row("hints", &e.hints.join(" · "));
    }
    row("errsig", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(md, "\nThe printing, as shown (secrets redacted):\n\n```text\n{}\n```", e.text);
    // Every field was redacted when the finding was made; the whole text
    // goes through the filter once more so that no future field can leak.
    redact(&md).into_owned()
}
