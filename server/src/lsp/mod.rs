//! `errsig lsp`: the language server (tower-lsp-server 0.22 on tokio).
//!
//! Documents are any text a client sends: log files, untitled buffers,
//! Neovim terminal buffers (`term://`, hard-wrapped at the width the client
//! reports with `errsig/terminalWidth`) and VS Code terminal documents
//! (`errsig-terminal:`, raw chunks). Every change is applied under a plain
//! mutex before the handler's first `.await`, and re-scans only what it
//! touched (see `document.rs`). Anything that waits for the user or the
//! network runs as its own task, so it never holds one of the four handler
//! slots a streaming terminal's `didChange` needs.
//!
//! Only this module knows LSP types.

mod actions;
mod diagnostics;
mod doctor;
mod document;
mod hover;
mod settings;
mod suppress;

use document::{Document, Encoding, Kind};
use serde::{Deserialize, Serialize};
use settings::{InitOptions, Project, Settings};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server, UriExt};

/// Command ids the server executes itself (listed in `executeCommandProvider`).
pub const SERVER_COMMANDS: &[&str] =
    &[actions::EXPLAIN, actions::WRITE_REPORT, actions::SUPPRESS, actions::SHOW_COMMAND];

/// Run the server on stdin/stdout until the client says exit.
pub fn run() -> u8 {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ERRSIG_LOG").unwrap_or_else(|_| "errsig=info".into()),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("errsig: cannot start the language server: {e}");
            return 2;
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::build(Backend::new)
            .custom_method("errsig/terminalWidth", Backend::terminal_width)
            .custom_method("errsig/scanText", Backend::scan_text)
            .custom_method("errsig/debugStats", Backend::debug_stats)
            .finish();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service).await;
    });
    0
}

/// One open document with what belongs to it.
struct Open {
    doc: Document,
    /// The file behind it, for `file:` URIs.
    path: Option<PathBuf>,
    project: Arc<Project>,
    /// The version last published (publishing never goes backwards).
    published: Option<i32>,
}

#[derive(Default)]
struct State {
    docs: HashMap<Uri, Open>,
    /// Widths reported before the terminal document was opened.
    widths: HashMap<Uri, usize>,
    encoding: Option<Encoding>,
    pull: bool,
    /// The client can be asked to pull diagnostics again.
    refresh_support: bool,
    /// Diagnostics changed outside a change the client made (a width, a
    /// suppression, new settings): a pulling client must be told.
    needs_refresh: bool,
    client_commands: HashSet<String>,
    show_document: bool,
    configuration: bool,
    work_done_progress: bool,
    /// The client's workspace is trusted (fixes and the live check need it).
    trusted: bool,
    settings: Settings,
    folders: Vec<PathBuf>,
    projects: HashMap<PathBuf, Arc<Project>>,
    /// Problems to tell the user about (bad configuration), sent after the
    /// lock is released.
    messages: Vec<String>,
}

/// The server. Cloning it is cheap: spawned tasks take a clone.
#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
}

/// Diagnostics to publish once the lock is released.
struct Publish {
    uri: Uri,
    diagnostics: Vec<Diagnostic>,
    version: Option<i32>,
}

#[derive(Debug, Deserialize)]
struct TerminalWidthParams {
    uri: Uri,
    columns: usize,
}

#[derive(Debug, Deserialize)]
struct ScanTextParams {
    text: String,
    columns: Option<usize>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct TextFinding {
    line: u32,
    start_character: u32,
    end_line: u32,
    end_character: u32,
    rule: String,
    title: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct DebugStatsParams {
    uri: Uri,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DebugStats {
    kind: &'static str,
    bytes_scanned: u64,
    last_scan: u64,
    lines: usize,
    removed: u32,
    findings: usize,
    columns: Option<usize>,
}

impl State {
    fn enc(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }

    /// The project of a document: the nearest `.errsig.toml` above it (not
    /// above its workspace folder), else the workspace folder's defaults.
    fn project_for(&mut self, path: Option<&Path>) -> Arc<Project> {
        let dir = path.and_then(Path::parent).map(Path::to_path_buf).or_else(|| self.folders.first().cloned());
        let folder = dir.as_deref().and_then(|d| self.folders.iter().find(|f| d.starts_with(f))).cloned();
        let file = dir.as_deref().and_then(|d| settings::discover(d, folder.as_deref()));
        let key = file.clone().or(folder.clone()).unwrap_or_default();
        if let Some(p) = self.projects.get(&key) {
            return p.clone();
        }
        let mut project = match &file {
            Some(f) => match Project::load(f) {
                Ok(p) => p,
                Err(e) => {
                    self.messages.push(format!("errsig: {e} — using the built-in rules"));
                    Project::builtin(f.parent().map(Path::to_path_buf))
                }
            },
            None => Project::builtin(folder),
        };
        project.user_severity = self.settings.severity.clone();
        let project = Arc::new(project);
        self.projects.insert(key, project.clone());
        project
    }

    fn publish(&mut self, uri: &Uri) -> Option<Publish> {
        let enc = self.enc();
        let pull = self.pull;
        let open = self.docs.get_mut(uri)?;
        // A client pulls diagnostics for the documents it owns; terminal
        // documents are sent by the client's own code and never pulled, so
        // they are pushed (and never answered to a pull: never both).
        if pull && !open.doc.kind.is_terminal() {
            return None;
        }
        if open.published.is_some_and(|v| v > open.doc.version) {
            return None;
        }
        open.published = Some(open.doc.version);
        Some(Publish {
            uri: uri.clone(),
            diagnostics: diagnostics::diagnostics(uri, &open.doc, &open.project, open.path.as_deref(), enc),
            version: Some(open.doc.version),
        })
    }

    /// Configuration changed: reload projects, rescan and republish everything.
    fn reload(&mut self) -> Vec<Publish> {
        self.needs_refresh = self.pull;
        self.projects.clear();
        let uris: Vec<Uri> = self.docs.keys().cloned().collect();
        let mut out = Vec::new();
        for uri in uris {
            let path = self.docs[&uri].path.clone();
            let project = self.project_for(path.as_deref());
            if let Some(open) = self.docs.get_mut(&uri) {
                if !Arc::ptr_eq(&open.project.catalog, &project.catalog) {
                    open.doc.set_catalog(project.catalog.clone());
                }
                open.project = project;
                open.published = None;
            }
            out.extend(self.publish(&uri));
        }
        out
    }
}

impl Backend {
    fn new(client: Client) -> Self {
        Backend { client, state: Arc::new(Mutex::new(State::default())) }
    }

    /// The state. A handler that panicked while holding the lock leaves the
    /// documents as they were; keep serving them.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn send(&self, publish: impl IntoIterator<Item = Publish>) {
        for p in publish {
            self.client.publish_diagnostics(p.uri, p.diagnostics, p.version).await;
        }
        let refresh = {
            let mut st = self.state();
            std::mem::take(&mut st.needs_refresh) && st.refresh_support
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

    async fn terminal_width(&self, params: TerminalWidthParams) {
        let publish = {
            let mut st = self.state();
            match st.docs.get_mut(&params.uri) {
                Some(open) => {
                    open.doc.set_columns(Some(params.columns).filter(|&c| c > 0));
                    open.published = None;
                    st.needs_refresh = st.pull;
                    st.publish(&params.uri)
                }
                None => {
                    st.widths.insert(params.uri, params.columns);
                    None
                }
            }
        };
        self.send(publish).await;
    }

    async fn scan_text(&self, params: ScanTextParams) -> Result<Vec<TextFinding>> {
        let (catalog, enc) = {
            let mut st = self.state();
            let project = st.project_for(None);
            (project.catalog.clone(), st.enc())
        };
        let found = errsig::scan_bytes(catalog, params.columns, params.text.as_bytes());
        Ok(found
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
            .collect())
    }

    async fn debug_stats(&self, params: DebugStatsParams) -> Result<DebugStats> {
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
    fn request_ids(&self) -> Vec<String> {
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
fn file_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().map(|s| s.as_str()) != Some("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

fn encoding(params: &InitializeParams) -> Encoding {
    let offered = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|v| v.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let enc = encoding(&params);
        let options: InitOptions = match params.initialization_options.clone() {
            Some(v) => {
                serde_json::from_value(v).map_err(|e| Error::invalid_params(format!("initializationOptions: {e}")))?
            }
            None => InitOptions::default(),
        };
        let caps = &params.capabilities;
        let pull = caps.text_document.as_ref().is_some_and(|t| t.diagnostic.is_some());
        {
            let mut st = self.state();
            st.encoding = Some(enc);
            st.pull = pull;
            // The spec's key is `workspace.diagnostics`; lsp-types 0.97 reads
            // `workspace.diagnostic`, so the clients' answer never arrives.
            // Every client that pulls diagnostics (3.17) also supports the
            // refresh request; assume it unless told otherwise.
            st.refresh_support = caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostic.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(true);
            st.client_commands = options.client_commands.iter().cloned().collect();
            st.trusted = options.trusted.unwrap_or(true);
            st.work_done_progress = caps.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false);
            st.show_document = caps.window.as_ref().and_then(|w| w.show_document.as_ref()).is_some_and(|s| s.support);
            st.configuration = caps.workspace.as_ref().and_then(|w| w.configuration).unwrap_or(false);
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
                position_encoding: Some(if enc == Encoding::Utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..CodeActionOptions::default()
                })),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: SERVER_COMMANDS.iter().map(|c| c.to_string()).collect(),
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
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo { name: "errsig".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.send(Vec::new()).await;
        if self.state().configuration {
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
            let doc = params.text_document;
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
            tracing::debug!(uri = doc.uri.as_str(), bytes = d.scanned, "opened");
            st.docs.insert(doc.uri.clone(), Open { doc: d, path, project, published: None });
            st.publish(&doc.uri)
        };
        self.send(publish).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let publish = {
            let mut st = self.state();
            let enc = st.enc();
            let uri = params.text_document.uri;
            let Some(open) = st.docs.get_mut(&uri) else {
                return;
            };
            open.doc.version = params.text_document.version;
            open.doc.apply(params.content_changes, enc);
            tracing::trace!(uri = uri.as_str(), rescanned = open.doc.last_scan, total = open.doc.scanned, "changed");
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
            (removed.map(|o| o.doc.kind.is_terminal()), st.pull)
        };
        if pushed.is_some_and(|terminal| terminal || !pull) {
            self.client.publish_diagnostics(params.text_document.uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let configuration = self.state().configuration;
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
        let st = self.state();
        let p = params.text_document_position_params;
        Ok(st.docs.get(&p.text_document.uri).and_then(|open| hover::hover(open, p.position.line, st.enc())))
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
