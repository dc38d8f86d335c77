//! `errsig rules` and `errsig explain`.

use super::exit;
use super::scan::load;
use anyhow::{bail, Context, Result};
use errsig::explain::markdown;
use std::io::Write;
use std::path::PathBuf;

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
    let project = match load(&args.rules) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("errsig: {e:#}");
            return exit::ERROR;
        }
    };
    let rules = project.catalog.rules();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for r in rules {
        let sev = project.rule_severity(r);
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
    let project = load(&args.rules)?;
    if let Some(rule) = project.catalog.get(&args.what) {
        return Ok(markdown(rule, None));
    }
    let Some((file, line)) = args.what.rsplit_once(':').and_then(|(f, l)| Some((f, l.parse::<u32>().ok()?))) else {
        bail!("`{}` is neither a rule id (see `errsig rules`) nor FILE:LINE", args.what);
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
    let columns =
        args.columns.or(project.columns()).or_else(|| errsig::infer_columns(&bytes[..bytes.len().min(1 << 20)]));
    let found = errsig::scan_bytes(project.catalog.clone(), columns, &bytes);
    let Some(hit) = found.iter().find(|f| (f.event.start.line + 1..=f.event.end.line + 1).contains(&line)) else {
        bail!("{}", no_finding(file, line, found.iter().map(|f| f.event.start.line + 1)));
    };
    Ok(markdown(&hit.rule, Some(&hit.event)))
}

/// Why FILE:LINE has no explanation, naming the nearest finding's first line
/// (a line number off by a few is the usual slip: the log was edited, or the
/// error spans several lines), or saying the file has none.
fn no_finding(file: &str, line: u32, starts: impl Iterator<Item = u32>) -> String {
    match starts.min_by_key(|&l| (l.abs_diff(line), l)) {
        Some(near) => {
            format!("no finding on {file}:{line}; the nearest starts on line {near}: `errsig explain {file}:{near}`")
        }
        None => format!("no finding in {file} (`errsig scan {file}` finds none either)"),
    }
}

#[cfg(test)]
mod tests {
    use super::no_finding;

    #[test]
    fn the_nearest_finding_is_named() {
        assert_eq!(
            no_finding("ci.log", 7, [1, 12, 40].into_iter()),
            "no finding on ci.log:7; the nearest starts on line 12: `errsig explain ci.log:12`"
        );
        assert!(no_finding("ci.log", 6, [2, 10].into_iter()).contains("line 2:"), "a tie goes to the earlier");
        assert_eq!(
            no_finding("ci.log", 3, std::iter::empty()),
            "no finding in ci.log (`errsig scan ci.log` finds none either)"
        );
    }
}
