//! Command-line faces of the binary. Only this layer does I/O.

mod output;
mod scan;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit statuses, the contract for CI.
pub mod exit {
    /// Nothing found.
    pub const CLEAN: u8 = 0;
    /// Findings.
    pub const FOUND: u8 = 1;
    /// Usage or I/O error (wins over findings).
    pub const ERROR: u8 = 2;
}

#[derive(Parser)]
#[command(name = "errsig", version, about = "Recognise Anthropic API errors in logs and terminal transcripts", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, directories or standard input for API errors.
    Scan(scan::Args),
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
    };
    ExitCode::from(code)
}
