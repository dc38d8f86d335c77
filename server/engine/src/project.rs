//! A project: the rules and configuration that apply to the files under one
//! directory, and what a face asks of them.
//!
//! Every face has the same questions — which `.errsig.toml` applies, what a
//! file's path is relative to it, whether a finding is suppressed and at
//! what severity — and used to answer them itself. [`Project`] answers them
//! once. It takes text and paths and does no I/O: the faces read the file
//! ([`discover`] asks them whether a candidate exists) and hand its text to
//! [`Project::parse`]; a path they scan becomes a [`Located`] once, and
//! [`Project::shown`] filters each finding.
//!
//! Severity precedence, highest first: the user's own override (the
//! language server's `severity` setting), the project's `[severity]`, the
//! rule's.

use crate::config::{Config, FILE_NAME};
use crate::rules::{Catalog, Rule, RuleError, Severity};
use crate::Finding;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The first `.errsig.toml` from `dir` upwards, not above `stop` when
/// given; `is_file` tells whether a candidate exists (the face's I/O).
pub fn discover(dir: &Path, stop: Option<&Path>, is_file: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    for d in dir.ancestors() {
        let candidate = d.join(FILE_NAME);
        if is_file(&candidate) {
            return Some(candidate);
        }
        if stop.is_some_and(|s| d == s) {
            break;
        }
    }
    None
}

/// The rules and configuration that apply to documents under one directory.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory of `.errsig.toml` (or the workspace folder): paths in
    /// suppressions are relative to it.
    pub root: Option<PathBuf>,
    /// The `.errsig.toml` file, when there is one.
    pub file: Option<PathBuf>,
    /// Its configuration.
    pub config: Arc<Config>,
    /// Built-in rules plus its own.
    pub catalog: Arc<Catalog>,
    /// The user's severity overrides, which win over the project's.
    pub user_severity: BTreeMap<String, Severity>,
    /// The directory relative paths given to [`Project::locate`] are
    /// relative to (the command line's current directory); `None` when
    /// every path is absolute (the language server's).
    pub cwd: Option<PathBuf>,
    /// The project file's `[[rule]]` tables as written (empty without any),
    /// to tell whether a reload changed its rules ([`Project::same_rules`]).
    rules_text: String,
}

impl Project {
    /// The project of `catalog`'s rules alone, without a file.
    pub fn builtin(root: Option<PathBuf>, catalog: Arc<Catalog>) -> Project {
        Project {
            root,
            file: None,
            config: Arc::new(Config::default()),
            catalog,
            user_severity: BTreeMap::new(),
            cwd: None,
            rules_text: String::new(),
        }
    }

    /// The project whose `.errsig.toml` is `file`, with the text `text`:
    /// `builtin`'s rules plus the file's own. Without rules of its own it
    /// shares `builtin` (and the context patterns compiled from it).
    ///
    /// # Errors
    ///
    /// The file's problem ([`Config::parse`]).
    pub fn parse(file: &Path, text: &str, builtin: &Arc<Catalog>) -> Result<Project, RuleError> {
        let mut catalog = Catalog::clone(builtin);
        let config = Config::parse(&file.display().to_string(), text, &mut catalog)?;
        // Parsed again only for the rule tables (the file parsed above).
        let rules_text = match toml::from_str::<toml::Table>(text) {
            Ok(t) => t.get("rule").map(ToString::to_string).unwrap_or_default(),
            Err(_) => text.to_owned(),
        };
        let catalog = if rules_text.is_empty() { builtin.clone() } else { Arc::new(catalog) };
        Ok(Project {
            root: file.parent().map(Path::to_path_buf),
            file: Some(file.to_path_buf()),
            config: Arc::new(config),
            catalog,
            user_severity: BTreeMap::new(),
            cwd: None,
            rules_text,
        })
    }

    /// Add (or replace, by id) the rules of a rule file (`--rules`), after
    /// the project's own.
    ///
    /// # Errors
    ///
    /// The rule file's problems ([`Catalog::add_toml`]); nothing is added.
    pub fn add_rules(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        Arc::make_mut(&mut self.catalog).add_toml(file, text)?;
        self.rules_text.push_str(text);
        Ok(())
    }

    /// Whether `other` was read from the same file with the same rule
    /// tables: its catalog can then be kept, and findings only need
    /// re-mapping (severity, suppressions), not re-scanning.
    pub fn same_rules(&self, other: &Project) -> bool {
        self.file == other.file && self.rules_text == other.rules_text
    }

    /// The terminal width the project gives transcripts (`[scan] columns`).
    pub fn columns(&self) -> Option<usize> {
        self.config.columns
    }

    /// A file's path as suppressions see it: relative to the root when the
    /// file is under it, else as given. Worked out once per file, not per
    /// finding.
    pub fn locate(&self, path: &Path) -> Located {
        let absolute = match &self.cwd {
            Some(cwd) if path.is_relative() => Cow::Owned(cwd.join(path)),
            _ => Cow::Borrowed(path),
        };
        match self.root.as_deref().and_then(|r| absolute.strip_prefix(r).ok()) {
            Some(rel) => Located(rel.to_path_buf()),
            None => Located(path.to_path_buf()),
        }
    }

    /// The severity of a rule's findings: the user's override, the
    /// project's, the rule's.
    pub fn rule_severity(&self, rule: &Rule) -> Severity {
        self.user_severity
            .get(&rule.id)
            .or_else(|| self.config.severity.get(&rule.id))
            .copied()
            .unwrap_or(rule.severity)
    }

    /// The severity of a finding (as [`Project::rule_severity`]).
    pub fn severity(&self, f: &Finding) -> Severity {
        self.rule_severity(&f.rule)
    }

    /// The severity a finding in the file at `at` (none: standard input, a
    /// terminal) is shown with, or `None` when the project suppresses it:
    /// the filter every face applies.
    pub fn shown(&self, at: Option<&Located>, f: &Finding) -> Option<Severity> {
        let suppressed = self.config.suppressed(at.map(|l| l.0.as_path()), f);
        (!suppressed).then(|| self.severity(f))
    }
}

/// A file's path as a project's suppressions see it ([`Project::locate`]):
/// a type of its own, so that a path not yet made relative to the project
/// cannot reach the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located(PathBuf);

impl Located {
    /// The path, relative to the project's root when under it.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(root: &str, text: &str) -> Project {
        let builtin = Arc::new(Catalog::builtin());
        Project::parse(&Path::new(root).join(FILE_NAME), text, &builtin).unwrap()
    }

    #[test]
    fn discovery_stops_at_the_first_file_and_at_the_stop() {
        let exists = |p: &Path| p == Path::new("/w/a/.errsig.toml") || p == Path::new("/.errsig.toml");
        assert_eq!(discover(Path::new("/w/a/b"), None, exists), Some(PathBuf::from("/w/a/.errsig.toml")));
        assert_eq!(discover(Path::new("/w/c"), None, exists), Some(PathBuf::from("/.errsig.toml")));
        assert_eq!(discover(Path::new("/w/c"), Some(Path::new("/w")), exists), None);
    }

    #[test]
    fn paths_are_relative_to_the_root_when_under_it() {
        let mut p = project("/w", "");
        let at = |p: &Project, path: &str| p.locate(Path::new(path)).path().to_path_buf();
        assert_eq!(at(&p, "/w/logs/a.log"), Path::new("logs/a.log"));
        assert_eq!(at(&p, "/elsewhere/a.log"), Path::new("/elsewhere/a.log"));
        assert_eq!(at(&p, "logs/a.log"), Path::new("logs/a.log"), "no cwd: as given");
        p.cwd = Some(PathBuf::from("/w/sub"));
        assert_eq!(at(&p, "./logs/a.log"), Path::new("sub/logs/a.log"));
        // As `std::path::absolute` makes it: `..` is not resolved.
        assert_eq!(at(&p, "../../x.log"), Path::new("sub/../../x.log"));
        p.cwd = Some(PathBuf::from("/elsewhere"));
        assert_eq!(at(&p, "x.log"), Path::new("x.log"), "outside the root: as given");
    }

    #[test]
    fn the_users_severity_wins_over_the_projects_over_the_rules() {
        let mut p = project(
            "/w",
            "[severity]\n\"429-rate-limit\" = \"info\"\n\"529-overloaded\" = \"error\"\n\
             [[suppress]]\nrule = \"429-rate-limit\"\npath = \"old/**\"\n",
        );
        p.user_severity.insert("529-overloaded".into(), Severity::Info);
        let rule = |id: &str| p.catalog.get(id).unwrap().clone();
        assert_eq!(p.rule_severity(&rule("429-rate-limit")), Severity::Info);
        assert_eq!(p.rule_severity(&rule("529-overloaded")), Severity::Info);
        assert_eq!(p.rule_severity(&rule("403-generic")), rule("403-generic").severity);
        let found = crate::scan_bytes(
            p.catalog.clone(),
            None,
            b"API Error: 429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"x\"}}\n",
        );
        let f = &found[0];
        assert_eq!(f.rule.id, "429-rate-limit");
        assert_eq!(p.shown(Some(&p.locate(Path::new("/w/old/a.log"))), f), None);
        assert_eq!(p.shown(Some(&p.locate(Path::new("/w/new/a.log"))), f), Some(Severity::Info));
        assert_eq!(p.shown(None, f), Some(Severity::Info));
    }

    #[test]
    fn a_project_without_rules_shares_the_builtin_catalog() {
        let builtin = Arc::new(Catalog::builtin());
        let plain = Project::parse(Path::new("/w/.errsig.toml"), "[scan]\ncolumns = 80\n", &builtin).unwrap();
        assert!(Arc::ptr_eq(&plain.catalog, &builtin));
        assert_eq!(plain.columns(), Some(80));
        let own = "[[rule]]\nid = \"x\"\ntitle = \"t\"\nseverity = \"info\"\n";
        let ruled = Project::parse(Path::new("/w/.errsig.toml"), own, &builtin).unwrap();
        assert!(!Arc::ptr_eq(&ruled.catalog, &builtin) && ruled.catalog.get("x").is_some());
        assert!(!ruled.same_rules(&plain));
        assert!(ruled.same_rules(&Project::parse(Path::new("/w/.errsig.toml"), own, &builtin).unwrap()));
    }
}
