//! Configuration: the user's settings (initializationOptions,
//! `workspace/configuration`) and reading each project's `.errsig.toml`
//! (the library's [`Project`] does the rest).
//!
//! Anything that sends data or runs a program (the live key check, an
//! `apiKeyHelper`) can be enabled only by the user's own settings, never by
//! a project file: `.errsig.toml` has no such key.

use errsig::rules::{Catalog, RuleError, Severity};
use errsig::Project;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The built-in catalog, loaded once for the whole session: every project
/// without rules of its own shares it (and the context patterns compiled
/// from it).
fn builtin_catalog() -> Arc<Catalog> {
    static BUILTIN: OnceLock<Arc<Catalog>> = OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(Catalog::builtin())).clone()
}

/// The user's settings (section `errsig`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Severity overrides by rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Whether the live key check may run (after a confirmation naming the host).
    #[serde(default)]
    pub live_check: bool,
    /// Whether terminal documents are scanned.
    #[serde(default = "yes")]
    pub terminals: bool,
    /// Where reports and explanations are written (default: the user's cache directory).
    pub report_dir: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings { severity: BTreeMap::new(), live_check: false, terminals: true, report_dir: None }
    }
}

/// `initializationOptions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitOptions {
    /// Client-side command ids the client implements.
    #[serde(default)]
    pub client_commands: Vec<String>,
    /// Initial settings.
    #[serde(default)]
    pub settings: Option<serde_json::Value>,
    /// Whether the workspace is trusted (default true); fixes and the live
    /// key check are off when it is not.
    #[serde(default)]
    pub trusted: Option<bool>,
}

/// The project of built-in rules only, rooted at `root`.
pub fn builtin_project(root: Option<PathBuf>) -> Project {
    Project::builtin(root, builtin_catalog())
}

/// Read and load the project whose `.errsig.toml` is `file`.
pub fn load(file: &Path) -> Result<Project, RuleError> {
    let text = std::fs::read_to_string(file).map_err(|e| RuleError {
        file: file.display().to_string(),
        line: 1,
        column: 1,
        message: e.to_string(),
        also: Vec::new(),
    })?;
    Project::parse(file, &text, &builtin_catalog())
}

/// The first `.errsig.toml` from `dir` upwards, not above `stop` when given.
pub fn discover(dir: &Path, stop: Option<&Path>) -> Option<PathBuf> {
    errsig::project::discover(dir, stop, Path::is_file)
}
