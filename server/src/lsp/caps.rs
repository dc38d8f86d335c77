//! What was negotiated with the client at `initialize`, in one struct.

use super::document::Encoding;
use super::ext::ClientCommand;
use super::settings::InitOptions;
use std::collections::HashSet;
use tower_lsp_server::lsp_types::{InitializeParams, PositionEncodingKind};

/// The client's capabilities and options, as the server uses them.
#[derive(Debug, Clone, Default)]
pub struct ClientCaps {
    /// How positions count columns.
    pub encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`).
    pub pull: bool,
    /// The client can be asked to pull diagnostics again.
    pub refresh_support: bool,
    /// Client-side commands the client implements (unknown ids are ignored).
    pub client_commands: HashSet<ClientCommand>,
    /// `window/showDocument`.
    pub show_document: bool,
    /// `workspace/configuration`.
    pub configuration: bool,
    /// `window/workDoneProgress`.
    pub work_done_progress: bool,
    /// The client's workspace is trusted (fixes, suppressions and the live
    /// check need it). Default true: only VS Code has untrusted workspaces.
    pub trusted: bool,
}

impl ClientCaps {
    /// Read them from the `initialize` request.
    pub fn negotiate(params: &InitializeParams, options: &InitOptions) -> ClientCaps {
        let caps = &params.capabilities;
        let offered = caps.general.as_ref().and_then(|g| g.position_encodings.as_ref());
        let encoding = if offered.is_some_and(|v| v.contains(&PositionEncodingKind::UTF8)) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        ClientCaps {
            encoding,
            pull: caps.text_document.as_ref().is_some_and(|t| t.diagnostic.is_some()),
            // The spec's key is `workspace.diagnostics`; lsp-types 0.97 reads
            // `workspace.diagnostic`, so the clients' answer never arrives.
            // Every client that pulls diagnostics (3.17) also supports the
            // refresh request; assume it unless told otherwise.
            refresh_support: caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostic.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(true),
            client_commands: options.client_commands.iter().filter_map(|c| c.parse().ok()).collect(),
            show_document: caps.window.as_ref().and_then(|w| w.show_document.as_ref()).is_some_and(|s| s.support),
            configuration: caps.workspace.as_ref().and_then(|w| w.configuration).unwrap_or(false),
            work_done_progress: caps.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false),
            trusted: options.trusted.unwrap_or(true),
        }
    }

    /// Whether the client runs this command itself.
    pub fn has(&self, c: ClientCommand) -> bool {
        self.client_commands.contains(&c)
    }

    /// The position encoding to announce.
    pub fn position_encoding(&self) -> PositionEncodingKind {
        match self.encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}
