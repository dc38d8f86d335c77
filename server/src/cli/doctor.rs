//! `errsig doctor`: the checks, the fixes and `--restore`.

use super::exit;
use crate::doctor::{self, fix, host::Host, render, Options};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Send one live request (GET /v1/models) with the credential `claude -p` would use.
    #[arg(long)]
    probe: bool,
    /// Allow running the apiKeyHelper (its output is never shown).
    #[arg(long)]
    run_helper: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Show what a fix would do (dry run); with --yes, do it.
    #[arg(long, value_name = "ID", value_parser = clap::builder::PossibleValuesParser::new(["move-credentials", "unset-env", "unset-shadowing-env", "keychain"]))]
    fix: Option<String>,
    /// Apply the fix (and allow probing a base URL that comes from a project file).
    #[arg(long)]
    yes: bool,
    /// Put a backup made by a fix back where it came from.
    #[arg(long, value_name = "BACKUP", conflicts_with = "fix")]
    restore: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Markdown,
}

pub fn run(args: Args) -> u8 {
    if let Some(b) = &args.restore {
        return match fix::restore(b) {
            Ok(msg) => {
                println!("{msg}");
                exit::CLEAN
            }
            Err(e) => {
                eprintln!("errsig: {e}");
                exit::ERROR
            }
        };
    }
    let host = match Host::current() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("errsig: doctor cannot run: {e}");
            return exit::ERROR;
        }
    };
    if let Some(id) = &args.fix {
        let sources = doctor::checks::settings::read_all(&host);
        let plan = match fix::plan(&host, &sources, id) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("errsig: {e}");
                return exit::ERROR;
            }
        };
        println!("fix {}:", plan.id);
        for s in &plan.steps {
            println!("  {s}");
        }
        let confirmed = args.yes
            || (!plan.changes.is_empty() && std::io::stdin().is_terminal() && ask("Apply these changes? [y/N] "));
        if plan.changes.is_empty() {
            println!("nothing for errsig to change.");
            return exit::CLEAN;
        }
        if !confirmed {
            println!("dry run: nothing changed. Re-run with --yes to apply.");
            return exit::CLEAN;
        }
        return match fix::apply(&plan) {
            Ok(done) => {
                for d in done {
                    println!("done: {d}");
                }
                exit::CLEAN
            }
            Err(e) => {
                eprintln!("errsig: {e}");
                exit::ERROR
            }
        };
    }
    let report = doctor::run(&host, &Options { probe: args.probe, run_helper: args.run_helper, yes: args.yes });
    let text = match args.format {
        Format::Human => render::human(&report),
        Format::Json => render::json(&report),
        Format::Markdown => render::markdown(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.has_problems() {
        exit::FOUND
    } else {
        exit::CLEAN
    }
}

fn ask(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
}
