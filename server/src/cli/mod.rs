//! Command-line faces of the binary. Only this layer (and, later, the
//! language server and the doctor) does I/O.

mod doctor;
mod explain;
mod report;
mod scan;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit statuses: the contract for CI.
pub mod exit {
    /// Nothing at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// Findings at or above `--fail-on`.
    pub const FOUND: u8 = 1;
    /// Usage or I/O error (wins over findings).
    pub const ERROR: u8 = 2;
}

#[derive(Parser)]
#[command(
    name = "errsig",
    version,
    about = "Recognise Anthropic API errors in logs and terminal transcripts, explain them, fix them",
    after_help = "Exit status: 0 nothing found (at or above --fail-on), 1 findings, 2 usage or I/O error.\n\
                  Configuration: the first .errsig.toml in the current directory or its parents."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, directories or standard input for API errors.
    Scan(scan::Args),
    /// List the rule catalog: id, severity, title.
    Rules(explain::RulesArgs),
    /// Print the full explanation of a rule (RULE_ID) or of the finding at FILE:LINE, as markdown.
    Explain(explain::ExplainArgs),
    /// Run the language server on standard input and output.
    Lsp(LspArgs),
    /// Check which cause applies on this machine (credentials, settings, tools, CI) and fix it safely.
    Doctor(doctor::Args),
}

#[derive(clap::Args)]
struct LspArgs {
    /// Accepted for vscode-languageclient, which passes it; stdio is the only transport.
    #[arg(long)]
    stdio: bool,
}

/// Parse the command line and run.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::ERROR } else { exit::CLEAN };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(args) => explain::rules(args),
        Command::Explain(args) => explain::explain(args),
        Command::Lsp(_) => crate::lsp::run(),
        Command::Doctor(args) => doctor::run(args),
    };
    ExitCode::from(code)
}
