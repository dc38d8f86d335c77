//! `--count` and `--quiet`: how many findings each file has, or nothing at
//! all (the exit status says), as `rg --count` and `rg --quiet` do.

use super::{Item, Reporter, Stats};
use std::io::{self, Write};

/// `PATH:N` for each file with findings, printed when the file ends.
pub struct Count {
    out: Box<dyn Write>,
    current: usize,
}

impl Count {
    /// A counter writing to `out`.
    pub fn new(out: Box<dyn Write>) -> Self {
        Count { out, current: 0 }
    }
}

impl Reporter for Count {
    fn finding(&mut self, _: &Item<'_>) -> io::Result<()> {
        self.current += 1;
        Ok(())
    }

    fn file_done(&mut self, path: &str) -> io::Result<()> {
        let n = std::mem::take(&mut self.current);
        if n > 0 {
            writeln!(self.out, "{}:{n}", super::printable(path))?;
            self.out.flush()?;
        }
        Ok(())
    }

    fn finish(&mut self, _: &Stats) -> io::Result<()> {
        self.out.flush()
    }
}

/// Prints nothing.
pub struct Quiet;

impl Reporter for Quiet {
    fn finding(&mut self, _: &Item<'_>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, _: &Stats) -> io::Result<()> {
        Ok(())
    }
}
