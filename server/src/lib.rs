//! errsig: recognise Anthropic API errors where they show up — terminals, CI
//! logs, server logs — explain them and offer fixes.
//!
//! The crate is layered, and data flows one way:
//!
//! - [`scan`]: the detection engine. Bytes in, [`scan::Event`]s out; no I/O.
//! - [`rules`]: the rule catalog (TOML data) that names each event and says
//!   what it means, why it happens and how to fix it; no I/O either.
//! - [`Engine`] joins the two: a push-based scanner that yields [`Finding`]s.
//! - the faces (`errsig scan`, and later the language server and the doctor)
//!   sit on top and are the only parts that read files or talk to anyone.
#![warn(missing_docs)]

pub mod config;
pub mod explain;
pub mod report;
pub mod rules;
pub mod scan;

use rules::{Catalog, Rule, Severity};
use scan::{Event, ScanConfig, Scanner};
use std::sync::Arc;

/// An event named by a rule.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What was seen.
    pub event: Event,
    /// The rule it matched.
    pub rule: Arc<Rule>,
    /// Its severity (the rule's, unless configuration overrides it).
    pub severity: Severity,
}

/// The push-based scanner with its catalog: feed bytes, get findings.
#[derive(Debug, Clone)]
pub struct Engine {
    scanner: Scanner,
    catalog: Arc<Catalog>,
}

impl Engine {
    /// An engine for a document of unknown or known terminal width.
    pub fn new(catalog: Arc<Catalog>, columns: Option<usize>) -> Self {
        Engine::starting_at(catalog, columns, 0)
    }

    /// An engine whose first line is numbered `first_line`.
    pub fn starting_at(catalog: Arc<Catalog>, columns: Option<usize>, first_line: u32) -> Self {
        let config = ScanConfig { columns, context: Some(Arc::new(catalog.context_patterns())), first_line };
        Engine { scanner: Scanner::new(config), catalog }
    }

    /// The catalog the engine names findings with.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Feed a chunk; returns the findings completed by it.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Finding> {
        let mut events = Vec::new();
        self.scanner.feed(chunk, &mut events);
        self.name(events)
    }

    /// End of input: the remaining findings.
    pub fn finish(self) -> Vec<Finding> {
        let mut events = Vec::new();
        let catalog = self.catalog.clone();
        self.scanner.finish(&mut events);
        name_with(&catalog, events)
    }

    /// The findings `finish` would add now, without ending the input.
    pub fn pending(&self) -> Vec<Finding> {
        self.name(self.scanner.pending())
    }

    /// The findings settled now in a live document (see
    /// [`Scanner::pending_live`]).
    pub fn pending_live(&self) -> Vec<Finding> {
        self.name(self.scanner.pending_live())
    }

    /// The scanner underneath (bytes scanned, the current line).
    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    /// Set the terminal width for rows still to come.
    pub fn set_columns(&mut self, columns: Option<usize>) {
        self.scanner.set_columns(columns);
    }

    fn name(&self, events: Vec<Event>) -> Vec<Finding> {
        name_with(&self.catalog, events)
    }
}

fn name_with(catalog: &Catalog, events: Vec<Event>) -> Vec<Finding> {
    events
        .into_iter()
        .filter_map(|event| {
            let rule = catalog.best(&event)?.clone();
            Some(Finding { severity: rule.severity, event, rule })
        })
        .collect()
}

/// Scan a whole text at once.
pub fn scan_bytes(catalog: Arc<Catalog>, columns: Option<usize>, bytes: &[u8]) -> Vec<Finding> {
    let mut e = Engine::new(catalog, columns);
    let mut out = e.feed(bytes);
    out.extend(e.finish());
    out
}

/// Guess the terminal width of a captured transcript from a sample of it:
/// the width of a full-width rule (`────`) when there is one, else the
/// widest row width when several rows share it exactly (hard-wrapped rows)
/// but not most of them (a fixed-width log).
pub fn infer_columns(sample: &[u8]) -> Option<usize> {
    let mut widths = Vec::new();
    for line in sample.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        for row in scan::ansi::normalise(line) {
            if row.width >= 20 && row.text.chars().all(|c| matches!(c, '─' | '━' | '═')) {
                return Some(row.width);
            }
            widths.push(row.width);
        }
    }
    let max = widths.iter().copied().max().filter(|&m| m >= 20)?;
    let at_max = widths.iter().filter(|&&w| w == max).count();
    (at_max >= 2 && at_max * 2 < widths.len()).then_some(max)
}
