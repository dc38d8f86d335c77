//! Claude Code's settings files: managed, local, project and user
//! `settings.json` (in that order of precedence) and `~/.claude.json`.
//!
//! **A settings file's `env` block wins over the shell.** Claude Code 2.x
//! applies the merged `env` blocks over its own process environment, so a
//! variable set in both is the settings file's value; between files, the
//! higher-precedence file wins (managed, then `.claude/settings.local.json`,
//! then `.claude/settings.json`, then `~/.claude/settings.json`). Observed
//! with the real CLI (2.1.332) against the mock: with `ANTHROPIC_API_KEY`
//! in the shell and in any of the three files, the file's key arrived
//! (`server/tests/real_cli_precedence.rs` checks it again).

use super::super::host::Host;
use super::super::{Check, Options, Status};
use super::shape;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long an `apiKeyHelper` may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

/// One settings file.
#[derive(Debug, Clone)]
pub struct Source {
    /// `managed`, `local`, `project`, `user`.
    pub scope: &'static str,
    /// Where it is.
    pub path: PathBuf,
    /// Its content, when it parses.
    pub value: Option<Value>,
    /// Its parse error, `file:line:column: problem`.
    pub error: Option<String>,
    /// Whether it belongs to the workspace (a project file: not trusted to
    /// choose where a request goes).
    pub project: bool,
}

/// Every settings file that exists, highest precedence first, and the state file.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Settings files.
    pub files: Vec<Source>,
    /// `~/.claude.json`.
    pub state: Option<Source>,
}

/// Where a variable's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The process environment.
    Environment,
    /// The `env` block of a settings file.
    Settings(PathBuf),
}

impl Origin {
    /// For people.
    pub fn describe(&self) -> String {
        match self {
            Origin::Environment => "the environment".into(),
            Origin::Settings(p) => format!("the env block of {}", p.display()),
        }
    }
}

fn read(scope: &'static str, path: PathBuf, project: bool) -> Option<Source> {
    let text = std::fs::read_to_string(&path).ok()?;
    let (value, error) = match serde_json::from_str::<Value>(&text) {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(format!("{}:{}:{}: {}", path.display(), e.line(), e.column(), e))),
    };
    Some(Source { scope, path, value, error, project })
}

/// Read the settings files that exist.
pub fn read_all(host: &Host) -> Sources {
    let ws = &host.workspace;
    // The first managed file that exists is the one in use.
    let managed = host.managed_settings().into_iter().find_map(|p| read("managed", p, false));
    let candidates = [
        ("local", ws.join(".claude").join("settings.local.json"), true),
        ("project", ws.join(".claude").join("settings.json"), true),
        ("user", host.claude_dir().join("settings.json"), false),
    ];
    Sources {
        files: managed.into_iter().chain(candidates.into_iter().filter_map(|(s, p, proj)| read(s, p, proj))).collect(),
        state: read("state", host.claude_state(), false),
    }
}

impl Sources {
    /// Every value of a variable Claude Code can see, the one it uses
    /// first: the settings files' `env` blocks by precedence, then the
    /// process environment (see the module's note on precedence).
    pub fn var(&self, host: &Host, name: &str) -> Vec<(String, Origin)> {
        let mut out = Vec::new();
        for f in &self.files {
            if let Some(v) =
                f.value.as_ref().and_then(|v| v.get("env")).and_then(|e| e.get(name)).and_then(Value::as_str)
            {
                out.push((v.to_owned(), Origin::Settings(f.path.clone())));
            }
        }
        if let Some(v) = host.var(name) {
            out.push((v.to_owned(), Origin::Environment));
        }
        out
    }

    /// The value of a variable Claude Code will see, with where it comes from.
    pub fn effective(&self, host: &Host, name: &str) -> Option<(String, Origin)> {
        self.var(host, name).into_iter().next()
    }

    /// Whether a file is one of the workspace's.
    pub fn is_project(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f.project && f.path == path)
    }

    /// A top-level setting from the highest-precedence file that has it.
    pub fn setting(&self, key: &str) -> Option<(&Value, &Source)> {
        self.files.iter().find_map(|f| f.value.as_ref().and_then(|v| v.get(key)).map(|v| (v, f)))
    }

    /// The `apiKeyHelper` command, with its file.
    pub fn api_key_helper(&self) -> Option<(String, &Source)> {
        self.setting("apiKeyHelper").and_then(|(v, f)| v.as_str().map(|s| (s.to_owned(), f)))
    }
}

/// The program an `apiKeyHelper` command line starts.
fn helper_program(host: &Host, command: &str) -> Option<PathBuf> {
    let first = command.split_whitespace().next()?;
    let first = first.strip_prefix("~/").map_or_else(|| PathBuf::from(first), |rest| host.home.join(rest));
    if first.components().count() > 1 {
        return super::super::host::is_executable(&first).then_some(first);
    }
    host.which_all(&first.to_string_lossy()).into_iter().next()
}

/// What is known of the `apiKeyHelper`.
#[derive(Debug, Clone)]
pub enum HelperState {
    /// Its program is missing or not executable.
    Missing,
    /// It exists; not run (no `--run-helper`).
    NotRun(PathBuf),
    /// It could not be started.
    CannotRun(String),
    /// It did not answer in time.
    TimedOut,
    /// It exited with this status.
    Failed(Option<i32>),
    /// It exited 0 and printed nothing.
    Empty,
    /// It printed a value of this shape.
    Returned(super::Shape),
}

/// The `apiKeyHelper`: its command, file and state.
#[derive(Debug, Clone)]
pub struct Helper {
    /// The command line.
    pub command: String,
    /// The settings file it is set in.
    pub file: PathBuf,
    /// What is known of it.
    pub state: HelperState,
}

/// Find the `apiKeyHelper` and, with `--run-helper` only, run it once (its
/// output is described, never kept).
pub fn helper(host: &Host, sources: &Sources, options: &Options) -> Option<Helper> {
    let (command, file) = sources.api_key_helper()?;
    let state = match helper_program(host, &command) {
        None => HelperState::Missing,
        Some(program) if !options.run_helper => HelperState::NotRun(program),
        Some(_) => match host.run(Path::new("sh"), &["-c", &command], HELPER_TIMEOUT) {
            Err(e) => HelperState::CannotRun(e.to_string()),
            Ok(r) if r.timed_out => HelperState::TimedOut,
            Ok(r) if r.code != Some(0) => HelperState::Failed(r.code),
            Ok(r) if r.stdout.trim().is_empty() => HelperState::Empty,
            Ok(r) => HelperState::Returned(shape(r.stdout.trim_end_matches('\n'))),
        },
    };
    Some(Helper { command, file: file.path.clone(), state })
}

/// Checks of the settings files.
pub fn check(sources: &Sources, helper: Option<&Helper>) -> Vec<Check> {
    let mut out = Vec::new();
    for f in sources.files.iter().chain(&sources.state) {
        let id = format!("settings.{}", f.scope);
        out.push(match &f.error {
            Some(e) => Check::new(&id, Status::Fail, format!("invalid JSON: {e}"))
                .next("Claude Code ignores or rejects this file until it parses: fix the JSON at that line."),
            None => Check::new(&id, Status::Ok, format!("{} parses", f.path.display())),
        });
    }
    if let Some(h) = helper {
        let id = "settings.api-key-helper";
        let whence = format!("apiKeyHelper in {}", h.file.display());
        out.push(match &h.state {
            HelperState::Missing => Check::new(id, Status::Fail, format!("{whence}: its program is missing or not executable"))
                .next("Fix the path in apiKeyHelper or make the script executable (chmod +x); Claude Code uses it before a /login."),
            HelperState::NotRun(program) => Check::new(
                id,
                Status::Ok,
                format!("{whence}: {} exists and is executable (not run)", program.display()),
            )
            .next("Run `errsig doctor --run-helper` to run it once (its output is never shown) and check what it returns."),
            HelperState::CannotRun(e) => Check::new(id, Status::Fail, format!("{whence}: cannot run it: {e}")),
            HelperState::TimedOut => Check::new(id, Status::Fail, format!("{whence}: no answer within {}s", HELPER_TIMEOUT.as_secs()))
                .next("A helper that hangs makes every request fail; make it return quickly."),
            HelperState::Failed(code) => Check::new(id, Status::Fail, format!("{whence}: exited with status {}", code.map_or("?".into(), |c| c.to_string())))
                .next("Run the helper by hand and fix its error; Claude Code gets no key from it."),
            HelperState::Empty => Check::new(id, Status::Fail, format!("{whence}: exited 0 but printed nothing"))
                .next(format!("Claude Code gets an empty key from it. Run `{}` by hand: it must print the key on standard output (a vault or secret-manager login behind it may have expired).", h.command)),
            HelperState::Returned(s) => {
                let status = if s.problems.is_empty() { Status::Ok } else { Status::Fail };
                Check::new(id, status, format!("{whence}: returned {}", s.describe()))
            }
        });
    }
    for key in ["forceLoginMethod", "forceLoginOrgUUID"] {
        if let Some((v, f)) = sources.setting(key) {
            out.push(
                Check::new("settings.force-login", Status::Ok, format!("{key} = {v} in {}", f.path.display())).next(
                    "/login can only choose what this allows; a login to another method or organization is refused.",
                ),
            );
        }
    }
    out
}
