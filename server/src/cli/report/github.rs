//! `--format github`: workflow commands, so each finding annotates the run
//! on the right line (`::error file=…,line=…,endLine=…,title=…::…`).

use super::{Item, Reporter, Stats};
use errsig::explain::headline;
use errsig::rules::Severity;
use std::io::{self, Write};

pub struct Github {
    out: Box<dyn Write>,
}

impl Github {
    pub fn new(out: Box<dyn Write>) -> Self {
        Github { out }
    }
}

/// Escaping of a command's message, per GitHub's toolkit.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a property value: also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for Github {
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()> {
        let f = item.finding;
        let e = &f.event;
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = super::printable(&headline(&f.rule, e)).into_owned();
        if let Some(fix) = f.rule.fixes.first() {
            message.push_str(&format!("\nhelp: {}", fix.trim()));
        }
        message.push_str(&format!("\nrun `errsig explain {}` for the full explanation", f.rule.id));
        writeln!(
            self.out,
            "::{level} file={},line={},endLine={},col={},title={}::{}",
            property(item.path),
            e.start.line + 1,
            e.end.line + 1,
            e.start.column + 1,
            property(&format!("{}: {}", f.rule.id, f.rule.title)),
            data(&message)
        )?;
        self.out.flush()
    }

    fn finish(&mut self, _: &Stats) -> io::Result<()> {
        self.out.flush()
    }
}
