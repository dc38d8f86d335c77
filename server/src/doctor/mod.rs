//! `errsig doctor`: which cause applies on this machine, and safe fixes.
//!
//! The hover says what an error means; the doctor looks at this machine —
//! environment, Claude Code's settings files, stored credentials, tools, the
//! workspace's CI files and, only when asked, one live request — and says
//! which credential each mode of Claude Code will use, what it shadows, and
//! what is wrong with it. Nothing here prints a secret: values are described
//! (kind, length, shape), never shown. Fixes are in `fix.rs`: dry run by
//! default, a backup before any change, `--restore` to undo.

pub mod checks;
pub mod fix;
pub mod host;
pub mod probe;
pub mod render;

use host::Host;
use serde::Serialize;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Not run (not applicable, or needs consent).
    Skipped,
    /// Suspicious: a likely cause.
    Warn,
    /// Broken.
    Fail,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable id (`credential.print`, `stored.credentials-file`, …).
    pub id: String,
    /// Verdict.
    pub status: Status,
    /// What was found (never a secret).
    pub found: String,
    /// The next step, when there is one.
    pub next: Option<String>,
    /// Fix ids that apply (`errsig doctor --fix ID`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<String>,
}

impl Check {
    /// A check result.
    pub fn new(id: &str, status: Status, found: impl Into<String>) -> Check {
        Check { id: id.into(), status, found: found.into(), next: None, fixes: Vec::new() }
    }

    /// With a next step.
    pub fn next(mut self, next: impl Into<String>) -> Check {
        self.next = Some(next.into());
        self
    }

    /// With a fix.
    pub fn fix(mut self, id: &str) -> Check {
        self.fixes.push(id.into());
        self
    }
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Send one live request (`GET /v1/models`).
    pub probe: bool,
    /// Consent to run an `apiKeyHelper` (its output is never shown).
    pub run_helper: bool,
    /// Consent to probe a base URL that comes from a project file.
    pub yes: bool,
}

/// The doctor's findings.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// errsig's version.
    pub errsig: &'static str,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether any check warned or failed.
    pub fn has_problems(&self) -> bool {
        self.checks.iter().any(|c| c.status >= Status::Warn)
    }
}

/// Run every check.
pub fn run(host: &Host, options: &Options) -> Report {
    let mut checks = Vec::new();
    let sources = checks::settings::read_all(host);
    checks.extend(checks::settings::check(host, &sources, options));
    let creds = checks::credentials::discover(host, &sources);
    checks.extend(checks::credentials::check(host, &creds));
    checks.extend(checks::environment::check(host, &sources));
    checks.extend(checks::stored::check(host));
    checks.extend(checks::tools::check(host));
    checks.extend(checks::ci::check(host));
    checks.push(probe::check(host, &sources, &creds, options));
    Report { errsig: env!("CARGO_PKG_VERSION"), checks }
}
