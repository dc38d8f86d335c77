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
/// the width of a full-width rule (`────`) when there is one; else the widest
/// row width, but only with evidence of real wrapping — at least two rows of
/// that width, with different text, each followed by a row that does not
/// start a printing of its own. Repeated log lines of equal width (the same
/// error retried) are not wrapping.
pub fn infer_columns(sample: &[u8]) -> Option<usize> {
    let mut rows: Vec<(usize, String)> = Vec::new();
    for line in sample.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        for row in scan::ansi::normalise(line) {
            if row.width >= 20 && row.text.chars().all(|c| matches!(c, '─' | '━' | '═')) {
                return Some(row.width);
            }
            rows.push((row.width, row.text));
        }
    }
    let max = rows.iter().map(|r| r.0).max().filter(|&m| m >= 20)?;
    let at_max = rows.iter().filter(|r| r.0 == max).count();
    if at_max * 2 >= rows.len() {
        return None; // a fixed-width log, not a wrapped transcript
    }
    let mut wrapped: Vec<&str> = rows
        .windows(2)
        .filter(|w| w[0].0 == max && !w[1].1.is_empty() && !scan::anchors::starts_printing(&w[1].1))
        .map(|w| w[0].1.as_str())
        .collect();
    wrapped.sort_unstable();
    wrapped.dedup();
    (wrapped.len() >= 2).then_some(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_inferred_from_wrapping_not_from_repeated_lines() {
        let err = "Failed to authenticate. API Error: 403 Permission denied";
        let retried = format!("$ claude -p hi\n{err}\n$ claude -p hi again\n{err}\nexit status 1\n");
        assert_eq!(infer_columns(retried.as_bytes()), None);
        let numbered: String =
            (0..40).map(|i| format!("API Error: Repeated 529 Overloaded errors. attempt {i:02}\n")).collect();
        assert_eq!(infer_columns(numbered.as_bytes()), None);
        // A Neovim terminal 40 columns wide: two long lines hard-wrapped.
        let rows = "$ claude -p hello\nFailed to authenticate. API Error: 403 P\nermission denied\n$ cat notes.txt\nthe quick brown fox jumped over the lazy\ndog\n$ ";
        assert_eq!(infer_columns(rows.as_bytes()), Some(40));
        assert_eq!(infer_columns("a\n────────────────────────────────────────\n".as_bytes()), Some(40));
    }

    #[test]
    fn retried_errors_are_each_found_with_their_own_message() {
        let err = "Failed to authenticate. API Error: 403 Permission denied";
        let retried = format!("$ claude -p hi\n{err}\n$ claude -p hi again\n{err}\nexit status 1\n");
        let cols = infer_columns(retried.as_bytes());
        let found = scan_bytes(Arc::new(Catalog::builtin()), cols, retried.as_bytes());
        assert_eq!(found.len(), 2);
        assert!(found
            .iter()
            .all(|f| f.event.message.as_deref() == Some("Permission denied") && f.rule.id == "403-permission-denied"));
    }
}
