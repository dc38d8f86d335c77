//! The doctor's report for people (human), for programs (JSON) and for an
//! issue tracker (markdown). Every line goes through the secret filter once
//! more on the way out.

use super::cause::{Cause, Remedy};
use super::{Report, Status};
use errsig::scan::redact;
use std::borrow::Cow;
use std::fmt::Write;
use std::sync::LazyLock;

/// A span of hours as people read it: `3 h`, `2 days 5 h`, `260 years 51
/// days` (a token valid for 2278825 hours is one that never expires in
/// practice, and should read so).
pub fn hours(h: u64) -> String {
    const DAY: u64 = 24;
    const YEAR: u64 = 365 * DAY;
    let plural = |n: u64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    match h {
        h if h < 2 * DAY => format!("{h} h"),
        h if h < YEAR => match h % DAY {
            0 => plural(h / DAY, "day"),
            r => format!("{} {r} h", plural(h / DAY, "day")),
        },
        h => match (h % YEAR) / DAY {
            0 => plural(h / YEAR, "year"),
            d => format!("{} {}", plural(h / YEAR, "year"), plural(d, "day")),
        },
    }
}

/// The checks state token times in hours (`valid for 2278825 more hours`,
/// `expired 50 h ago`), which is right for programs (the JSON report keeps
/// them); the reports for people read them as days and years.
fn for_people(found: &str) -> Cow<'_, str> {
    static HOURS: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"valid for (\d+) more hours|expired (\d+) h ago").expect("a valid regex"));
    HOURS.replace_all(found, |c: &regex::Captures<'_>| {
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u64>().ok());
        match (n(1), n(2)) {
            (Some(h), _) => format!("valid for {} more", hours(h)),
            (_, Some(h)) => format!("expired {} ago", hours(h)),
            _ => c[0].to_owned(),
        }
    })
}

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

fn remedy_line(c: &Cause) -> Option<String> {
    match &c.remedy {
        Remedy::Fix(id) => Some(format!("errsig doctor --fix {id}   (dry run; add --yes to apply)")),
        Remedy::Run(cmd) => Some(format!("run `{cmd}`")),
        Remedy::Manual => None,
    }
}

fn cause_block(s: &mut String, c: &Cause, indent: &str) {
    let _ = writeln!(s, "{indent}cause:    {}", c.cause);
    let _ = writeln!(s, "{indent}because:  {}", c.because);
    for e in &c.evidence {
        let _ = writeln!(s, "{indent}evidence: {e}");
    }
    let _ = writeln!(s, "{indent}fix:      {}", c.fix);
    if let Some(r) = remedy_line(c) {
        let _ = writeln!(s, "{indent}          {r}");
    }
    let _ = writeln!(s, "{indent}confirm:  {}", c.confirm);
}

/// For people. Check lines are `status id — found`: a colon after an id
/// like `env.ANTHROPIC_API_KEY` would read to the secret filter as an
/// assignment and hide what follows.
pub fn human(r: &Report) -> String {
    let mut s = format!("errsig doctor {} — {}\n", r.errsig, summary(r));
    if let Some(e) = &r.error {
        let _ = writeln!(s, "for:      {} (rule {}, printed by {})", e.headline, e.rule, e.producer);
    }
    s.push('\n');
    match &r.diagnosis.cause {
        Some(c) => cause_block(&mut s, c, ""),
        None => {
            let _ = writeln!(
                s,
                "no cause: nothing on this machine {}",
                if r.error.is_some() { "explains this error" } else { "can cause an API error" }
            );
        }
    }
    for c in &r.diagnosis.also {
        // `; fix:` rather than parentheses: a fix often ends in a parenthesis.
        let _ = writeln!(s, "also possible: {} — because {}; fix: {}", c.cause, c.because, c.fix);
    }
    for i in &r.diagnosis.info {
        let _ = writeln!(s, "info:     {i}");
    }
    s.push('\n');
    for c in &r.checks {
        let _ = writeln!(s, "{:7} {} — {}", mark(c.status), c.id, c.found);
        if let Some(n) = &c.next {
            let _ = writeln!(s, "        next: {n}");
        }
        for f in &c.fixes {
            let _ = writeln!(s, "        fix:  errsig doctor --fix {f}   (dry run; add --yes to apply)");
        }
    }
    redact(&for_people(&s)).into_owned()
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
    if let Some(e) = &r.error {
        let _ = writeln!(s, "For: {} (rule `{}`, printed by {})\n", e.headline, e.rule, e.producer);
    }
    match &r.diagnosis.cause {
        Some(c) => {
            let _ = writeln!(s, "**Most likely cause:** {} — because {}.\n", c.cause, c.because);
            for e in &c.evidence {
                let _ = writeln!(s, "- evidence: {e}");
            }
            let _ = writeln!(s, "- fix: {}", c.fix);
            let _ = writeln!(s, "- confirm: {}\n", c.confirm);
        }
        None => s.push_str("**No cause found on this machine.**\n\n"),
    }
    for c in &r.diagnosis.also {
        let _ = writeln!(s, "- also possible: {} — because {}", c.cause, c.because);
    }
    for i in &r.diagnosis.info {
        let _ = writeln!(s, "- info: {i}");
    }
    s.push_str("\n| check | status | found | next step |\n|---|---|---|---|\n");
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
    redact(&for_people(&s)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{for_people, hours};

    #[test]
    fn token_times_read_as_days_and_years() {
        assert_eq!(hours(5), "5 h");
        assert_eq!(hours(47), "47 h");
        assert_eq!(hours(48), "2 days");
        assert_eq!(hours(24 * 3 + 5), "3 days 5 h");
        assert_eq!(hours(2278825), "260 years 51 days");
        assert_eq!(hours(365 * 24), "1 year");
        assert_eq!(
            for_people("~/.claude/.credentials.json: subscription max, access token valid for 2278825 more hours"),
            "~/.claude/.credentials.json: subscription max, access token valid for 260 years 51 days more"
        );
        assert_eq!(for_people("access token expired 50 h ago"), "access token expired 2 days 2 h ago");
        assert_eq!(for_people("valid for 30 more minutes"), "valid for 30 more minutes");
    }
}
