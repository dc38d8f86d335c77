//! Command-line faces of the binary. Only this layer (and, later, the
//! language server and the doctor) does I/O.

mod doctor;
mod explain;
mod input;
mod parallel;
mod pipe;
mod report;
mod scan;
#[cfg(test)]
mod schemas;

use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
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
    /// Print the completion script for SHELL (bash, zsh, fish, elvish, powershell) on standard output.
    #[command(after_help = "bash:  errsig completions bash > ~/.local/share/bash-completion/completions/errsig\n\
                            zsh:   errsig completions zsh > ~/.zfunc/_errsig   (with fpath+=~/.zfunc)\n\
                            fish:  errsig completions fish > ~/.config/fish/completions/errsig.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page, errsig(1), as roff on standard output (`errsig man | man -l -`).
    Man,
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
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
        Command::Completions(args) => completions(args.shell),
        Command::Man => man(),
    };
    ExitCode::from(code)
}

/// `errsig completions SHELL`: generated from the same clap definition as
/// the parser, so the scripts cannot drift from the flags.
fn completions(shell: clap_complete::Shell) -> u8 {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "errsig", &mut out);
    write_stdout(&out)
}

/// `errsig man`: errsig(1), with a section per subcommand (its synopsis,
/// description and options) so that `man errsig` holds the whole contract,
/// as ripgrep's single page does.
fn man() -> u8 {
    match man_page() {
        Ok(page) => write_stdout(page.as_bytes()),
        Err(e) => {
            eprintln!("errsig: cannot render the manual page: {e}");
            exit::ERROR
        }
    }
}

fn man_page() -> std::io::Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    page.render_title(&mut out)?;
    page.render_name_section(&mut out)?;
    page.render_synopsis_section(&mut out)?;
    page.render_description_section(&mut out)?;
    let mut list = Vec::new();
    page.render_subcommands_section(&mut list)?;
    let mut list = String::from_utf8_lossy(&list).into_owned();
    for sub in cmd.get_subcommands() {
        // The subcommands are sections of this page, not pages of their own.
        list = list.replace(&format!("errsig\\-{}(1)", sub.get_name()), &format!("\\fBerrsig {}\\fR", sub.get_name()));
    }
    out.extend_from_slice(list.as_bytes());
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("errsig {}", sub.get_name());
        let sub_page = clap_mangen::Man::new(sub.clone().name(name.clone()).bin_name(name.clone()));
        let mut section = Vec::new();
        sub_page.render_synopsis_section(&mut section)?;
        sub_page.render_description_section(&mut section)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            sub_page.render_options_section(&mut section)?;
        }
        if sub.get_after_help().is_some() {
            sub_page.render_extra_section(&mut section)?;
        }
        // clap_mangen renders a page per command; on one page a
        // subcommand's sections become subsections under its name.
        let text = String::from_utf8_lossy(&section)
            .replacen(".SH SYNOPSIS", &format!(".SH \"{}\"\n.SS Synopsis", name.to_uppercase()), 1)
            .replace(".SH DESCRIPTION", ".SS Description")
            .replace(".SH OPTIONS", ".SS Options")
            .replace(".SH EXTRA", ".SS Examples");
        out.extend_from_slice(text.as_bytes());
    }
    let mut notes = Vec::new();
    page.render_extra_section(&mut notes)?;
    out.extend_from_slice(String::from_utf8_lossy(&notes).replace(".SH EXTRA", ".SH \"EXIT STATUS\"").as_bytes());
    page.render_version_section(&mut out)?;
    // Every render starts with roff's apostrophe preamble: keep the first.
    let text = String::from_utf8_lossy(&out).into_owned();
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    Ok(match text.split_once(preamble) {
        Some((head, rest)) => format!("{head}{preamble}{}", rest.replace(preamble, "")),
        None => text,
    })
}

/// Write generated text to standard output; a closed pipe (`| head`) is not
/// an error.
fn write_stdout(bytes: &[u8]) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => exit::CLEAN,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::CLEAN,
        Err(e) => {
            eprintln!("errsig: cannot write output: {e}");
            exit::ERROR
        }
    }
}
