//! Stdio in front of tower-lsp-server: the client's bytes go through
//! [`framing`](super::framing) before tower-lsp-server sees them, and every
//! message out is written with one write.
//!
//! ```text
//! stdin ─▶ Deframer ─▶ classify ─┬─ forward ─▶ duplex ─▶ tower-lsp-server
//!                                │  large texts ─▶ stash ─▶ the handlers
//!                                └─ answer ─┐                 │
//! stdout ◀─ one write per message ◀─ queue ◀┴── Deframer ◀─ duplex
//! ```

use super::framing::{self, frame, Deframer, Item, Verdict};
use super::stash::{self, Stash};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::{ClientSocket, LspService};

use super::server::Backend;

/// Messages queued for stdout: bounded, so a client that stops reading
/// slows the server down instead of growing its memory.
const QUEUE: usize = 256;
const PIPE: usize = 1 << 16;

/// How the client's stream went.
#[derive(Default)]
struct Seen {
    shutdown: AtomicBool,
    exit: AtomicBool,
    broken: AtomicBool,
}

/// Serve `service` on the given streams; returns the process exit status.
pub async fn serve<I, O>(
    service: LspService<Backend>,
    socket: ClientSocket,
    stash: Arc<Stash>,
    input: I,
    output: O,
) -> u8
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (to_server, server_in) = tokio::io::duplex(PIPE);
    let (server_out, from_server) = tokio::io::duplex(PIPE);
    let (tx, rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    let seen = Arc::new(Seen::default());
    let writer = tokio::spawn(write_out(rx, output));
    let relay = tokio::spawn(relay(from_server, tx.clone()));
    let reader = tokio::spawn(read_in(input, to_server, tx, seen.clone(), stash));
    tower_lsp_server::Server::new(server_in, server_out, socket).concurrency_level(16).serve(service).await;
    // After `exit` the reader may still wait on stdin: it has nothing left to do.
    reader.abort();
    let _ = reader.await;
    let _ = relay.await;
    let _ = writer.await;
    if seen.broken.load(Ordering::Relaxed) {
        return 1;
    }
    // The protocol's rule: exit without shutdown is an error (status 1).
    if seen.shutdown.load(Ordering::Relaxed) {
        0
    } else {
        tracing::warn!("the client ended the session without shutdown");
        1
    }
}

async fn read_in<I: AsyncRead + Unpin>(
    mut input: I,
    mut to_server: tokio::io::DuplexStream,
    answers: mpsc::Sender<Vec<u8>>,
    seen: Arc<Seen>,
    stash: Arc<Stash>,
) {
    let mut d = Deframer::default();
    let mut buf = vec![0u8; PIPE];
    loop {
        let n = match input.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                tracing::error!("cannot read from the client: {e}");
                seen.broken.store(true, Ordering::Relaxed);
                return;
            }
        };
        d.push(&buf[..n]);
        while let Some(item) = d.next_item() {
            let body = match item {
                Item::Message(body) => body,
                Item::Skipped { bytes, why } => {
                    tracing::warn!("skipped {bytes} bytes from the client: {why}");
                    continue;
                }
            };
            let (verdict, parsed) = framing::parse(&body);
            match verdict {
                Verdict::Answer(v) => {
                    tracing::warn!("answered a malformed message: {}", v["error"]["message"]);
                    let Ok(bytes) = serde_json::to_vec(&v) else { continue };
                    if answers.send(bytes).await.is_err() {
                        return;
                    }
                    continue;
                }
                Verdict::Drop(why) => {
                    tracing::warn!("dropped {why}");
                    continue;
                }
                Verdict::Shutdown => seen.shutdown.store(true, Ordering::Relaxed),
                Verdict::Exit => seen.exit.store(true, Ordering::Relaxed),
                Verdict::Forward => {}
            }
            // A large document text goes around tower-lsp-server's codec
            // (see `stash.rs`); the rest of the message goes through it.
            let slim = match parsed {
                Some(mut v) if body.len() >= stash::MIN_BODY => {
                    (stash.take_texts(&mut v) > 0).then(|| serde_json::to_vec(&v).ok()).flatten()
                }
                _ => None,
            };
            let out = match slim {
                Some(slim) => {
                    drop(body);
                    frame(&slim)
                }
                None => frame(&body),
            };
            if to_server.write_all(&out).await.is_err() {
                return;
            }
            if seen.exit.load(Ordering::Relaxed) {
                return;
            }
        }
    }
    if let Some(why) = d.incomplete() {
        // Nothing after this can be read: say so, and end with an error.
        tracing::error!("{why}");
        seen.broken.store(true, Ordering::Relaxed);
    }
    // Dropping `to_server` ends tower-lsp-server's input.
}

/// tower-lsp-server's output, one message at a time, into the queue.
async fn relay(mut from_server: tokio::io::DuplexStream, out: mpsc::Sender<Vec<u8>>) {
    let mut d = Deframer::default();
    let mut buf = vec![0u8; PIPE];
    while let Ok(n) = from_server.read(&mut buf).await {
        if n == 0 {
            break;
        }
        d.push(&buf[..n]);
        while let Some(item) = d.next_item() {
            if let Item::Message(body) = item {
                if out.send(body).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// How long a message waits after a response before it is written.
///
/// Emacs 28's jsonrpc leaves its process filter by a non-local exit when
/// the response a synchronous request waits for arrives, so whatever came
/// in the same read (a `showMessage`, the diagnostics a command changed)
/// stays unread until the server writes again — maybe never. A short gap
/// makes the next message a read of its own.
const AFTER_RESPONSE: std::time::Duration = std::time::Duration::from_millis(20);

/// Whether a body is a response. tower-lsp-server writes requests and
/// notifications as `{"jsonrpc":"2.0","method":…`; the answers this layer
/// writes itself are responses.
fn is_response(body: &[u8]) -> bool {
    !body.starts_with(br#"{"jsonrpc":"2.0","method":"#)
}

async fn write_out<O: AsyncWrite + Unpin>(mut rx: mpsc::Receiver<Vec<u8>>, mut output: O) {
    let mut last_response: Option<tokio::time::Instant> = None;
    while let Some(body) = rx.recv().await {
        let response = is_response(&body);
        if let Some(at) = last_response.filter(|_| !response) {
            tokio::time::sleep_until(at + AFTER_RESPONSE).await;
        }
        // Header and body in one buffer, one write.
        let msg = frame(&body);
        if output.write_all(&msg).await.is_err() || output.flush().await.is_err() {
            tracing::error!("cannot write to the client");
            return;
        }
        last_response = response.then(tokio::time::Instant::now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Records each write call.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl AsyncWrite for Writes {
        fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
            self.0.push(buf.to_vec());
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_message_is_one_write_and_a_response_is_read_alone() {
        let (tx, rx) = mpsc::channel(8);
        let response = br#"{"jsonrpc":"2.0","result":null,"id":1}"#.to_vec();
        let note = br#"{"jsonrpc":"2.0","method":"window/showMessage","params":{}}"#.to_vec();
        for m in [note.clone(), response.clone(), note.clone()] {
            tx.send(m).await.unwrap();
        }
        drop(tx);
        let mut out = Writes::default();
        let start = tokio::time::Instant::now();
        write_out(rx, &mut out).await;
        assert_eq!(out.0, vec![frame(&note), frame(&response), frame(&note)]);
        assert!(start.elapsed() >= AFTER_RESPONSE, "the message after the response waited");
    }
}
