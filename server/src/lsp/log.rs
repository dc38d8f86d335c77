//! The server's log on stderr, with every line passed through the secret
//! filter.
//!
//! At `debug` and `trace` the language server library (tower-lsp-server)
//! logs every message it reads and writes, and those hold the documents'
//! text: terminal output full of keys and tokens. A `tracing` layer cannot
//! rewrite what other crates format, so the filter sits where all of it
//! meets: the writer. tracing-subscriber formats each event into one buffer
//! and writes it with one `write_all` to a writer made for that event;
//! [`RedactingStderr`] collects those bytes and, when the event is done
//! (the writer is dropped), writes `redact(text)` to stderr in one write.

use errsig::scan::redact;
use std::io::{self, Write};
use tracing_subscriber::fmt::MakeWriter;

/// A [`MakeWriter`] for stderr whose output has no secret in it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactingStderr;

/// The writer of one event: buffers it, redacts it, writes it on drop.
pub struct EventWriter<W: Write> {
    buf: Vec<u8>,
    out: W,
}

impl<W: Write> EventWriter<W> {
    fn new(out: W) -> Self {
        EventWriter { buf: Vec::new(), out }
    }

    /// Write what is buffered, redacted: only whole events reach here, so a
    /// secret is never split across two writes.
    fn emit(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let clean = redact(&text);
        // A log line that cannot be written is not worth failing for.
        let _ = self.out.write_all(clean.as_bytes());
        let _ = self.out.flush();
        self.buf.clear();
    }
}

impl<W: Write> Write for EventWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        // No cap: tracing-subscriber has already formatted the whole event
        // in memory, and cutting it anywhere could cut a key in two halves
        // the filter would not recognise.
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    /// Nothing leaves before the event is whole: flushing early could
    /// write half a key unredacted.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for EventWriter<W> {
    fn drop(&mut self) {
        self.emit();
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = EventWriter<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter::new(io::stderr())
    }
}

/// Install the server's subscriber: `ERRSIG_LOG` (an `EnvFilter`, default
/// `errsig=info`), plain text on stderr, redacted.
pub fn init() {
    let _ = tracing_subscriber::fmt()
        .with_writer(RedactingStderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ERRSIG_LOG").unwrap_or_else(|_| "errsig=info".into()),
        )
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` that appends to a shared buffer, to see what reaches "stderr".
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_key_written_in_pieces_leaves_redacted() {
        let out = Shared::default();
        {
            let mut w = EventWriter::new(out.clone());
            // tracing-subscriber writes once per event, but a writer must not
            // rely on it: the key arrives in two writes.
            w.write_all(b"DEBUG tower_lsp_server: <- {\"text\":\"x-api-key: sk-ant-api03-AAAA").unwrap();
            w.flush().unwrap();
            assert!(out.0.lock().unwrap().is_empty(), "nothing leaves before the event is whole");
            w.write_all(b"BBBBCCCC\"}\n").unwrap();
        }
        let got = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(got, "DEBUG tower_lsp_server: <- {\"text\":\"x-api-key: [REDACTED]\"}\n");
    }
}
