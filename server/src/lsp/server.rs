//! The `LanguageServer` implementation and the `errsig/*` method handlers.
//!
//! Every change is applied under the state's mutex before the handler's
//! first `.await`, and re-scans only what it touched (`document.rs`).
//! Anything that waits for the user or the network runs as its own task, and
//! heavy work (`errsig/scanText`, the doctor) runs on tokio's blocking pool,
//! so a handler slot is never held by work that can wait.
//!
//! Opening a large document (at least [`OFF_THREAD`]) is such work: the
//! handler records the open (`State::opening`) and returns; the scan runs on
//! the blocking pool, at most one per core at a time, so many opens are
//! scanned in parallel. Changes that arrive meanwhile wait in the record, in
//! order, and are applied when the scan is in; requests about the document
//! wait for it ([`Backend::settled`]). Smaller documents are scanned in the
//! handler: that costs less than handing them over.

use super::caps::ClientCaps;
use super::document::{Document, Kind};
use super::ext::{self, DebugStats, DebugStatsParams, ScanTextParams, ServerCommand, TerminalWidthParams, TextFinding};
use super::session::{Open, Opening, Publish, Queued, State};
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
    /// Signalled whenever an open scanned off the handlers is in.
    opened: Arc<tokio::sync::Notify>,
    /// Scans of opens running on the blocking pool: one per core.
    scans: Arc<tokio::sync::Semaphore>,
}

/// Give the pages the allocator holds free back to the system. The scans of
/// a burst of opens run on several blocking threads, and glibc keeps what a
/// thread frees in that thread's arena: after 1,000 opens of 100 KB that was
/// megabytes of resident memory holding nothing (BENCHMARKS.md). Called when
/// the last open of a burst is in; a no-op elsewhere.
#[allow(unsafe_code)] // malloc_trim(3), below
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only walks the allocator's own free lists and
    // returns their pages with madvise; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Documents at least this large are scanned off the handlers when opened
/// (handing a scan over costs some microseconds; scanning 64 KiB, tens).
pub const OFF_THREAD: usize = 64 * 1024;

impl Backend {
    pub(super) fn new(client: Client, stash: Arc<Stash>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Backend {
            client,
            state: Arc::new(Mutex::new(State::default())),
            stash,
            opened: Arc::new(tokio::sync::Notify::new()),
            scans: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    /// Wait until a document is not being opened off the handlers (at once
    /// for every other document, open or not).
    pub(super) async fn settled(&self, uri: &Uri) {
        loop {
            let mut notified = std::pin::pin!(self.opened.notified());
            // Registered before the check, so a signal in between is not lost.
            notified.as_mut().enable();
            if !self.state().opening.contains_key(uri) {
                return;
            }
            notified.await;
        }
    }

    /// A large open's scan is in: apply what arrived meanwhile, then keep it,
    /// unless the document was closed or opened again during the scan.
    fn install(&self, uri: &Uri, id: u64, doc: Option<Document>, path: Option<PathBuf>) -> Option<Publish> {
        let mut st = self.state();
        if st.opening.get(uri).map(|o| o.id) != Some(id) {
            return None;
        }
        let opening = st.opening.remove(uri)?;
        let Some(mut doc) = doc else {
            tracing::error!("the scan of an opened document failed; it is not checked");
            return None;
        };
        // Settings may have changed during the scan.
        let project = st.project_for(path.as_deref());
        if !Arc::ptr_eq(&project.catalog, doc.catalog()) {
            doc.set_catalog(project.catalog.clone());
        }
        let enc = st.enc();
        for q in opening.queued {
            match q {
                Queued::Change(version, changes) => {
                    doc.version = version;
                    doc.apply(changes, enc);
                }
                Queued::Width(columns) => doc.set_columns(Some(columns)),
            }
        }
        tracing::debug!(bytes = doc.scanned, "opened a large document");
        st.docs.insert(uri.clone(), Open { doc, path, project, published: None });
        st.publish(uri)
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
        if !(2..=errsig::scan::MAX_COLUMNS).contains(&params.columns) {
            tracing::warn!(columns = params.columns, "{}: a width outside 2..=65536 is ignored", ext::TERMINAL_WIDTH);
            return;
        }
        let publish = {
            let mut st = self.state();
            if let Some(o) = st.opening.get_mut(&params.uri) {
                o.queued.push(Queued::Width(params.columns));
                return;
            }
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
        // The same bounds as `errsig/terminalWidth`.
        let columns = params.columns.filter(|c| {
            let ok = (2..=errsig::scan::MAX_COLUMNS).contains(c);
            if !ok {
                tracing::warn!(columns = c, "{}: a width outside 2..=65536 is ignored", ext::SCAN_TEXT);
            }
            ok
        });
        let (catalog, enc) = {
            let mut st = self.state();
            let project = st.project_for(None);
            (project.catalog.clone(), st.enc())
        };
        // Off the handler slots: the scan is CPU work, and awaiting it keeps
        // the request cancellable.
        let found = tokio::task::spawn_blocking(move || {
            let found = errsig::scan_bytes(catalog, columns, params.text.as_bytes());
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
        self.settled(&params.uri).await;
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
            checkpoints: open.doc.checkpoints(),
            held_bytes: open.doc.held_bytes(),
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
                        st.messages.push(format!("errsig: invalid initialization settings ({e}); using defaults"));
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
        let mut doc = params.text_document;
        doc.text = self.stash.resolve(std::mem::take(&mut doc.text));
        let kind = Kind::of_scheme(doc.uri.scheme().map_or("", |s| s.as_str()));
        let publish = {
            let mut st = self.state();
            if kind.is_terminal() && !st.settings.terminals {
                return;
            }
            let path = file_path(&doc.uri);
            let project = st.project_for(path.as_deref());
            let columns = match kind {
                Kind::NvimTerminal => st.widths.remove(&doc.uri),
                _ => None,
            };
            // Opened again: an earlier open still being scanned is stale.
            st.opening.remove(&doc.uri);
            if doc.text.len() >= OFF_THREAD {
                st.docs.remove(&doc.uri);
                st.last_open += 1;
                let id = st.last_open;
                st.opening.insert(doc.uri.clone(), Opening { id, queued: Vec::new() });
                drop(st);
                let me = self.clone();
                tokio::spawn(async move {
                    let catalog = project.catalog.clone();
                    let (uri, version, text) = (doc.uri, doc.version, doc.text);
                    let permit = me.scans.clone().acquire_owned().await;
                    let scan = move || Document::open(kind, text, version, catalog, columns);
                    let doc = tokio::task::spawn_blocking(scan).await.ok();
                    drop(permit);
                    let publish = me.install(&uri, id, doc, path);
                    me.opened.notify_waiters();
                    me.send(publish).await;
                    let last = me.state().last_open;
                    if me.state().opening.is_empty() {
                        // Perhaps the last of a burst of opens. Once no
                        // other has come for a moment, give back what the
                        // scans freed (not during the burst: trimming takes
                        // the arenas' locks the scans allocate under).
                        let me = me.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                            let quiet = {
                                let st = me.state();
                                st.opening.is_empty() && st.last_open == last
                            };
                            if quiet {
                                tokio::task::spawn_blocking(release_freed_memory);
                            }
                        });
                    }
                });
                return;
            }
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
            if let Some(o) = st.opening.get_mut(&uri) {
                o.queued.push(Queued::Change(params.text_document.version, params.content_changes));
                return;
            }
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
            // Closed while being opened: nothing was published yet.
            st.opening.remove(&params.text_document.uri);
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
        self.settled(&params.text_document.uri).await;
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
        self.settled(&p.text_document.uri).await;
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
        self.settled(&params.text_document.uri).await;
        let st = self.state();
        let Some(open) = st.docs.get(&params.text_document.uri) else {
            return Ok(None);
        };
        let list = actions::code_actions(&params, open, &st);
        Ok((!list.is_empty()).then_some(list))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        // A command about a document (explain, report, suppress) waits for it.
        let uri = params.arguments.first().and_then(|a| a.get("uri")).and_then(|u| u.as_str()?.parse::<Uri>().ok());
        if let Some(uri) = uri {
            self.settled(&uri).await;
        }
        actions::execute(self, params).await
    }
}
