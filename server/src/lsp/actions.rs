//! Code actions and the commands behind them.
//!
//! The command registry (id, arguments, effect, who implements it) is in
//! ARCHITECTURE.md. The server executes its own ids ([`super::SERVER_COMMANDS`]);
//! client-side ids (`errsig.runInTerminal`, `errsig.openReport`) are offered
//! only to a client that advertised them in
//! `initializationOptions.clientCommands` — otherwise the server offers what
//! it can do itself (show the command to copy, write a file and show it).

use super::diagnostics::visible;
use super::suppress::{self, Scope};
use super::{Backend, Open, State};
use errsig::explain::markdown;
use errsig::report::finding_markdown;
use errsig::Finding;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;
use tower_lsp_server::UriExt;

/// Open the full explanation of a finding as a document (server).
pub const EXPLAIN: &str = "errsig.explain";
/// Write the finding's non-secret report to a file and show it (server).
pub const WRITE_REPORT: &str = "errsig.writeReport";
/// Suppress a finding on its line, in its file or for the project (server).
pub const SUPPRESS: &str = "errsig.suppress";
/// Show a shell command to run, for clients that cannot run it (server).
pub const SHOW_COMMAND: &str = "errsig.showCommand";
/// Run a shell command in the user's terminal (client).
pub const RUN_IN_TERMINAL: &str = "errsig.runInTerminal";
/// Open markdown in a scratch document (client).
pub const OPEN_REPORT: &str = "errsig.openReport";

/// The shell command behind a rule's action id, for the ones that are one.
fn shell_command(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "auth-status" => ("Check which credential Claude Code uses", "claude auth status"),
        "login" => ("Sign in to Claude Code again", "claude /login"),
        "setup-token" => ("Create a new long-lived Claude Code token", "claude setup-token"),
        "aws-identity" => ("Check the AWS identity in use", "aws sts get-caller-identity"),
        "gcloud-adc" => ("Refresh Google application-default credentials", "gcloud auth application-default login"),
        _ => return None,
    })
}

#[derive(Debug, Deserialize)]
struct At {
    uri: Uri,
    line: u32,
}

#[derive(Debug, Deserialize)]
struct SuppressArgs {
    uri: Uri,
    line: u32,
    rule: String,
    scope: Scope,
}

#[derive(Debug, Deserialize)]
struct ShowArgs {
    command: String,
}

fn cmd(title: impl Into<String>, command: &str, args: Value) -> Command {
    Command { title: title.into(), command: command.into(), arguments: Some(vec![args]) }
}

fn action(title: String, command: Command, diagnostics: &[Diagnostic]) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(diagnostics.to_vec()),
        command: Some(command),
        ..CodeAction::default()
    })
}

/// The code actions for the findings in `params.range`.
pub(super) fn code_actions(params: &CodeActionParams, open: &Open, st: &State) -> Vec<CodeActionOrCommand> {
    let removed = open.doc.removed();
    let (from, to) = (params.range.start.line.saturating_add(removed), params.range.end.line.saturating_add(removed));
    let uri = &params.text_document.uri;
    let has = |c: &str| st.client_commands.contains(c);
    let mut out = Vec::new();
    for (f, _) in visible(&open.doc, &open.project, open.path.as_deref()) {
        let e = &f.event;
        if e.end.line < from || e.start.line > to {
            continue;
        }
        let line = e.start.line - removed;
        let diags: Vec<Diagnostic> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.code == Some(NumberOrString::String(f.rule.id.clone())))
            .cloned()
            .collect();
        let at = json!({ "uri": uri.as_str(), "line": line });
        for a in &f.rule.actions {
            let doctor_action = match a.as_str() {
                "doctor" | "check-base-url" => Some((
                    "Run errsig doctor: which credential wins, settings, stored login".to_owned(),
                    cmd("Doctor", super::doctor::DOCTOR, json!({})),
                )),
                "unset-shadowing-env" if st.trusted => Some((
                    "Show where a key that overrides the login is set (and remove it from project settings)".to_owned(),
                    cmd("Unset", super::doctor::FIX, json!({ "id": "unset-env" })),
                )),
                "move-credentials" if st.trusted => Some((
                    "Move the stored login aside (a backup is kept)".to_owned(),
                    cmd("Move", super::doctor::FIX, json!({ "id": "move-credentials" })),
                )),
                "probe" if st.trusted && st.settings.live_check => Some((
                    "Check the key live: one request, after you confirm the host".to_owned(),
                    cmd("Probe", super::doctor::PROBE, json!({})),
                )),
                _ => None,
            };
            if let Some((title, c)) = doctor_action {
                out.push(action(title, c, &diags));
                continue;
            }
            if let Some((title, shell)) = shell_command(a) {
                let c = if has(RUN_IN_TERMINAL) {
                    cmd(title, RUN_IN_TERMINAL, json!({ "command": shell, "title": title }))
                } else {
                    cmd(title, SHOW_COMMAND, json!({ "command": shell }))
                };
                out.push(action(format!("{title}: `{shell}`"), c, &diags));
            }
        }
        let explain = if has(OPEN_REPORT) {
            cmd("Explain", OPEN_REPORT, json!({ "title": f.rule.title, "markdown": markdown(&f.rule, Some(e)) }))
        } else {
            cmd("Explain", EXPLAIN, at.clone())
        };
        out.push(action(format!("Explain {}: {}", f.rule.id, f.rule.title), explain, &diags));
        out.push(action(
            "Write a report of this error (no secrets)".into(),
            cmd("Report", WRITE_REPORT, at.clone()),
            &diags,
        ));
        if !st.trusted {
            continue;
        }
        let scopes: &[(Scope, &str)] = if open.path.is_some() {
            &[(Scope::Line, "on this line"), (Scope::File, "in this file"), (Scope::Project, "for the project")]
        } else {
            &[(Scope::Project, "for the project")]
        };
        for (scope, words) in scopes {
            let args = json!({ "uri": uri.as_str(), "line": line, "rule": f.rule.id, "scope": scope });
            out.push(action(format!("Suppress {} {words}", f.rule.id), cmd("Suppress", SUPPRESS, args), &diags));
        }
    }
    out
}

fn arg<T: for<'de> Deserialize<'de>>(params: &ExecuteCommandParams) -> Result<T> {
    let v = params.arguments.first().cloned().ok_or_else(|| Error::invalid_params("missing argument"))?;
    serde_json::from_value(v).map_err(|e| Error::invalid_params(e.to_string()))
}

/// The finding at a line of an open document, with where it is.
fn finding_at(st: &State, at: &At) -> Result<(Finding, String, PathBuf)> {
    let open = st.docs.get(&at.uri).ok_or_else(|| Error::invalid_params("document is not open"))?;
    let abs = at.line.saturating_add(open.doc.removed());
    let (f, _) = visible(&open.doc, &open.project, open.path.as_deref())
        .into_iter()
        .find(|(f, _)| (f.event.start.line..=f.event.end.line).contains(&abs))
        .ok_or_else(|| Error::invalid_params(format!("no finding on line {}", at.line.saturating_add(1))))?;
    let source = match &open.path {
        Some(p) => p.display().to_string(),
        None => at.uri.as_str().to_owned(),
    };
    Ok((f.clone(), source, report_dir(st)))
}

/// Where reports and explanations go: the user's setting, else the cache.
pub(super) fn report_dir(st: &State) -> PathBuf {
    if let Some(d) = &st.settings.report_dir {
        return d.clone();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("errsig")
}

pub(super) fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::invalid_params(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| Error::invalid_params(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

pub(super) fn stamp() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Show a written file: `window/showDocument` when the client can, else a
/// message with its path. Waits for the client, so it runs as its own task.
pub(super) fn show(backend: &Backend, path: &Path, can_show: bool) {
    let client = backend.client.clone();
    let path = path.to_path_buf();
    tokio::spawn(async move {
        let uri = Uri::from_file_path(&path);
        let shown = match (can_show, uri) {
            (true, Some(uri)) => client
                .show_document(ShowDocumentParams {
                    uri,
                    external: Some(false),
                    take_focus: Some(true),
                    selection: None,
                })
                .await
                .unwrap_or(false),
            _ => false,
        };
        if !shown {
            client.show_message(MessageType::INFO, format!("errsig wrote {}", path.display())).await;
        }
    });
}

pub(super) async fn execute(backend: &Backend, params: ExecuteCommandParams) -> Result<Option<Value>> {
    match params.command.as_str() {
        EXPLAIN => {
            let at: At = arg(&params)?;
            let (path, can_show) = {
                let st = backend.state();
                let (f, _, dir) = finding_at(&st, &at)?;
                (
                    write(&dir.join("explain"), &format!("{}.md", f.rule.id), &markdown(&f.rule, Some(&f.event)))?,
                    st.show_document,
                )
            };
            show(backend, &path, can_show);
            Ok(Some(json!({ "path": path })))
        }
        WRITE_REPORT => {
            let at: At = arg(&params)?;
            let (path, can_show) = {
                let st = backend.state();
                let (f, source, dir) = finding_at(&st, &at)?;
                let text = finding_markdown(&f, &source, at.line.saturating_add(1));
                (write(&dir.join("reports"), &format!("{}-{}.md", stamp(), f.rule.id), &text)?, st.show_document)
            };
            show(backend, &path, can_show);
            Ok(Some(json!({ "path": path })))
        }
        SHOW_COMMAND => {
            let a: ShowArgs = arg(&params)?;
            let client = backend.client.clone();
            tokio::spawn(async move {
                client.show_message(MessageType::INFO, format!("Run this in a terminal: {}", a.command)).await;
            });
            Ok(None)
        }
        SUPPRESS => {
            if !backend.state().trusted {
                return Err(Error::invalid_params("suppressing writes .errsig.toml: off in an untrusted workspace"));
            }
            let a: SuppressArgs = arg(&params)?;
            let (result, publish) = {
                let mut st = backend.state();
                let open = st.docs.get(&a.uri).ok_or_else(|| Error::invalid_params("document is not open"))?;
                let project = open.project.clone();
                let root = project
                    .root
                    .clone()
                    .or_else(|| open.path.as_deref().and_then(Path::parent).map(Path::to_path_buf))
                    .or_else(|| st.folders.first().cloned())
                    .ok_or_else(|| Error::invalid_params("no workspace folder to write .errsig.toml in"))?;
                let file = project.file.clone().unwrap_or_else(|| root.join(errsig::config::FILE_NAME));
                let rel = open.path.as_deref().map(|p| project.relative(p).to_string_lossy().replace('\\', "/"));
                let abs = a.line.saturating_add(open.doc.removed());
                let line = open
                    .doc
                    .findings()
                    .find(|f| f.rule.id == a.rule && (f.event.start.line..=f.event.end.line).contains(&abs))
                    .map(|f| f.event.start.line - open.doc.removed() + 1);
                let (path, line) = match a.scope {
                    Scope::Line => (rel.as_deref(), Some(line.unwrap_or(a.line.saturating_add(1)))),
                    Scope::File => (rel.as_deref(), None),
                    Scope::Project => (None, None),
                };
                if a.scope != Scope::Project && path.is_none() {
                    return Err(Error::invalid_params("only project-wide suppression applies to terminals"));
                }
                let backup = suppress::append(&file, &a.rule, path, line)
                    .map_err(|e| Error::invalid_params(format!("cannot write {}: {e}", file.display())))?;
                // The finding disappears at once: reload and republish.
                let publish = st.reload();
                (json!({ "path": file, "backup": backup }), publish)
            };
            backend.send(publish).await;
            Ok(Some(result))
        }
        _ => super::doctor::execute(backend, &params).await,
    }
}
