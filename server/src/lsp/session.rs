//! The server's state: open documents, the projects they belong to, the
//! user's settings and what was negotiated with the client. Handlers change
//! it under one plain mutex, never across an `.await`.

use super::caps::ClientCaps;
use super::diagnostics;
use super::document::{Document, Encoding};
use super::settings::{self, Settings};
use errsig::Project;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::lsp_types::{Diagnostic, TextDocumentContentChangeEvent, Uri};

/// One open document with what belongs to it.
pub struct Open {
    /// The text and its findings.
    pub doc: Document,
    /// The file behind it, for `file:` URIs.
    pub path: Option<PathBuf>,
    /// The project whose rules and configuration apply.
    pub project: Arc<Project>,
    /// The version last published (publishing never goes backwards).
    pub published: Option<i32>,
}

/// A large document being scanned off the handlers: what arrives for it
/// meanwhile waits here, in order, and is applied when the scan is in.
pub struct Opening {
    /// Which open this is (a re-open or a close makes the scan's result stale).
    pub id: u64,
    /// Changes and widths that arrived during the scan.
    pub queued: Vec<Queued>,
}

/// What arrived for a document still being opened.
pub enum Queued {
    /// `didChange`: the new version and its changes.
    Change(i32, Vec<TextDocumentContentChangeEvent>),
    /// `errsig/terminalWidth`.
    Width(usize),
}

/// Everything the handlers share.
#[derive(Default)]
pub struct State {
    /// Open documents.
    pub docs: HashMap<Uri, Open>,
    /// Large documents being scanned off the handlers (not in `docs` yet).
    pub opening: HashMap<Uri, Opening>,
    /// The id of the last open scanned off the handlers.
    pub last_open: u64,
    /// Widths reported before the terminal document was opened.
    pub widths: HashMap<Uri, usize>,
    /// What the client negotiated.
    pub caps: ClientCaps,
    /// Diagnostics changed outside a change the client made (a width, a
    /// suppression, new settings): a pulling client must be told.
    pub needs_refresh: bool,
    /// The user's settings.
    pub settings: Settings,
    /// Workspace folders (may be none: an editor started outside a project).
    pub folders: Vec<PathBuf>,
    projects: HashMap<PathBuf, Arc<Project>>,
    /// During a reload, the projects before it: a project whose rules did
    /// not change keeps its catalog, so its documents are not re-scanned.
    previous: HashMap<PathBuf, Arc<Project>>,
    /// Problems to tell the user about (bad configuration), sent after the
    /// lock is released.
    pub messages: Vec<String>,
}

/// Diagnostics to publish once the lock is released.
pub struct Publish {
    /// The document.
    pub uri: Uri,
    /// Its diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The version they are for.
    pub version: Option<i32>,
}

impl State {
    /// The negotiated position encoding.
    pub fn enc(&self) -> Encoding {
        self.caps.encoding
    }

    /// The project of a document: the nearest `.errsig.toml` above it (not
    /// above its workspace folder), else the workspace folder's defaults.
    pub fn project_for(&mut self, path: Option<&Path>) -> Arc<Project> {
        let dir = path.and_then(Path::parent).map(Path::to_path_buf).or_else(|| self.folders.first().cloned());
        let folder = dir.as_deref().and_then(|d| self.folders.iter().find(|f| d.starts_with(f))).cloned();
        let file = dir.as_deref().and_then(|d| settings::discover(d, folder.as_deref()));
        let key = file.clone().or(folder.clone()).unwrap_or_default();
        if let Some(p) = self.projects.get(&key) {
            return p.clone();
        }
        let mut project = match &file {
            Some(f) => match settings::load(f) {
                Ok(p) => p,
                Err(e) => {
                    self.messages.push(format!("errsig: {e} — using the built-in rules"));
                    settings::builtin_project(f.parent().map(Path::to_path_buf))
                }
            },
            None => settings::builtin_project(folder),
        };
        project.user_severity = self.settings.severity.clone();
        if let Some(old) = self.previous.get(&key) {
            if project.same_rules(old) {
                project.catalog = old.catalog.clone();
            }
        }
        let project = Arc::new(project);
        self.projects.insert(key, project.clone());
        project
    }

    /// The diagnostics of a document, if they are to be pushed now.
    pub fn publish(&mut self, uri: &Uri) -> Option<Publish> {
        let enc = self.enc();
        let pull = self.caps.pull;
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

    /// Configuration changed: reload projects and republish everything.
    /// Only documents whose rules changed are re-scanned; for the others
    /// (a severity, a suppression) the findings they hold are re-mapped.
    pub fn reload(&mut self) -> Vec<Publish> {
        self.needs_refresh = self.caps.pull;
        self.previous = std::mem::take(&mut self.projects);
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
        self.previous.clear();
        out
    }
}
