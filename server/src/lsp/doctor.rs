//! The doctor behind code actions: run the checks, the live key check after
//! a confirmation that names the host, and fixes after a confirmation that
//! shows their exact effect.
//!
//! Each of these waits for the user or the network, so each runs as its own
//! task: `workspace/executeCommand` answers at once and the task reports by
//! `window/showMessage` (and shows the report). The live check needs the
//! user's own setting `liveCheck`; fixes and the live check are refused in
//! an untrusted workspace.

use super::Backend;
use crate::doctor::{self, checks, fix, host::Host, probe, render, Options};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;

/// Run the checks and show the report (server).
pub const DOCTOR: &str = "errsig.doctor";
/// The live key check, after a confirmation naming the host (server).
pub const PROBE: &str = "errsig.doctor.probe";
/// A doctor fix, after a confirmation showing its effect (server).
pub const FIX: &str = "errsig.doctor.fix";

#[derive(Debug, Deserialize)]
struct FixArgs {
    id: String,
}

/// The host the doctor looks at: this server's environment, in the first
/// workspace folder.
fn host(backend: &Backend) -> std::result::Result<Host, String> {
    let mut h = Host::current()?;
    if let Some(f) = backend.state().folders.first() {
        h.workspace = f.clone();
    }
    Ok(h)
}

async fn progress_begin(
    backend: &Backend,
    title: &str,
) -> Option<tower_lsp_server::OngoingProgress<tower_lsp_server::Unbounded, tower_lsp_server::NotCancellable>> {
    if !backend.state().work_done_progress {
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

pub(super) async fn execute(backend: &Backend, params: &ExecuteCommandParams) -> Result<Option<Value>> {
    let trusted = backend.state().trusted;
    match params.command.as_str() {
        DOCTOR => {
            let me = backend.clone();
            tokio::spawn(async move {
                let progress = progress_begin(&me, "errsig doctor").await;
                let h = host(&me);
                let report = tokio::task::spawn_blocking(move || h.map(|h| doctor::run(&h, &Options::default()))).await;
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
                        let can_show = me.state().show_document;
                        let dir = super::actions::report_dir(&me.state());
                        match super::actions::write(
                            &dir.join("reports"),
                            &format!("{}-doctor.md", super::actions::stamp()),
                            &md,
                        ) {
                            Ok(path) => super::actions::show(&me, &path, can_show),
                            Err(e) => me.client.show_message(MessageType::ERROR, e.message).await,
                        }
                    }
                    Ok(Err(e)) => {
                        me.client.show_message(MessageType::ERROR, format!("errsig doctor cannot run: {e}")).await
                    }
                    Err(e) => me.client.show_message(MessageType::ERROR, format!("errsig doctor failed: {e}")).await,
                }
            });
            Ok(None)
        }
        PROBE => {
            if !trusted {
                return Err(Error::invalid_params("the live key check is off in an untrusted workspace"));
            }
            if !backend.state().settings.live_check {
                return Err(Error::invalid_params(
                    "the live key check is off: enable the user setting errsig.liveCheck",
                ));
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
                    message: format!(
                        "Send one request (GET /v1/models) to {host_name}{whence} with {who} to check it?"
                    ),
                    actions: Some(vec![
                        MessageActionItem { title: "Send".into(), properties: Default::default() },
                        MessageActionItem { title: "Cancel".into(), properties: Default::default() },
                    ]),
                };
                let answer = me.client.show_message_request(ask.typ, ask.message, ask.actions).await;
                if !matches!(answer, Ok(Some(ref a)) if a.title == "Send") {
                    return;
                }
                let options = Options { probe: true, run_helper: false, yes: true };
                let result = tokio::task::spawn_blocking(move || probe::check(&h, &sources, &creds, &options)).await;
                if let Ok(c) = result {
                    let typ = if c.status >= doctor::Status::Warn { MessageType::WARNING } else { MessageType::INFO };
                    let text = format!("{}{}", c.found, c.next.map(|n| format!(" — {n}")).unwrap_or_default());
                    me.client.show_message(typ, errsig::scan::redact::redact(&text).into_owned()).await;
                }
            });
            Ok(None)
        }
        FIX => {
            if !trusted {
                return Err(Error::invalid_params("fixes are off in an untrusted workspace"));
            }
            let a: FixArgs = serde_json::from_value(params.arguments.first().cloned().unwrap_or_default())
                .map_err(|e| Error::invalid_params(e.to_string()))?;
            let h = host(backend).map_err(Error::invalid_params)?;
            let sources = checks::settings::read_all(&h);
            let plan = fix::plan(&h, &sources, &a.id).map_err(Error::invalid_params)?;
            let me = backend.clone();
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
                    Err(e) => me.client.show_message(MessageType::ERROR, e).await,
                }
            });
            Ok(Some(json!({ "fix": a.id })))
        }
        other => Err(Error::invalid_params(format!("unknown command {other}"))),
    }
}
