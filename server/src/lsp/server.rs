//! The `LanguageServer` implementation and the `errsig/*` method handlers.
//!
//! Every change is applied under the state's mutex before the handler's
//! first `.await`, and re-scans only what it touched (`document.rs`).
//! Anything that waits for the user or the network runs as its own task, and
//! heavy work (`errsig/scanText`, the doctor) runs on tokio's blocking pool,
//! so a handler slot is never held by work that can wait.

use super::caps::ClientCaps;
use super::document::{Document, Kind};
use super::ext::{self, DebugStats, DebugStatsParams, ScanTextParams, ServerCommand, TerminalWidthParams, TextFinding};
use super::session::{Open, Publish, State};
use super::settings::{InitOptions, Settings};
use super::stash::Stash;
use super::{actions, diagnostics, hover};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;
use tower_lsp_server::{Client, LanguageServer, UriExt};

/// The server. Cloning it is cheap: spawned tasks take a clone.
#[derive(Clone)]
pub struct Backend {
    pub(super) client: Client,
    state: Arc<Mutex<State>>,
    /// Large document texts, taken out of their messages by the transport.
    stash: Arc<Stash>,
}

impl Backend {
    pub(super) fn new(client: Client, stash: Arc<Stash>) -> Self {
        Backend { client, state: Arc::new(Mutex::new(State::default())), stash }
    }

    /// The state. A handler that panicked while holding the lock leaves the
    /// documents as they were; keep serving them.
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn send(&self, publish: impl IntoIterator<Item = Publish>) {
        for p in publish {
            self.client.publish_diagnostics(p.uri, p.diagnostics, p.version).await;
        }
        let refresh = {
            let mut st = self.state();
            std::mem::take(&mut st.needs_refresh) && st.caps.refresh_support
        };
        if refresh {
            // The client answers in its own time: not in this handler.
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.workspace_diagnostic_refresh().await;
            });
        }
        let messages = std::mem::take(&mut self.state().messages);
        for m in messages {
            self.client.show_message(MessageType::WARNING, m).await;
        }
    }

    pub(super) async fn terminal_width(&self, params: TerminalWidthParams) {
        // A width outside what the scanner can use would cost time and
        // memory for nothing (a row is at most MAX_COLUMNS wide).
        if !(2..=errsig::scan::ansi::MAX_COLUMNS).contains(&params.columns) {
            tracing::warn!(columns = params.columns, "{}: a width outside 2..=65536 is ignored", ext::TERMINAL_WIDTH);
            return;
        }
        let publish = {
            let mut st = self.state();
            match st.docs.get_mut(&params.uri) {
                Some(open) => {
                    open.doc.set_columns(Some(params.columns));
                    open.published = None;
                    st.needs_refresh = st.caps.pull;
                    st.publish(&params.uri)
                }
                None => {
                    // Bounded: one entry per terminal the client announced.
                    if st.widths.len() < 4096 || st.widths.contains_key(&params.uri) {
                        st.widths.insert(params.uri, params.columns);
                    }
                    None
                }
            }
        };
        self.send(publish).await;
    }

    pub(super) async fn scan_text(&self, params: ScanTextParams) -> Result<Vec<TextFinding>> {
        if params.text.len() > ext::MAX_SCAN_TEXT {
            return Err(Error::invalid_params(format!(
                "{}: the text is {} bytes; the limit is {} bytes (4 MiB): open it as a document instead",
                ext::SCAN_TEXT,
                params.text.len(),
                ext::MAX_SCAN_TEXT
            )));
        }
        let (catalog, enc) = {
            let mut st = self.state();
            let project = st.project_for(None);
            (project.catalog.clone(), st.enc())
        };
        // Off the handler slots: the scan is CPU work, and awaiting it keeps
        // the request cancellable.
        let found = tokio::task::spawn_blocking(move || {
            let found = errsig::scan_bytes(catalog, params.columns, params.text.as_bytes());
            found
                .iter()
                .map(|f| {
                    let r = diagnostics::range(f, 0, enc);
                    TextFinding {
                        line: r.start.line,
                        start_character: r.start.character,
                        end_line: r.end.line,
                        end_character: r.end.character,
                        rule: f.rule.id.clone(),
                        title: f.rule.title.clone(),
                        message: errsig::explain::headline(&f.rule, &f.event),
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| Error { message: format!("the scan failed: {e}").into(), ..Error::internal_error() })?;
        Ok(found)
    }

    pub(super) async fn debug_stats(&self, params: DebugStatsParams) -> Result<DebugStats> {
        let st = self.state();
        let open = st.docs.get(&params.uri).ok_or_else(|| Error::invalid_params("document is not open"))?;
        Ok(DebugStats {
            kind: match open.doc.kind {
                Kind::File => "file",
                Kind::NvimTerminal => "nvim-terminal",
                Kind::VscodeTerminal => "vscode-terminal",
            },
            bytes_scanned: open.doc.scanned,
            last_scan: open.doc.last_scan,
            lines: open.doc.line_count(),
            removed: open.doc.removed(),
            findings: open.doc.findings().count(),
            columns: open.doc.columns(),
        })
    }

    /// The request ids of the findings in open documents (for the doctor's report).
    pub(super) fn request_ids(&self) -> Vec<String> {
        let st = self.state();
        let mut ids: Vec<String> =
            st.docs.values().flat_map(|o| o.doc.findings().filter_map(|f| f.event.request_id.clone())).collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Ask the client for the `errsig` settings section and apply it.
    async fn pull_configuration(&self) {
        let item = ConfigurationItem { scope_uri: None, section: Some("errsig".into()) };
        match self.client.configuration(vec![item]).await {
            Ok(mut values) => {
                let value = values.pop().unwrap_or_default();
                self.apply_settings(value).await;
            }
            Err(e) => tracing::warn!("workspace/configuration failed: {e}"),
        }
    }

    async fn apply_settings(&self, value: serde_json::Value) {
        let publish = {
            let mut st = self.state();
            let settings =
                if value.is_null() { Ok(Settings::default()) } else { serde_json::from_value::<Settings>(value) };
            match settings {
                Ok(s) if s == st.settings => Vec::new(),
                Ok(s) => {
                    st.settings = s;
                    st.reload()
                }
                Err(e) => {
                    st.messages.push(format!("errsig: invalid settings ({e}); keeping the previous ones"));
                    Vec::new()
                }
            }
        };
        self.send(publish).await;
    }
}

/// The file behind a `file:` URI (other schemes have none).
pub(super) fn file_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().map(|s| s.as_str()) != Some("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let options: InitOptions = match params.initialization_options.clone() {
            Some(v) => {
                serde_json::from_value(v).map_err(|e| Error::invalid_params(format!("initializationOptions: {e}")))?
            }
            None => InitOptions::default(),
        };
        let caps = ClientCaps::negotiate(&params, &options);
        let (encoding, pull) = (caps.position_encoding(), caps.pull);
        {
            let mut st = self.state();
            st.caps = caps;
            st.folders = params.workspace_folders.iter().flatten().filter_map(|f| file_path(&f.uri)).collect();
            #[allow(deprecated)]
            if st.folders.is_empty() {
                if let Some(p) = params.root_uri.as_ref().and_then(file_path) {
                    st.folders.push(p);
                }
            }
            if let Some(s) = options.settings {
                match serde_json::from_value::<Settings>(s) {
                    Ok(s) => st.settings = s,
                    Err(e) => {
                        st.messages.push(format!("errsig: invalid initialization settings ({e}); using defaults"))
                    }
                }
            }
        }
        let sync = TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        };
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding),
                text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..CodeActionOptions::default()
                })),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: ServerCommand::ALL.iter().map(|c| c.id().to_owned()).collect(),
                    ..ExecuteCommandOptions::default()
                }),
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("errsig".into()),
                        inter_file_dependencies: false,
                        workspace_diagnostics: false,
                        ..DiagnosticOptions::default()
                    })
                }),
                experimental: Some(serde_json::json!({ "errsig": ext::advertised() })),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo { name: "errsig".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.send(Vec::new()).await;
        super::doctor::warm(self);
        if self.state().caps.configuration {
            // The client answers in its own time: not in a handler slot.
            let me = self.clone();
            tokio::spawn(async move { me.pull_configuration().await });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let publish = {
            let mut st = self.state();
            let mut doc = params.text_document;
            doc.text = self.stash.resolve(std::mem::take(&mut doc.text));
            let kind = Kind::of_scheme(doc.uri.scheme().map_or("", |s| s.as_str()));
            if kind.is_terminal() && !st.settings.terminals {
                return;
            }
            let path = file_path(&doc.uri);
            let project = st.project_for(path.as_deref());
            let columns = match kind {
                Kind::NvimTerminal => st.widths.remove(&doc.uri),
                _ => None,
            };
            let d = Document::open(kind, doc.text, doc.version, project.catalog.clone(), columns);
            tracing::debug!(bytes = d.scanned, "opened a document");
            st.docs.insert(doc.uri.clone(), Open { doc: d, path, project, published: None });
            st.publish(&doc.uri)
        };
        self.send(publish).await;
    }

    async fn did_change(&self, mut params: DidChangeTextDocumentParams) {
        for c in &mut params.content_changes {
            c.text = self.stash.resolve(std::mem::take(&mut c.text));
        }
        let publish = {
            let mut st = self.state();
            let enc = st.enc();
            let uri = params.text_document.uri;
            let Some(open) = st.docs.get_mut(&uri) else {
                return;
            };
            open.doc.version = params.text_document.version;
            open.doc.apply(params.content_changes, enc);
            tracing::trace!(rescanned = open.doc.last_scan, total = open.doc.scanned, "changed a document");
            st.publish(&uri)
        };
        self.send(publish).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let is_config =
            file_path(&params.text_document.uri).is_some_and(|p| p.file_name().is_some_and(|n| n == ".errsig.toml"));
        if is_config {
            let publish = self.state().reload();
            self.send(publish).await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let (pushed, pull) = {
            let mut st = self.state();
            let removed = st.docs.remove(&params.text_document.uri);
            (removed.map(|o| o.doc.kind.is_terminal()), st.caps.pull)
        };
        if pushed.is_some_and(|terminal| terminal || !pull) {
            self.client.publish_diagnostics(params.text_document.uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let configuration = self.state().caps.configuration;
        if configuration {
            let me = self.clone();
            tokio::spawn(async move { me.pull_configuration().await });
        } else {
            let value = params.settings.get("errsig").cloned().unwrap_or(params.settings);
            self.apply_settings(value).await;
        }
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let st = self.state();
        let enc = st.enc();
        let items = match st.docs.get(&params.text_document.uri) {
            Some(open) if !open.doc.kind.is_terminal() => {
                diagnostics::diagnostics(&params.text_document.uri, &open.doc, &open.project, open.path.as_deref(), enc)
            }
            _ => Vec::new(),
        };
        Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
            RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
            },
        )))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let (found, trusted) = {
            let st = self.state();
            let found =
                st.docs.get(&p.text_document.uri).and_then(|open| hover::finding_at(open, p.position.line, st.enc()));
            (found, st.caps.trusted)
        };
        let Some((f, range)) = found else { return Ok(None) };
        // Untrusted workspaces get no machine answer: their settings files
        // are not the user's to trust.
        let machine = match (trusted, super::doctor::host(self)) {
            (true, Ok(h)) => {
                let f = f.clone();
                tokio::task::spawn_blocking(move || super::doctor::machine_cause(&h, &f)).await.ok().flatten()
            }
            _ => None,
        };
        let text = machine.as_ref().map(super::doctor::on_this_machine);
        Ok(Some(hover::hover(&f, range, text.as_deref())))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let st = self.state();
        let Some(open) = st.docs.get(&params.text_document.uri) else {
            return Ok(None);
        };
        let list = actions::code_actions(&params, open, &st);
        Ok((!list.is_empty()).then_some(list))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        actions::execute(self, params).await
    }
}
