//! The doctor's report for people (human), for programs (JSON) and for an
//! issue tracker (markdown). Every line goes through the secret filter once
//! more on the way out.

use super::{Report, Status};
use errsig::scan::redact::redact;
use std::fmt::Write;

fn mark(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Skipped => "skipped",
        Status::Warn => "warn",
        Status::Fail => "FAIL",
    }
}

fn summary(r: &Report) -> String {
    let count = |s| r.checks.iter().filter(|c| c.status == s).count();
    format!(
        "{} checks: {} failed, {} warned, {} ok, {} skipped",
        r.checks.len(),
        count(Status::Fail),
        count(Status::Warn),
        count(Status::Ok),
        count(Status::Skipped)
    )
}

/// The check most likely to name the cause: the first failure, else the
/// first warning.
fn headline(r: &Report) -> Option<&super::Check> {
    r.checks.iter().find(|c| c.status == Status::Fail).or_else(|| r.checks.iter().find(|c| c.status == Status::Warn))
}

/// For people.
pub fn human(r: &Report) -> String {
    let mut s = format!("errsig doctor {} — {}\n", r.errsig, summary(r));
    if let Some(c) = headline(r) {
        let _ = writeln!(s, "most likely cause: {} — {}", c.id, c.found);
    }
    s.push('\n');
    for c in &r.checks {
        let _ = writeln!(s, "{:7} {}: {}", mark(c.status), c.id, c.found);
        if let Some(n) = &c.next {
            let _ = writeln!(s, "        next: {n}");
        }
        for f in &c.fixes {
            let _ = writeln!(s, "        fix:  errsig doctor --fix {f}   (dry run; add --yes to apply)");
        }
    }
    redact(&s).into_owned()
}

/// For programs.
pub fn json(r: &Report) -> String {
    redact(&serde_json::to_string_pretty(r).unwrap_or_default()).into_owned() + "\n"
}

/// For an issue tracker: safe to paste.
pub fn markdown(r: &Report) -> String {
    let mut s = String::from("# errsig doctor report\n\n");
    let _ =
        writeln!(s, "errsig {} on {} ({}). {}.\n", r.errsig, std::env::consts::OS, std::env::consts::ARCH, summary(r));
    if let Some(c) = headline(r) {
        let _ = writeln!(s, "**Most likely cause:** `{}` — {}\n", c.id, c.found);
    }
    s.push_str("| check | status | found | next step |\n|---|---|---|---|\n");
    for c in &r.checks {
        let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            c.id,
            mark(c.status),
            cell(&c.found),
            cell(c.next.as_deref().unwrap_or(""))
        );
    }
    s.push_str("\nNo secret is included: credentials are described by kind and length only.\n");
    redact(&s).into_owned()
}
