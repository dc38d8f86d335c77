//! The doctor's errors: what could not be done, with the path or the id it
//! was about. None of them carries a secret: values are never part of an
//! error, only the names of files and variables.

use std::path::PathBuf;

/// Why the doctor (or one of its fixes) could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// Neither `HOME` nor `USERPROFILE` is set.
    #[error("HOME is not set (nor USERPROFILE): the doctor cannot find Claude Code's files")]
    NoHome,
    /// The current directory is gone or unreadable.
    #[error("no current directory: {0}")]
    NoWorkspace(#[source] std::io::Error),
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written, moved or synced.
    #[error("cannot {what} {}: {source}", path.display())]
    Write {
        /// What was being done (`write`, `move`, `sync`, …).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not the JSON it should be.
    #[error("{}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message (never the content).
        message: String,
    },
    /// The fix has nothing to do on this machine.
    #[error("nothing to fix: {0}")]
    NothingToFix(String),
    /// `--restore` got something that is not a backup.
    #[error("{0} is not an errsig backup (an id from `errsig doctor --backups`, or a backup's path)")]
    NotABackup(String),
    /// `--for FILE:LINE` could not be used.
    #[error("{0}")]
    Finding(String),
}
