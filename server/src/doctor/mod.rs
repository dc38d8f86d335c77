//! `errsig doctor`: which cause applies on this machine, and safe fixes.
//!
//! The hover says what an error means; the doctor looks at this machine —
//! environment, Claude Code's settings files, stored credentials, tools, the
//! workspace's CI files and, only when asked, one live request — and says
//! which credential each mode of Claude Code will use, what it shadows, and
//! what is wrong with it. Nothing here prints a secret: values are described
//! (kind, length, shape), never shown. Fixes are in `fix.rs`: dry run by
//! default, a backup before any change, `--restore` to undo.

pub mod cause;
pub mod checks;
pub mod error;
pub mod facts;
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
    /// Fixes that apply (`errsig doctor --fix ID`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<fix::FixId>,
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
    pub fn fix(mut self, id: fix::FixId) -> Check {
        self.fixes.push(id);
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
    /// Run the tools' checks (`claude --version`, `claude auth status`).
    pub tools: bool,
}

/// The doctor's findings.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// errsig's version.
    pub errsig: &'static str,
    /// The error the causes are ranked for, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<cause::ErrorContext>,
    /// The causes, ranked, and what is information only.
    pub diagnosis: cause::Diagnosis,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether a check found a cause (exit status 1).
    pub fn has_cause(&self) -> bool {
        self.diagnosis.cause.is_some()
    }
}

/// Run every check; rank the causes, for `error` when one is given.
pub fn run(host: &Host, options: &Options, error: Option<cause::ErrorContext>) -> Report {
    let mut checks = Vec::new();
    let sources = checks::settings::read_all(host);
    let helper = checks::settings::helper(host, &sources, options);
    checks.extend(checks::settings::check(&sources, helper.as_ref()));
    let creds = checks::credentials::discover(host, &sources);
    checks.extend(checks::credentials::check(host, &creds));
    checks.extend(checks::environment::check(host, &sources));
    checks.extend(checks::stored::check(host));
    if options.tools {
        checks.extend(checks::tools::check(host));
    }
    checks.extend(checks::ci::check(host));
    let probe = probe::run(host, &sources, &creds, options);
    checks.push(probe.check.clone());
    let facts = facts::gather(host, &sources, &creds, helper, probe.seen);
    let diagnosis = cause::diagnose(&facts, error.as_ref());
    Report { errsig: env!("CARGO_PKG_VERSION"), error, diagnosis, checks }
}

/// Only the local facts — no program run but the helper's existence, no
/// network: what the language server computes in the background.
pub fn local_facts(host: &Host) -> facts::Facts {
    let sources = checks::settings::read_all(host);
    let creds = checks::credentials::discover(host, &sources);
    let helper = checks::settings::helper(host, &sources, &Options::default());
    facts::gather(host, &sources, &creds, helper, None)
}

/// The files whose changes change the local facts.
pub fn watched(host: &Host) -> Vec<std::path::PathBuf> {
    let mut v = host.managed_settings();
    let ws = host.workspace.join(".claude");
    v.extend([ws.join("settings.local.json"), ws.join("settings.json")]);
    v.extend([
        host.claude_dir().join("settings.json"),
        host.claude_state(),
        host.claude_dir().join(".credentials.json"),
    ]);
    v.push(host.home.join(".claude").join(".credentials.json"));
    v.push(host.workspace.join(".github").join("workflows"));
    v
}
