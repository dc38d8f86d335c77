//! Local versus CI: which Anthropic variables and secrets the workspace's CI
//! files pass, so a failure only in CI is explained.

use super::super::host::Host;
use super::super::{Check, Status};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static VARS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(ANTHROPIC_[A-Z_]+|CLAUDE_CODE_[A-Z_]+|CLAUDE_CONFIG_DIR|AWS_PROFILE|AWS_REGION|CLOUD_ML_REGION)\b")
        .expect("vars")
});
/// The official Claude Code action's inputs that carry a credential
/// (`with: anthropic_api_key: ${{ secrets.… }}`), lower case.
static INPUTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(anthropic_api_key|claude_code_oauth_token|anthropic_auth_token)\s*:").expect("inputs")
});
static SECRET_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"secrets\.([A-Za-z0-9_]+)|\$\{\{\s*secrets\.([A-Za-z0-9_]+)").expect("secret ref"));

fn ci_files(ws: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [".github/workflows", ".gitea/workflows", ".forgejo/workflows"] {
        if let Ok(rd) = std::fs::read_dir(ws.join(dir)) {
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
                .collect();
            v.sort();
            files.extend(v);
        }
    }
    for f in [
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        "Jenkinsfile",
        "azure-pipelines.yml",
        "bitbucket-pipelines.yml",
        ".travis.yml",
    ] {
        let p = ws.join(f);
        if p.is_file() {
            files.push(p);
        }
    }
    files
}

/// What the workspace's CI files pass: `file:line: NAMES from secret S`,
/// and the action's inputs as `file:line: input NAME from secret S`.
pub fn passes(host: &Host) -> Vec<String> {
    let mut seen = Vec::new();
    for f in &ci_files(&host.workspace) {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        let rel = f.strip_prefix(&host.workspace).unwrap_or(f).display().to_string();
        for (n, line) in text.lines().enumerate() {
            let secret = SECRET_REF.captures(line).and_then(|c| c.get(1).or(c.get(2)));
            let from = secret.map_or(String::new(), |s| format!(" from secret {}", s.as_str()));
            if let Some(input) = INPUTS.captures(line).and_then(|c| c.get(1)) {
                seen.push(format!("{rel}:{}: the action's input {}{from}", n + 1, input.as_str()));
                continue;
            }
            // The variables the line sets, not the secret's own name.
            let mut vars: Vec<&str> = VARS
                .find_iter(line)
                .filter(|m| secret.is_none_or(|s| m.start() < s.start() || m.start() >= s.end()))
                .map(|m| m.as_str())
                .collect();
            vars.dedup();
            if !vars.is_empty() {
                seen.push(format!("{rel}:{}: {}{from}", n + 1, vars.join(", ")));
            }
        }
    }
    seen
}

/// The CI check.
pub fn check(host: &Host) -> Vec<Check> {
    let files = ci_files(&host.workspace);
    if files.is_empty() {
        return vec![Check::new("ci.files", Status::Skipped, "no CI files in the workspace")];
    }
    let seen = passes(host);
    if seen.is_empty() {
        return vec![Check::new(
            "ci.files",
            Status::Ok,
            format!("{} CI file(s); none passes an Anthropic credential or variable", files.len()),
        )
        .next("In CI Claude Code has no /login: it needs ANTHROPIC_API_KEY (or a token) from the CI's secrets.")];
    }
    vec![Check::new("ci.files", Status::Ok, format!("CI passes: {}", seen.join("; ")))
        .next("A failure only in CI points at these secrets: a stale or other organization's key there is the credential being refused.")]
}
