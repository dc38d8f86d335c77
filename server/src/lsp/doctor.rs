//! The doctor behind code actions: run the checks, the live key check after
//! a confirmation that names the host, and fixes after a confirmation that
//! shows their exact effect.
//!
//! Each of these waits for the user or the network, so each runs as its own
//! task: `workspace/executeCommand` answers at once and the task reports by
//! `window/showMessage` (and shows the report). The live check needs the
//! user's own setting `liveCheck`; fixes and the live check are refused in
//! an untrusted workspace.

use super::ext::ServerCommand;
use super::output::{report_dir, show, stamp, write};
use super::server::Backend;
use crate::doctor::fix::FixId;
use crate::doctor::host::{Hooks, Host};
use crate::doctor::{self, checks, fix, probe, render, Options};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;

#[derive(Debug, Deserialize)]
struct FixArgs {
    id: FixId,
}

/// The host the doctor looks at: this server's environment (its test hooks
/// read once, here), in the first workspace folder.
pub(super) fn host(backend: &Backend) -> std::result::Result<Host, String> {
    let folder = backend.state().folders.first().cloned();
    host_for(folder)
}

/// The host, in this workspace folder (else the server's directory).
pub(super) fn host_for(folder: Option<std::path::PathBuf>) -> std::result::Result<Host, String> {
    let vars: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let hooks = Hooks::from_vars(&vars);
    let workspace = match folder {
        Some(f) => f,
        None => std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?,
    };
    Host::new(vars, workspace, hooks).map_err(|e| e.to_string())
}

async fn progress_begin(
    backend: &Backend,
    title: &str,
) -> Option<tower_lsp_server::OngoingProgress<tower_lsp_server::Unbounded, tower_lsp_server::NotCancellable>> {
    if !backend.state().caps.work_done_progress {
        return None;
    }
    // tower-lsp-server 0.22's helper does not create the token: do it first.
    let token = ProgressToken::String(format!("errsig-{}-{}", title.replace(' ', "-"), std::process::id()));
    let created = backend
        .client
        .send_request::<request::WorkDoneProgressCreate>(WorkDoneProgressCreateParams { token: token.clone() })
        .await;
    if created.is_err() {
        return None;
    }
    Some(backend.client.progress(token, title).begin().await)
}

/// Run one of the doctor's commands (trust was checked by the caller): a
/// named step each, every one in its own task.
pub(super) async fn execute(
    backend: &Backend,
    command: ServerCommand,
    params: &ExecuteCommandParams,
) -> Result<Option<Value>> {
    match command {
        ServerCommand::Doctor => {
            run_checks(backend);
            Ok(None)
        }
        ServerCommand::DoctorProbe => live_check(backend),
        ServerCommand::DoctorFix => apply_fix(backend, params),
        other => Err(Error::invalid_params(format!("{} is not a doctor command", other.id()))),
    }
}

/// `errsig.doctor`: run the checks (with `workDoneProgress`), write the
/// markdown report with the open documents' request ids, and show it.
fn run_checks(backend: &Backend) {
    let me = backend.clone();
    tokio::spawn(async move {
        let progress = progress_begin(&me, "errsig doctor").await;
        let h = host(&me);
        let options = Options { tools: true, ..Options::default() };
        let report = tokio::task::spawn_blocking(move || h.map(|h| doctor::run(&h, &options, None))).await;
        if let Some(p) = progress {
            p.finish().await;
        }
        match report {
            Ok(Ok(r)) => {
                let mut md = render::markdown(&r);
                let ids = me.request_ids();
                if !ids.is_empty() {
                    md.push_str("\n## Request ids in open documents\n\n");
                    for id in ids {
                        md.push_str(&format!("- `{id}`\n"));
                    }
                }
                let (can_show, dir) = {
                    let st = me.state();
                    (st.caps.show_document, report_dir(st.settings.report_dir.as_deref()))
                };
                match write(&dir.join("reports"), &format!("{}-doctor.md", stamp()), &md) {
                    Ok(path) => show(&me, &path, can_show),
                    Err(e) => me.client.show_message(MessageType::ERROR, e.message).await,
                }
            }
            Ok(Err(e)) => {
                me.client.show_message(MessageType::ERROR, format!("errsig doctor cannot run: {e}")).await;
            }
            Err(e) => me.client.show_message(MessageType::ERROR, format!("errsig doctor failed: {e}")).await,
        }
    });
}

/// `errsig.doctor.probe`: only with the user's `liveCheck`; ask, naming the
/// host and the credential, then send the one request and say what came of
/// it.
fn live_check(backend: &Backend) -> Result<Option<Value>> {
    if !backend.state().settings.live_check {
        return Err(Error::invalid_params("the live key check is off: enable the user setting errsig.liveCheck"));
    }
    let me = backend.clone();
    tokio::spawn(async move {
        let Ok(h) = host(&me) else { return };
        let sources = checks::settings::read_all(&h);
        let creds = checks::credentials::discover(&h, &sources);
        let target = probe::target(&h, &sources);
        let who = creds.print_mode().map_or("no credential".into(), |c| c.describe());
        let host_name = checks::environment::url_host(&target.base);
        let whence = match (&target.origin, target.from_project) {
            (Some(o), true) => format!(" (this host comes from a project file: {})", o.describe()),
            _ => String::new(),
        };
        let ask = ShowMessageRequestParams {
            typ: MessageType::WARNING,
            message: format!("Send one request (GET /v1/models) to {host_name}{whence} with {who} to check it?"),
            actions: Some(vec![
                MessageActionItem { title: "Send".into(), properties: Default::default() },
                MessageActionItem { title: "Cancel".into(), properties: Default::default() },
            ]),
        };
        let answer = me.client.show_message_request(ask.typ, ask.message, ask.actions).await;
        if !matches!(answer, Ok(Some(ref a)) if a.title == "Send") {
            return;
        }
        let options = Options { probe: true, run_helper: false, yes: true, tools: false };
        let result = tokio::task::spawn_blocking(move || probe::check(&h, &sources, &creds, &options)).await;
        if let Ok(c) = result {
            let typ = if c.status >= doctor::Status::Warn { MessageType::WARNING } else { MessageType::INFO };
            let text = format!("{}{}", c.found, c.next.map(|n| format!(" — {n}")).unwrap_or_default());
            me.client.show_message(typ, errsig::scan::redact(&text).into_owned()).await;
        }
    });
    Ok(None)
}

/// `errsig.doctor.fix`: plan the fix, show its exact effect and ask, then
/// apply it with a private backup.
fn apply_fix(backend: &Backend, params: &ExecuteCommandParams) -> Result<Option<Value>> {
    let a: FixArgs = serde_json::from_value(params.arguments.first().cloned().unwrap_or_default())
        .map_err(|e| Error::invalid_params(e.to_string()))?;
    let h = host(backend).map_err(Error::invalid_params)?;
    let sources = checks::settings::read_all(&h);
    let me = backend.clone();
    let plan = match fix::plan(&h, &sources, a.id) {
        Ok(plan) => plan,
        // Nothing to fix on this machine (say so): not a failed request.
        Err(why) => {
            let why = why.to_string();
            let text = format!("errsig: {why}");
            tokio::spawn(async move { me.client.show_message(MessageType::INFO, text).await });
            return Ok(Some(json!({ "fix": a.id, "applied": false, "reason": why })));
        }
    };
    tokio::spawn(async move {
        let effect = plan.steps.join("\n");
        if plan.changes.is_empty() {
            me.client.show_message(MessageType::INFO, effect).await;
            return;
        }
        let answer = me
            .client
            .show_message_request(
                MessageType::WARNING,
                format!("errsig will:\n{effect}"),
                Some(vec![
                    MessageActionItem { title: "Apply".into(), properties: Default::default() },
                    MessageActionItem { title: "Cancel".into(), properties: Default::default() },
                ]),
            )
            .await;
        if !matches!(answer, Ok(Some(ref a)) if a.title == "Apply") {
            return;
        }
        match fix::apply(&plan) {
            Ok(done) => me.client.show_message(MessageType::INFO, done.join("\n")).await,
            Err(e) => me.client.show_message(MessageType::ERROR, e.to_string()).await,
        }
    });
    Ok(Some(json!({ "fix": a.id })))
}

/// The local facts, cached with the state of the files they come from: a
/// settings, state or login file that changes (its modification time, or
/// its appearing or going) makes the next look compute them again. Kept
/// here, not in the session state, because it belongs to the machine, not
/// to a document.
struct Cached {
    stamp: Vec<(std::path::PathBuf, Option<std::time::SystemTime>)>,
    facts: doctor::facts::Facts,
}

static CACHE: std::sync::Mutex<Option<Cached>> = std::sync::Mutex::new(None);

fn files_stamp(h: &Host) -> Vec<(std::path::PathBuf, Option<std::time::SystemTime>)> {
    doctor::watched(h)
        .into_iter()
        .map(|p| {
            let t = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
            (p, t)
        })
        .collect()
}

/// The local facts, from the cache when nothing they depend on changed.
pub(super) fn local_facts(h: &Host) -> doctor::facts::Facts {
    let now = files_stamp(h);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = cache.as_ref().filter(|c| c.stamp == now) {
        return c.facts.clone();
    }
    let facts = doctor::local_facts(h);
    *cache = Some(Cached { stamp: now, facts: facts.clone() });
    facts
}

/// Compute the local facts in the background (after `initialized`), so the
/// first hover finds them ready.
pub(super) fn warm(backend: &Backend) {
    if !backend.state().caps.trusted {
        return;
    }
    let Ok(h) = host(backend) else { return };
    tokio::task::spawn_blocking(move || {
        let _ = local_facts(&h);
    });
}

/// The most likely cause of a finding on this machine (trusted workspaces
/// only; the caller checks), from the local checks.
pub(super) fn machine_cause(h: &Host, f: &errsig::Finding) -> Option<doctor::cause::Cause> {
    let ctx = doctor::cause::ErrorContext::for_finding(&f.rule, &f.event);
    doctor::cause::diagnose(&local_facts(h), Some(&ctx)).cause
}

/// The code action for a cause's fix, marked preferred: the doctor's fix,
/// the command to run (in the client's terminal when it has one), or the
/// doctor's report when the fix is by hand.
pub(super) fn preferred_action(
    c: &doctor::cause::Cause,
    caps: &super::caps::ClientCaps,
    diagnostics: &[Diagnostic],
) -> CodeActionOrCommand {
    use super::ext::ClientCommand;
    use doctor::cause::Remedy;
    let title = errsig::scan::redact(&format!("On this machine: {}", c.fix)).into_owned();
    let command = match &c.remedy {
        Remedy::Fix(id) => ServerCommand::DoctorFix.command("Fix", json!({ "id": id })),
        Remedy::Run(cmd) if caps.has(ClientCommand::RunInTerminal) => {
            ClientCommand::RunInTerminal.command("Run", json!({ "command": cmd, "title": "errsig" }))
        }
        Remedy::Run(cmd) => ServerCommand::ShowCommand.command("Show", json!({ "command": cmd })),
        Remedy::Manual => ServerCommand::Doctor.command("Doctor", json!({})),
    };
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(diagnostics.to_vec()),
        command: Some(command),
        is_preferred: Some(true),
        ..CodeAction::default()
    })
}

/// The hover's "On this machine: …" text (redacted once more).
pub(super) fn on_this_machine(c: &doctor::cause::Cause) -> String {
    errsig::scan::redact(&c.sentence()).into_owned()
}
