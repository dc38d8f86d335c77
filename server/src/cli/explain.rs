//! `errsig rules` and `errsig explain`.

use super::exit;
use super::scan::load;
use anyhow::{bail, Context, Result};
use errsig::explain::markdown;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct RulesArgs {
    /// More rules (TOML), as for `scan`.
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A rule id (`403-permission-denied`) or FILE:LINE of a finding.
    what: String,
    /// More rules (TOML), as for `scan`.
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Terminal width of the transcript, for FILE:LINE (inferred when absent).
    #[arg(long, value_name = "N")]
    columns: Option<usize>,
}

pub fn rules(args: RulesArgs) -> u8 {
    let (catalog, config, _) = match load(&args.rules) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("errsig: {e:#}");
            return exit::ERROR;
        }
    };
    let width = catalog.rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for r in catalog.rules() {
        let sev = config.severity.get(&r.id).copied().unwrap_or(r.severity);
        if writeln!(out, "{:width$}  {:7}  {}", r.id, sev.to_string(), r.title).is_err() {
            break;
        }
    }
    exit::CLEAN
}

pub fn explain(args: ExplainArgs) -> u8 {
    match explain_text(&args) {
        Ok(md) => {
            let _ = writeln!(std::io::stdout().lock(), "{md}");
            exit::CLEAN
        }
        Err(e) => {
            eprintln!("errsig: {e:#}");
            exit::ERROR
        }
    }
}

fn explain_text(args: &ExplainArgs) -> Result<String> {
    let (catalog, config, _) = load(&args.rules)?;
    if let Some(rule) = catalog.get(&args.what) {
        return Ok(markdown(rule, None));
    }
    let Some((file, line)) = args.what.rsplit_once(':').and_then(|(f, l)| Some((f, l.parse::<u32>().ok()?))) else {
        bail!("`{}` is neither a rule id (see `errsig rules`) nor FILE:LINE", args.what);
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
    let columns = args.columns.or(config.columns).or_else(|| errsig::infer_columns(&bytes[..bytes.len().min(1 << 20)]));
    let found = errsig::scan_bytes(Arc::new(catalog), columns, &bytes);
    let hit = found
        .iter()
        .find(|f| (f.event.start.line + 1..=f.event.end.line + 1).contains(&line))
        .with_context(|| format!("no finding on {file}:{line}"))?;
    Ok(markdown(&hit.rule, Some(&hit.event)))
}
