//! `--format github`: workflow commands, so each finding annotates the run
//! on the right line (`::error file=…,line=…,endLine=…,title=…::…`).

use super::{Item, Reporter, Stats};
use errsig::explain::headline;
use errsig::rules::Severity;
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct Github {
    out: Box<dyn Write>,
    /// Absolute paths under this directory are written relative to it.
    workspace: Option<PathBuf>,
}

impl Github {
    pub fn new(out: Box<dyn Write>) -> Self {
        // GitHub attaches an annotation to a file only by its path relative
        // to the checkout (`$GITHUB_WORKSPACE`); outside Actions the current
        // directory stands in for it.
        let workspace =
            std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from).or_else(|| std::env::current_dir().ok());
        Github { out, workspace }
    }
}

/// `path` as GitHub wants it: relative to the workspace when it is an
/// absolute path inside it, with `/` separators; otherwise as given.
fn annotated_path<'a>(path: &'a str, workspace: Option<&Path>) -> Cow<'a, str> {
    let p = Path::new(path);
    match workspace.filter(|_| p.is_absolute()).and_then(|w| p.strip_prefix(w).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => {
            let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            Cow::Owned(parts.join("/"))
        }
        _ => Cow::Borrowed(path),
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
        if let Some(fix) = errsig::explain::first_fix(&f.rule, e) {
            message.push_str(&format!("\nhelp: {}", fix.trim()));
        }
        if errsig::explain::doctor_applies(&f.rule) {
            message.push_str("\n`errsig doctor` on the machine that printed it says which cause applies");
        }
        message.push_str(&format!("\nrun `errsig explain {}` for the full explanation", f.rule.id));
        writeln!(
            self.out,
            "::{level} file={},line={},endLine={},col={},title={}::{}",
            property(&annotated_path(item.path, self.workspace.as_deref())),
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

#[cfg(test)]
mod tests {
    use super::annotated_path;
    use std::path::Path;

    #[test]
    fn absolute_paths_in_the_workspace_become_relative() {
        let ws = Path::new("/home/runner/work/app/app");
        assert_eq!(annotated_path("/home/runner/work/app/app/logs/ci.log", Some(ws)), "logs/ci.log");
        assert_eq!(annotated_path("/tmp/ci.log", Some(ws)), "/tmp/ci.log", "outside: as given");
        assert_eq!(annotated_path("logs/ci.log", Some(ws)), "logs/ci.log", "relative: as given");
        assert_eq!(
            annotated_path("/home/runner/work/app/app-2/ci.log", Some(ws)),
            "/home/runner/work/app/app-2/ci.log"
        );
        assert_eq!(annotated_path("/x/ci.log", None), "/x/ci.log");
    }
}
