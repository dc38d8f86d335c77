//! errsig's extensions to the protocol, in one place: the command registry
//! and the `errsig/*` methods with their parameter and result types.
//! `editors/vscode/src/lsp_ext.ts` mirrors this file; the clients' tests
//! read the ids back from the server (`initialize`'s
//! `capabilities.experimental.errsig`), so a renamed id fails there.
//!
//! Commands are of two kinds. [`ServerCommand`]s are executed by the server
//! (`workspace/executeCommand`) and advertised in `executeCommandProvider`,
//! generated from [`ServerCommand::ALL`]. [`ClientCommand`]s are run by the
//! editor itself; a code action names one only when the client listed it in
//! `initializationOptions.clientCommands`. Every code action is built from
//! these types, so no action can name an id nobody implements.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;
use tower_lsp_server::lsp_types::{Command, Uri};

/// A command the server executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerCommand {
    /// Open the full explanation of a finding (`{uri, line}`).
    Explain,
    /// Write the finding's non-secret report to a file and show it (`{uri, line}`).
    WriteReport,
    /// Suppress a finding on its line, in its file or for the project
    /// (`{uri, line, rule, scope}`).
    Suppress,
    /// Show a shell command to run, for clients that cannot run it (`{command}`).
    ShowCommand,
    /// Run the doctor's local checks and show the report (no arguments).
    Doctor,
    /// The live key check, after a confirmation naming the host (no arguments).
    DoctorProbe,
    /// A doctor fix, after a confirmation showing its effect (`{id}`).
    DoctorFix,
}

impl ServerCommand {
    /// Every server command, in the order advertised.
    pub const ALL: [ServerCommand; 7] = [
        ServerCommand::Explain,
        ServerCommand::WriteReport,
        ServerCommand::Suppress,
        ServerCommand::ShowCommand,
        ServerCommand::Doctor,
        ServerCommand::DoctorProbe,
        ServerCommand::DoctorFix,
    ];

    /// The wire id.
    pub const fn id(self) -> &'static str {
        match self {
            ServerCommand::Explain => "errsig.explain",
            ServerCommand::WriteReport => "errsig.writeReport",
            ServerCommand::Suppress => "errsig.suppress",
            ServerCommand::ShowCommand => "errsig.showCommand",
            ServerCommand::Doctor => "errsig.doctor",
            ServerCommand::DoctorProbe => "errsig.doctor.probe",
            ServerCommand::DoctorFix => "errsig.doctor.fix",
        }
    }

    /// Whether it changes files or sends data: refused in an untrusted workspace.
    pub const fn changes_something(self) -> bool {
        matches!(self, ServerCommand::Suppress | ServerCommand::DoctorProbe | ServerCommand::DoctorFix)
    }

    /// An LSP command invoking it.
    pub fn command(self, title: impl Into<String>, args: Value) -> Command {
        Command { title: title.into(), command: self.id().into(), arguments: Some(vec![args]) }
    }
}

/// A command the editor runs itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientCommand {
    /// Run a shell command in the user's terminal (`{command, title?}`).
    RunInTerminal,
    /// Show markdown in a scratch document (`{title, markdown}`).
    OpenReport,
}

impl ClientCommand {
    /// Every client command the server knows.
    pub const ALL: [ClientCommand; 2] = [ClientCommand::RunInTerminal, ClientCommand::OpenReport];

    /// The wire id.
    pub const fn id(self) -> &'static str {
        match self {
            ClientCommand::RunInTerminal => "errsig.runInTerminal",
            ClientCommand::OpenReport => "errsig.openReport",
        }
    }

    /// An LSP command invoking it.
    pub fn command(self, title: impl Into<String>, args: Value) -> Command {
        Command { title: title.into(), command: self.id().into(), arguments: Some(vec![args]) }
    }
}

/// An id that is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown command {0}")]
pub struct UnknownCommand(pub String);

impl FromStr for ServerCommand {
    type Err = UnknownCommand;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServerCommand::ALL.into_iter().find(|c| c.id() == s).ok_or_else(|| UnknownCommand(s.into()))
    }
}

impl FromStr for ClientCommand {
    type Err = UnknownCommand;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClientCommand::ALL.into_iter().find(|c| c.id() == s).ok_or_else(|| UnknownCommand(s.into()))
    }
}

/// `errsig/terminalWidth` (notification): a Neovim terminal's width, for re-joining its hard wraps.
pub const TERMINAL_WIDTH: &str = "errsig/terminalWidth";
/// `errsig/scanText` (request): scan text that is not an open document.
pub const SCAN_TEXT: &str = "errsig/scanText";
/// `errsig/debugStats` (request): what the last change of a document cost (tests, benchmarks).
pub const DEBUG_STATS: &str = "errsig/debugStats";

/// Every `errsig/*` method.
pub const METHODS: [&str; 3] = [TERMINAL_WIDTH, SCAN_TEXT, DEBUG_STATS];

/// The most text `errsig/scanText` takes (a larger request is `InvalidParams`).
pub const MAX_SCAN_TEXT: usize = 4 * 1024 * 1024;

/// Params of [`TERMINAL_WIDTH`].
#[derive(Debug, Deserialize)]
pub struct TerminalWidthParams {
    /// The terminal document.
    pub uri: Uri,
    /// Its width in columns.
    pub columns: usize,
}

/// Params of [`SCAN_TEXT`].
#[derive(Debug, Deserialize)]
pub struct ScanTextParams {
    /// The text (at most [`MAX_SCAN_TEXT`] bytes).
    pub text: String,
    /// The width it was wrapped at, if any.
    pub columns: Option<usize>,
}

/// One finding of [`SCAN_TEXT`].
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TextFinding {
    /// First line (0-based).
    pub line: u32,
    /// Start character, in the negotiated encoding.
    pub start_character: u32,
    /// Last line (0-based).
    pub end_line: u32,
    /// End character, in the negotiated encoding.
    pub end_character: u32,
    /// Rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// The one-line headline.
    pub message: String,
}

/// Params of [`DEBUG_STATS`].
#[derive(Debug, Deserialize)]
pub struct DebugStatsParams {
    /// An open document.
    pub uri: Uri,
}

/// Result of [`DEBUG_STATS`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugStats {
    /// `file`, `nvim-terminal` or `vscode-terminal`.
    pub kind: &'static str,
    /// Bytes scanned since the document was opened.
    pub bytes_scanned: u64,
    /// Bytes scanned by the last change.
    pub last_scan: u64,
    /// Lines in the document.
    pub lines: usize,
    /// Lines trimmed from the top.
    pub removed: u32,
    /// Findings.
    pub findings: usize,
    /// The width used for wrapping.
    pub columns: Option<usize>,
    /// Checkpoints kept (scanner states to resume from; bounded).
    pub checkpoints: usize,
    /// Heap bytes the document holds, estimated from capacities: its text,
    /// its line index, its checkpoints and its findings.
    pub held_bytes: usize,
}

/// What the server tells clients about its extensions
/// (`capabilities.experimental.errsig`).
pub fn advertised() -> Value {
    serde_json::json!({
        "commands": ServerCommand::ALL.map(ServerCommand::id),
        "clientCommands": ClientCommand::ALL.map(ClientCommand::id),
        "methods": METHODS,
        "maxScanText": MAX_SCAN_TEXT,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_never_mean_two_things() {
        let mut seen = std::collections::HashSet::new();
        for c in ServerCommand::ALL {
            assert_eq!(c.id().parse::<ServerCommand>(), Ok(c));
            assert!(seen.insert(c.id()), "{} twice", c.id());
        }
        for c in ClientCommand::ALL {
            assert_eq!(c.id().parse::<ClientCommand>(), Ok(c));
            assert!(seen.insert(c.id()), "{} is both a server and a client command", c.id());
        }
        assert!("errsig.nothing".parse::<ServerCommand>().is_err());
    }
}
