//! Code actions and the commands behind them.
//!
//! Every action is built from the registry in `ext.rs`: a
//! [`ServerCommand`] the server executes, or a [`ClientCommand`] offered
//! only to a client that listed it in `initializationOptions.clientCommands`
//! — otherwise the server offers what it can do itself (show the command to
//! copy, write a file and show it).

use super::diagnostics::visible;
use super::ext::{ClientCommand, ServerCommand};
use super::output::{report_dir, show, stamp, write};
use super::server::Backend;
use super::session::{Open, State};
use super::suppress::{self, Scope};
use errsig::explain::markdown;
use errsig::report::finding_markdown;
use errsig::rules::Action;
use errsig::Finding;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;

/// What the server offers for one of a rule's actions.
enum Offer {
    /// A server command, with its title.
    Server(String, Command),
    /// A shell command for the user's terminal: its title and the command.
    Shell(&'static str, &'static str),
    /// Nothing of its own: the action is offered on every finding already
    /// (explain, report, suppress), or not here (an untrusted workspace, the
    /// live check without the user's `liveCheck`).
    Nothing,
}

/// The offer behind a rule's action. Exhaustive: an action added to the
/// registry does not compile until it says what the editor gets.
fn offer(action: Action, trusted: bool, live_check: bool) -> Offer {
    let server = |title: &str, c: Command| Offer::Server(title.to_owned(), c);
    match action {
        Action::Doctor | Action::CheckBaseUrl => server(
            "Run errsig doctor: which credential wins, settings, stored login",
            ServerCommand::Doctor.command("Doctor", json!({})),
        ),
        Action::UnsetShadowingEnv if trusted => server(
            "Show where a key that overrides the login is set (and remove it from project settings)",
            ServerCommand::DoctorFix.command("Unset", json!({ "id": "unset-env" })),
        ),
        Action::MoveCredentials if trusted => server(
            "Move the stored login aside (a backup is kept)",
            ServerCommand::DoctorFix.command("Move", json!({ "id": "move-credentials" })),
        ),
        Action::Probe if trusted && live_check => server(
            "Check the key live: one request, after you confirm the host",
            ServerCommand::DoctorProbe.command("Probe", json!({})),
        ),
        Action::UnsetShadowingEnv | Action::MoveCredentials | Action::Probe => Offer::Nothing,
        Action::AuthStatus => Offer::Shell("Check which credential Claude Code uses", "claude auth status"),
        Action::Login => Offer::Shell("Sign in to Claude Code again", "claude /login"),
        Action::SetupToken => Offer::Shell("Create a new long-lived Claude Code token", "claude setup-token"),
        Action::AwsIdentity => Offer::Shell("Check the AWS identity in use", "aws sts get-caller-identity"),
        Action::GcloudAdc => {
            Offer::Shell("Refresh Google application-default credentials", "gcloud auth application-default login")
        }
        Action::Explain | Action::Report | Action::Suppress => Offer::Nothing,
    }
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
    let caps = &st.caps;
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
        // The fix for the cause the local checks rank first, preferred
        // (trusted workspaces only: an untrusted one gets no machine answer).
        if caps.trusted {
            let cause = super::doctor::host_for(st.folders.first().cloned())
                .ok()
                .and_then(|h| super::doctor::machine_cause(&h, f));
            if let Some(c) = cause {
                out.push(super::doctor::preferred_action(&c, caps, &diags));
            }
        }
        // The rule's actions fitted to who printed it: no `claude /login`
        // for an SDK's finding (`rules/advice.toml`).
        for a in f.rule.fitted(e.producer).actions {
            match offer(a, caps.trusted, st.settings.live_check) {
                Offer::Server(title, c) => out.push(action(title, c, &diags)),
                Offer::Shell(title, shell) => {
                    let c = if caps.has(ClientCommand::RunInTerminal) {
                        ClientCommand::RunInTerminal.command(title, json!({ "command": shell, "title": title }))
                    } else {
                        ServerCommand::ShowCommand.command(title, json!({ "command": shell }))
                    };
                    out.push(action(format!("{title}: `{shell}`"), c, &diags));
                }
                Offer::Nothing => {}
            }
        }
        let explain = if caps.has(ClientCommand::OpenReport) {
            ClientCommand::OpenReport
                .command("Explain", json!({ "title": f.rule.title, "markdown": markdown(&f.rule, Some(e)) }))
        } else {
            ServerCommand::Explain.command("Explain", at.clone())
        };
        out.push(action(format!("Explain {}: {}", f.rule.id, f.rule.title), explain, &diags));
        out.push(action(
            "Write a report of this error (no secrets)".into(),
            ServerCommand::WriteReport.command("Report", at.clone()),
            &diags,
        ));
        if !caps.trusted {
            continue;
        }
        let scopes: &[(Scope, &str)] = if open.path.is_some() {
            &[(Scope::Line, "on this line"), (Scope::File, "in this file"), (Scope::Project, "for the project")]
        } else {
            &[(Scope::Project, "for the project")]
        };
        for (scope, words) in scopes {
            let args = json!({ "uri": uri.as_str(), "line": line, "rule": f.rule.id, "scope": scope });
            out.push(action(
                format!("Suppress {} {words}", f.rule.id),
                ServerCommand::Suppress.command("Suppress", args),
                &diags,
            ));
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
    Ok((f.clone(), source, report_dir(st.settings.report_dir.as_deref())))
}

pub(super) async fn execute(backend: &Backend, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let command: ServerCommand = params.command.parse().map_err(|e| Error::invalid_params(format!("{e}")))?;
    if command.changes_something() && !backend.state().caps.trusted {
        return Err(Error::invalid_params(format!("{} is off in an untrusted workspace", command.id())));
    }
    match command {
        ServerCommand::Explain => {
            let at: At = arg(&params)?;
            let (path, can_show) = {
                let st = backend.state();
                let (f, _, dir) = finding_at(&st, &at)?;
                (
                    write(&dir.join("explain"), &format!("{}.md", f.rule.id), &markdown(&f.rule, Some(&f.event)))?,
                    st.caps.show_document,
                )
            };
            show(backend, &path, can_show);
            Ok(Some(json!({ "path": path })))
        }
        ServerCommand::WriteReport => {
            let at: At = arg(&params)?;
            let (path, can_show) = {
                let st = backend.state();
                let (f, source, dir) = finding_at(&st, &at)?;
                let text = finding_markdown(&f, &source, at.line.saturating_add(1));
                (write(&dir.join("reports"), &format!("{}-{}.md", stamp(), f.rule.id), &text)?, st.caps.show_document)
            };
            show(backend, &path, can_show);
            Ok(Some(json!({ "path": path })))
        }
        ServerCommand::ShowCommand => {
            let a: ShowArgs = arg(&params)?;
            let client = backend.client.clone();
            tokio::spawn(async move {
                client.show_message(MessageType::INFO, format!("Run this in a terminal: {}", a.command)).await;
            });
            Ok(None)
        }
        ServerCommand::Suppress => suppress_command(backend, arg(&params)?).await,
        ServerCommand::Doctor | ServerCommand::DoctorProbe | ServerCommand::DoctorFix => {
            super::doctor::execute(backend, command, &params).await
        }
    }
}

async fn suppress_command(backend: &Backend, a: SuppressArgs) -> Result<Option<Value>> {
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
        // Paths in `.errsig.toml` are relative to the directory it is in:
        // without a workspace folder (an editor started outside a project)
        // that is the file's own directory, found again on reload.
        let base = file.parent().unwrap_or(&root);
        let rel = match open.path.as_deref() {
            Some(p) => match p.strip_prefix(base) {
                Ok(rel) => Some(rel.to_string_lossy().replace('\\', "/")),
                Err(_) => {
                    return Err(Error::invalid_params(format!(
                        "{} is outside {}: suppress it for the project instead",
                        p.display(),
                        base.display()
                    )))
                }
            },
            None => None,
        };
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
