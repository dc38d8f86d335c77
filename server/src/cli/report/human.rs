//! `--format human`: compiler-style messages, coloured on a terminal.
//!
//! ```text
//! error[403-permission-denied]: Anthropic API refused the credential (403 permission_error)
//!   --> ci.log:9:27
//!    |
//!  9 | API Error: 403 {"type":"error","error":{"type":"permission_error",…
//!    | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//!    = help: Run `claude auth status` …
//!    = note: request id req_011C… (Anthropic support asks for it)
//! ```

use super::{Item, Reporter, Stats};
use anstyle::{AnsiColor, Style};
use errsig::rules::Severity;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// The snippet is cut at this many columns: the point is to recognise the
/// line, not to reprint a 4 KiB JSON body.
const SNIPPET_COLUMNS: usize = 100;

pub struct Human {
    out: anstream::AutoStream<Box<dyn Write>>,
}

impl Human {
    pub fn new(out: Box<dyn Write>, color: anstream::ColorChoice) -> Self {
        Human { out: anstream::AutoStream::new(out, color) }
    }
}

fn style(s: Severity) -> Style {
    let c = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(c.into()))
}

fn cut(line: &str, columns: usize) -> String {
    if line.width() <= columns {
        return line.to_owned();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in line.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw >= columns {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

impl Reporter for Human {
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()> {
        let f = item.finding;
        let e = &f.event;
        let sev = style(f.severity);
        let blue = Style::new().bold().fg_color(Some(AnsiColor::Blue.into()));
        let bold = Style::new().bold();
        let line_no = (e.start.line + 1).to_string();
        let pad = " ".repeat(line_no.len());
        writeln!(self.out, "{sev}{}[{}]{sev:#}{bold}: {}{bold:#}", f.severity, f.rule.id, f.rule.title)?;
        writeln!(
            self.out,
            "{pad}{blue}-->{blue:#} {}:{}:{}",
            super::printable(item.path),
            e.start.line + 1,
            e.start.column + 1
        )?;
        writeln!(self.out, "{pad} {blue}|{blue:#}")?;
        let text = super::printable(&e.text);
        let first = text.lines().next().unwrap_or("").trim_end();
        let shown = cut(first, SNIPPET_COLUMNS);
        writeln!(self.out, "{blue}{line_no} |{blue:#} {shown}")?;
        writeln!(self.out, "{pad} {blue}|{blue:#} {sev}{}{sev:#}", "^".repeat(shown.width().max(1)))?;
        if e.end.line > e.start.line {
            writeln!(self.out, "{pad} {blue}|{blue:#} … through line {}", e.end.line + 1)?;
        }
        let mut said = false;
        if let Some(fix) = errsig::explain::first_fix(&f.rule, e) {
            let fix = errsig::explain::reflow(fix);
            writeln!(self.out, "{pad} {blue}={blue:#} {bold}help{bold:#}: {fix}")?;
            said = true;
        }
        if errsig::explain::doctor_applies(&f.rule) {
            writeln!(
                self.out,
                "{pad} {blue}={blue:#} {bold}help{bold:#}: `errsig doctor` says which cause applies on this machine"
            )?;
        }
        if let Some(id) = &e.request_id {
            writeln!(
                self.out,
                "{pad} {blue}={blue:#} {bold}note{bold:#}: request id {id} (Anthropic support asks for it)"
            )?;
            said = true;
        }
        if !said || f.rule.fixes.len() > 1 {
            writeln!(
                self.out,
                "{pad} {blue}={blue:#} {bold}note{bold:#}: `errsig explain {}` has the full explanation",
                f.rule.id
            )?;
        }
        writeln!(self.out)?;
        self.out.flush()
    }

    fn finish(&mut self, s: &Stats) -> io::Result<()> {
        let total = s.errors + s.warnings + s.infos;
        let files = match (s.files, s.stdin) {
            (0, true) => "standard input".to_owned(),
            (1, false) => "1 file".to_owned(),
            (n, false) => format!("{n} files"),
            (1, true) => "1 file and standard input".to_owned(),
            (n, true) => format!("{n} files and standard input"),
        };
        if total == 0 {
            writeln!(self.out, "no Anthropic API errors found ({files} scanned)")?;
        } else {
            let mut parts = Vec::new();
            for (n, what) in [(s.errors, "error"), (s.warnings, "warning"), (s.infos, "info")] {
                if n > 0 {
                    parts.push(format!("{n} {what}{}", if n == 1 || what == "info" { "" } else { "s" }));
                }
            }
            let bold = Style::new().bold();
            writeln!(self.out, "{bold}found {}{bold:#} ({files} scanned)", parts.join(", "))?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use errsig::rules::Catalog;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn render(color: anstream::ColorChoice) -> String {
        let f = errsig::scan_bytes(
            Arc::new(Catalog::builtin()),
            None,
            b"Failed to authenticate. API Error: 403 Permission denied\n",
        )
        .remove(0);
        let buf = Buf::default();
        let mut h = Human::new(Box::new(buf.clone()), color);
        h.finding(&Item { path: "ci.log", finding: &f }).unwrap();
        h.finish(&Stats { files: 1, errors: 1, ..Stats::default() }).unwrap();
        let out = buf.0.lock().unwrap().clone();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn control_characters_from_the_input_are_not_replayed() {
        assert_eq!(super::super::printable("a\x1b]52;c;eA==\x07b\tc"), "a\u{fffd}]52;c;eA==\u{fffd}b\tc");
        assert!(matches!(super::super::printable("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = render(anstream::ColorChoice::Never);
        assert!(plain.starts_with("error[403-permission-denied]: "), "{plain}");
        assert!(plain.contains(" --> ci.log:1:1\n"));
        assert!(plain.contains("  = help: `errsig doctor` says which cause applies on this machine\n"), "{plain}");
        assert!(plain.ends_with("found 1 error (1 file scanned)\n"));
        assert!(!plain.contains('\x1b'));
        let coloured = render(anstream::ColorChoice::Always);
        assert_ne!(coloured, plain);
        assert_eq!(anstream::adapter::strip_str(&coloured).to_string(), plain, "colour adds nothing but escapes");
    }
}
