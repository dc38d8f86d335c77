//! `.errsig.toml`: a project's own rules, severities and suppressions.
//!
//! ```toml
//! [scan]
//! columns = 80                  # terminal width of transcripts, when not inferable
//!
//! [severity]                    # override a rule's severity
//! "429-rate-limit" = "info"
//!
//! [[suppress]]                  # findings to leave out; every key given must match
//! rule = "429-rate-limit"       # a rule id
//! path = "logs/old/**"          # a glob, relative to the directory of .errsig.toml
//! line = 12                     # a 1-based line (with `path`)
//! request_id = "req_011C…"      # one occurrence
//!
//! [[rule]]                      # extra or overriding rules, as in a --rules file
//! id = "…"
//! [[rule.anchors]]              # a wording the built-in recognisers do not know
//! text = "…"                    # at least 4 bytes; status = …, message = …, producer = …
//! ```
//!
//! Discovery, relative paths and severity precedence are the project's
//! ([`crate::project`]): the first `.errsig.toml` in the current directory or
//! one of its parents. Nothing in this file can make errsig send data or run
//! a program.

use crate::rules::{error_at, Catalog, RuleDef, RuleError, Severity};
use crate::Finding;
use globset::{Glob, GlobMatcher};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The name looked for.
pub const FILE_NAME: &str = ".errsig.toml";

/// errsig's project configuration: the first `.errsig.toml` in the current
/// directory or one of its parents. Nothing in it can make errsig send data
/// or run a program.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "errsig project configuration (.errsig.toml)")]
struct Raw {
    /// How files are scanned.
    #[serde(default)]
    scan: ScanSection,
    /// Severity overrides by rule id.
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    /// Findings to leave out; every key given must match.
    #[serde(default)]
    #[schemars(with = "Vec<SuppressDef>")]
    suppress: Vec<Spanned<SuppressDef>>,
    /// Extra or overriding rules, as in a `--rules` file.
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// How files are scanned.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ScanSection {
    /// Terminal width of transcripts, when not inferable.
    #[schemars(range(min = 1))]
    columns: Option<usize>,
}

/// Findings to leave out: at least one of `rule`, `path`, `request_id`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [{"required": ["rule"]}, {"required": ["path"]}, {"required": ["request_id"]}]))]
struct SuppressDef {
    /// A rule id.
    rule: Option<String>,
    /// A glob, relative to the directory of `.errsig.toml`.
    path: Option<String>,
    /// A 1-based line (with `path`).
    #[schemars(range(min = 1))]
    line: Option<u32>,
    /// One occurrence's request id.
    request_id: Option<String>,
}

/// The JSON Schema of `.errsig.toml`.
pub(crate) fn file_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<Raw>()
}

/// One suppression.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Rule id.
    pub rule: Option<String>,
    /// Path glob, relative to the configuration's directory.
    pub path: Option<String>,
    matcher: Option<GlobMatcher>,
    /// 1-based line.
    pub line: Option<u32>,
    /// Request id.
    pub request_id: Option<String>,
}

/// A parsed `.errsig.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `[scan] columns`.
    pub columns: Option<usize>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
    /// Suppressions.
    pub suppress: Vec<Suppression>,
}

impl Config {
    /// Parse a configuration text, adding its rules to `catalog`. `file` is
    /// the name errors are reported under.
    ///
    /// # Errors
    ///
    /// A problem of the text (TOML, an unknown key or rule, a `[[suppress]]`
    /// without a key or with a bad glob, a rule's problems), at its line and
    /// column.
    pub fn parse(file: &str, text: &str, catalog: &mut Catalog) -> Result<Config, RuleError> {
        let raw: Raw = toml::from_str(text).map_err(|e| error_at(file, text, e.span(), e.message().to_owned()))?;
        catalog.add_defs(file, text, raw.rule)?;
        for id in raw.severity.keys() {
            if catalog.get(id).is_none() {
                let at = text.find(id.as_str());
                return Err(error_at(file, text, at.map(|a| a..a), format!("[severity]: unknown rule `{id}`")));
            }
        }
        let mut suppress = Vec::new();
        for s in raw.suppress {
            let span = s.span();
            let s = s.into_inner();
            if s.rule.is_none() && s.path.is_none() && s.request_id.is_none() {
                return Err(error_at(
                    file,
                    text,
                    Some(span),
                    "[[suppress]] needs at least one of rule, path, request_id".into(),
                ));
            }
            let matcher = match &s.path {
                Some(p) => Some(
                    Glob::new(p)
                        .map_err(|e| error_at(file, text, Some(span.clone()), format!("[[suppress]] path: {e}")))?
                        .compile_matcher(),
                ),
                None => None,
            };
            suppress.push(Suppression { rule: s.rule, path: s.path, matcher, line: s.line, request_id: s.request_id });
        }
        Ok(Config { columns: raw.scan.columns, severity: raw.severity, suppress })
    }

    /// Whether a finding in `path` (relative to the configuration's
    /// directory) is suppressed.
    pub fn suppressed(&self, path: Option<&Path>, f: &Finding) -> bool {
        self.suppress.iter().any(|s| {
            s.rule.as_ref().is_none_or(|r| *r == f.rule.id)
                && s.request_id.as_ref().is_none_or(|r| f.event.request_id.as_ref() == Some(r))
                && s.matcher.as_ref().is_none_or(|m| path.is_some_and(|p| m.is_match(p)))
                && s.line.is_none_or(|l| f.event.start.line + 1 == l)
        })
    }

    /// The file's severity override, else the rule's (the user's own
    /// overrides come first: [`crate::Project::severity`]).
    pub fn severity_of(&self, f: &Finding) -> Severity {
        self.severity.get(&f.rule.id).copied().unwrap_or(f.rule.severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_errors_with_positions() {
        let mut c = Catalog::builtin();
        let cfg = Config::parse(
            ".errsig.toml",
            "[scan]\ncolumns = 80\n[severity]\n\"429-rate-limit\" = \"info\"\n[[suppress]]\nrule = \"529-overloaded\"\npath = \"logs/**\"\n",
            &mut c,
        )
        .unwrap();
        assert_eq!(cfg.columns, Some(80));
        assert_eq!(cfg.severity.get("429-rate-limit"), Some(&Severity::Info));
        let e = Config::parse(".errsig.toml", "[severity]\n\"nope\" = \"info\"\n", &mut c).unwrap_err();
        assert_eq!((e.line, e.message.contains("nope")), (2, true), "{e}");
        let e = Config::parse(".errsig.toml", "[scan]\ncolums = 80\n", &mut c).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = Config::parse(".errsig.toml", "\n[[suppress]]\nline = 3\n", &mut c).unwrap_err();
        assert!(e.message.contains("at least one"), "{e}");
    }
}
