//! Configuration: the user's settings (initializationOptions,
//! `workspace/configuration`) and each project's `.errsig.toml`.
//!
//! Anything that sends data or runs a program (the live key check, an
//! `apiKeyHelper`) can be enabled only by the user's own settings, never by
//! a project file: `.errsig.toml` has no such key.

use errsig::config::{self, Config};
use errsig::rules::{Catalog, RuleError, Severity};
use errsig::Finding;
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

/// The rules and configuration that apply to documents under one directory.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory of `.errsig.toml` (or the workspace folder).
    pub root: Option<PathBuf>,
    /// The `.errsig.toml` file, when there is one.
    pub file: Option<PathBuf>,
    /// Its configuration.
    pub config: Arc<Config>,
    /// Built-in rules plus its own.
    pub catalog: Arc<Catalog>,
    /// The user's severity overrides (they win over the project's).
    pub user_severity: BTreeMap<String, Severity>,
    /// The project file's `[[rule]]` tables as written (empty without any):
    /// when a reload finds them unchanged, the old catalog is kept, and the
    /// documents' findings only need re-mapping (severity, suppressions),
    /// not re-scanning.
    pub rules_text: String,
}

impl Project {
    /// The project of built-in rules only.
    pub fn builtin(root: Option<PathBuf>) -> Project {
        Project {
            root,
            file: None,
            config: Arc::new(Config::default()),
            catalog: builtin_catalog(),
            user_severity: BTreeMap::new(),
            rules_text: String::new(),
        }
    }

    /// Load the project whose `.errsig.toml` is `file`.
    pub fn load(file: &Path) -> Result<Project, RuleError> {
        let text = std::fs::read_to_string(file).map_err(|e| RuleError {
            file: file.display().to_string(),
            line: 1,
            column: 1,
            message: e.to_string(),
            also: Vec::new(),
        })?;
        let mut catalog = Catalog::builtin();
        let config = Config::parse(&file.display().to_string(), &text, &mut catalog)?;
        // Parsed again only for the rule tables (the file parsed above).
        let rules_text = match toml::from_str::<toml::Table>(&text) {
            Ok(t) => t.get("rule").map(|r| r.to_string()).unwrap_or_default(),
            Err(_) => text.clone(),
        };
        let catalog = if rules_text.is_empty() { builtin_catalog() } else { Arc::new(catalog) };
        Ok(Project {
            root: file.parent().map(Path::to_path_buf),
            file: Some(file.to_path_buf()),
            config: Arc::new(config),
            catalog,
            user_severity: BTreeMap::new(),
            rules_text,
        })
    }

    /// A path relative to the project's root (for suppressions).
    pub fn relative(&self, path: &Path) -> PathBuf {
        match self.root.as_deref().and_then(|r| path.strip_prefix(r).ok()) {
            Some(rel) => rel.to_path_buf(),
            None => path.to_path_buf(),
        }
    }

    /// The severity of a finding: the user's override, the project's, the rule's.
    pub fn severity(&self, f: &Finding) -> Severity {
        self.user_severity.get(&f.rule.id).copied().unwrap_or_else(|| self.config.severity_of(f))
    }
}

/// The first `.errsig.toml` from `dir` upwards, not above `stop` when given.
pub fn discover(dir: &Path, stop: Option<&Path>) -> Option<PathBuf> {
    for d in dir.ancestors() {
        let candidate = d.join(config::FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if stop.is_some_and(|s| d == s) {
            break;
        }
    }
    None
}
