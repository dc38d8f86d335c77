//! Output formats. Each reporter gets every finding as it is made (so a
//! pipe's findings are printed at once) and a summary at the end.

mod count;
mod github;
mod human;
mod json;
mod sarif;

use errsig::rules::{Catalog, Severity};
use errsig::Finding;
use std::io::{self, Write};
use std::sync::Arc;

pub use count::{Count, Quiet};
pub use human::Human;
#[cfg(test)]
pub(super) use json::record_schema;

/// The formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style messages for people, coloured on a terminal.
    Human,
    /// JSON Lines: one object per finding.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the run.
    Github,
}

/// Text from a scanned file made safe for a terminal or a CI log: control
/// characters (escape sequences that could set a title, write the clipboard
/// or fake a workflow command) become visible replacement characters.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        s.chars()
            .map(|c| if c.is_control() && c != '\n' && c != '\t' { '\u{fffd}' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Totals for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Files scanned.
    pub files: usize,
    /// Whether standard input was scanned too (it is not a file).
    pub stdin: bool,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings by severity.
    pub errors: usize,
    /// Findings by severity.
    pub warnings: usize,
    /// Findings by severity.
    pub infos: usize,
}

impl Stats {
    /// Count a finding.
    pub fn count(&mut self, s: Severity) {
        match s {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

/// A finding with what a reporter may show besides it.
pub struct Item<'a> {
    /// Path as given (or `<stdin>`).
    pub path: &'a str,
    /// The finding.
    pub finding: &'a Finding,
}

/// An output format.
pub trait Reporter {
    /// One finding, as soon as it is made.
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()>;
    /// The end of a batch of findings that were found together: write out
    /// what is buffered, so that a reader of the output sees them now.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// The end of one file (or of standard input), named as in its items.
    fn file_done(&mut self, _path: &str) -> io::Result<()> {
        Ok(())
    }
    /// The end of the run.
    fn finish(&mut self, stats: &Stats) -> io::Result<()>;
}

/// The reporter for `format`, writing to `out`.
pub fn reporter(
    format: Format,
    out: Box<dyn Write>,
    catalog: Arc<Catalog>,
    color: anstream::ColorChoice,
) -> Box<dyn Reporter> {
    match format {
        Format::Human => Box::new(Human::new(out, color)),
        Format::Json => Box::new(json::Json::new(out)),
        Format::Sarif => Box::new(sarif::Sarif::new(out, catalog)),
        Format::Github => Box::new(github::Github::new(out)),
    }
}
