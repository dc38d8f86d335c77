//! `errsig doctor`: the checks and the ranked cause (for an error with
//! `--for FILE:LINE` or `--rule ID`), the fixes, `--restore` and `--backups`.

use super::exit;
use super::scan::load;
use crate::doctor::cause::ErrorContext;
use crate::doctor::error::DoctorError;
use crate::doctor::fix::{self, FixId, Store};
use crate::doctor::host::{Hooks, Host};
use crate::doctor::{self, render, Options};
use std::io::{IsTerminal, Write};

#[derive(clap::Args)]
pub struct Args {
    /// Rank the causes for the finding at FILE:LINE (a log or transcript).
    #[arg(long = "for", value_name = "FILE:LINE", conflicts_with = "rule")]
    for_finding: Option<String>,
    /// Rank the causes for an error of this rule (`errsig rules` lists them).
    #[arg(long, value_name = "ID")]
    rule: Option<String>,
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
    #[arg(long, value_name = "ID", value_enum)]
    fix: Option<FixId>,
    /// Apply the fix (and allow probing a base URL that comes from a project file).
    #[arg(long)]
    yes: bool,
    /// Put a backup made by a fix back where it came from (its id, or its path).
    #[arg(long, value_name = "ID|PATH", conflicts_with = "fix")]
    restore: Option<String>,
    /// List the backups fixes made (id, time, original path).
    #[arg(long, conflicts_with_all = ["fix", "restore"])]
    backups: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Markdown,
}

pub fn run(args: Args) -> u8 {
    match run_inner(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("errsig: {e}");
            exit::ERROR
        }
    }
}

/// The error given with `--for` or `--rule`.
fn error_context(args: &Args) -> Result<Option<ErrorContext>, DoctorError> {
    if args.for_finding.is_none() && args.rule.is_none() {
        return Ok(None);
    }
    let project = load(&[]).map_err(|e| DoctorError::Finding(format!("{e:#}")))?;
    let catalog = &project.catalog;
    if let Some(id) = &args.rule {
        let rule =
            catalog.get(id).ok_or_else(|| DoctorError::Finding(format!("no rule `{id}` (see `errsig rules`)")))?;
        return Ok(Some(ErrorContext::for_rule(rule)));
    }
    let what = args.for_finding.as_deref().unwrap_or("");
    let (file, line) = what
        .rsplit_once(':')
        .and_then(|(f, l)| Some((f, l.parse::<u32>().ok()?)))
        .ok_or_else(|| DoctorError::Finding(format!("`{what}` is not FILE:LINE")))?;
    let bytes = std::fs::read(file).map_err(|source| DoctorError::Read { path: file.into(), source })?;
    let columns = project.columns().or_else(|| errsig::infer_columns(&bytes[..bytes.len().min(1 << 20)]));
    let found = errsig::scan_bytes(catalog.clone(), columns, &bytes);
    let hit = found
        .iter()
        .find(|f| (f.event.start.line + 1..=f.event.end.line + 1).contains(&line))
        .ok_or_else(|| DoctorError::Finding(format!("no finding on {file}:{line}")))?;
    Ok(Some(ErrorContext::for_finding(&hit.rule, &hit.event)))
}

fn run_inner(args: &Args) -> Result<u8, DoctorError> {
    // The test hooks are read here, once, and passed in.
    let vars = std::env::vars().collect();
    let hooks = Hooks::from_vars(&vars);
    let host = Host::current(hooks)?;
    let store = Store::new(host.backup_dir());
    if args.backups {
        let list = store.list()?;
        if list.is_empty() {
            println!("no backups in {}", store.dir().display());
        }
        for b in list {
            println!("{}  {}  {} (from --fix {})", b.id, b.made, b.original.display(), b.fix);
        }
        return Ok(exit::CLEAN);
    }
    if let Some(what) = &args.restore {
        println!("{}", store.restore(what)?);
        return Ok(exit::CLEAN);
    }
    if let Some(id) = args.fix {
        let sources = doctor::checks::settings::read_all(&host);
        let plan = fix::plan(&host, &sources, id)?;
        println!("fix {}:", plan.id);
        for s in &plan.steps {
            println!("  {s}");
        }
        if plan.changes.is_empty() {
            println!("nothing for errsig to change.");
            return Ok(exit::CLEAN);
        }
        let confirmed = args.yes || (std::io::stdin().is_terminal() && ask("Apply these changes? [y/N] "));
        if !confirmed {
            println!("dry run: nothing changed. Re-run with --yes to apply.");
            return Ok(exit::CLEAN);
        }
        for d in fix::apply(&plan)? {
            println!("done: {d}");
        }
        return Ok(exit::CLEAN);
    }
    let error = error_context(args)?;
    let options = Options { probe: args.probe, run_helper: args.run_helper, yes: args.yes, tools: true };
    let report = doctor::run(&host, &options, error);
    let text = match args.format {
        Format::Human => render::human(&report),
        Format::Json => render::json(&report),
        Format::Markdown => render::markdown(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(if report.has_cause() { exit::FOUND } else { exit::CLEAN })
}

fn ask(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
}
