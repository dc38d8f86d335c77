//! A stream (standard input, a FIFO) read on a thread of its own and
//! scanned on every core, with exactly the findings of one pass.
//!
//! A reader thread fills large buffers from the stream and hands each over
//! as soon as the scanner asks for more: when the input arrives slowly the
//! scanner is waiting, so every read goes out at once and each finding is
//! printed as soon as its read is scanned (a live `tail -f | errsig scan -`);
//! when the input arrives faster than one core scans it, the reads pile up
//! into one buffer of up to [`BLOCK`] bytes while the scanner works.
//!
//! A large buffer is scanned by the stream's one engine, as a single pass
//! would, but the search for the lines that may matter — the cost of a log
//! that is mostly quiet — is spread over the cores: the buffer's complete
//! lines are cut into regions of [`REGION`] bytes, each region tested by
//! [`errsig::scan::first_kept_line`] (pure, on any core, a few regions
//! ahead), and the engine then skips the quiet ones ([`Engine::skip_quiet`]:
//! what feeding them would do, without the search) and is fed the rest. The
//! engine never starts over, so nothing it remembers is lost at a cut — not
//! even the width a TUI block reads, which outlives any quiet stretch — and
//! the findings are the single pass's, in its order, by construction.

use super::scan::CHUNK;
use errsig::scan::UserAnchors;
use errsig::{Engine, Finding};
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};

/// The most a buffer holds: in flight are the one being scanned and the one
/// being filled (and one recycled), so memory stays a few buffers whatever
/// the stream's length.
pub const BLOCK: usize = 8 * 1024 * 1024;
/// One read asks for at most this much (a pipe is grown to it on Linux).
const READ: usize = 1024 * 1024;
/// The unit the search is spread in: small enough that the cores share a
/// buffer evenly, large enough that handing one over costs nothing.
pub const REGION: usize = 256 * 1024;

/// A buffer handed over by the reader: its first `len` bytes were read.
pub struct Block {
    pub buf: Vec<u8>,
    pub len: usize,
}

/// The stream's reader: blocks of input (or the read's error) in order;
/// send scanned buffers back on the second channel to have them reused.
pub fn spawn_reader(
    mut input: Box<dyn Read + Send>,
    fd: Option<i32>,
) -> (Receiver<io::Result<Block>>, Sender<Vec<u8>>) {
    // A rendezvous channel: a buffer can be handed over only to a scanner
    // that is waiting for it, so while it is busy the reads pile up.
    let (tx, rx) = mpsc::sync_channel::<io::Result<Block>>(0);
    let (back, spare) = mpsc::channel::<Vec<u8>>();
    grow_pipe(fd);
    // Not scoped: a scan that stops early (an output error) must not wait
    // for a read that may never return; the process ends without it.
    std::thread::spawn(move || read_blocks(&mut *input, fd, &tx, &spare));
    (rx, back)
}

fn read_blocks(input: &mut dyn Read, fd: Option<i32>, tx: &SyncSender<io::Result<Block>>, spare: &Receiver<Vec<u8>>) {
    let fresh = || spare.try_recv().unwrap_or_else(|_| vec![0; BLOCK]);
    let mut block = Block { buf: fresh(), len: 0 };
    loop {
        if block.len > 0 {
            if block.len + READ > block.buf.len() {
                // Full: wait for the scanner (this is the back pressure).
                if tx.send(Ok(block)).is_err() {
                    return;
                }
                block = Block { buf: fresh(), len: 0 };
                continue;
            }
            match tx.try_send(Ok(block)) {
                Ok(()) => {
                    block = Block { buf: fresh(), len: 0 };
                    continue;
                }
                Err(TrySendError::Full(Ok(b))) => block = b,
                Err(_) => return,
            }
            // The scanner is busy: read on only what is there already (or
            // comes within a millisecond), and offer the buffer again, so
            // that a read never holds back what was read before it.
            if !readable(fd, &mut block, tx) {
                continue;
            }
        }
        let want = READ.min(block.buf.len() - block.len);
        match input.read(&mut block.buf[block.len..block.len + want]) {
            Ok(0) => {
                if block.len > 0 {
                    let _ = tx.send(Ok(block));
                }
                return;
            }
            Ok(k) => block.len += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if block.len > 0 && tx.send(Ok(block)).is_err() {
                    return;
                }
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

/// Whether a read would return at once (within a millisecond). Without
/// `poll` the buffer is handed over now instead (waiting for the scanner),
/// so nothing read waits behind a read that blocks.
#[allow(unsafe_code)] // poll(2), below
fn readable(fd: Option<i32>, block: &mut Block, tx: &SyncSender<io::Result<Block>>) -> bool {
    #[cfg(unix)]
    if let Some(fd) = fd {
        let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, for the length given.
        let n = unsafe { libc::poll(&mut p, 1, 1) };
        return n > 0 || (n < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted);
    }
    let _ = fd;
    let taken = std::mem::replace(block, Block { buf: Vec::new(), len: 0 });
    if tx.send(Ok(taken)).is_ok() {
        *block = Block { buf: vec![0; BLOCK], len: 0 };
    }
    true
}

/// Ask for a pipe as large as a read (Linux; a no-op elsewhere or when it
/// is refused): the writer then fills more between two of our reads.
#[allow(unsafe_code)] // fstat(2) and fcntl(2), below
fn grow_pipe(fd: Option<i32>) {
    #[cfg(target_os = "linux")]
    if let Some(fd) = fd {
        // SAFETY: fstat and fcntl on a descriptor we were given; their
        // failure is ignored.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(fd, &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFIFO {
                libc::fcntl(fd, libc::F_SETPIPE_SZ, READ as libc::c_int);
            }
        }
    }
    let _ = fd;
}

/// Scan one buffer of the stream with its engine, findings to `sink` read
/// by read (see the module documentation). `text` may begin and end inside
/// lines. A buffer of fewer than four regions, one thread or a known width
/// (every line then matters) is fed as one core reads it; the findings are
/// the same either way.
pub fn scan_block<E>(
    engine: &mut Engine,
    text: &[u8],
    user: Option<&UserAnchors>,
    threads: usize,
    region: usize,
    columns: Option<usize>,
    sink: &mut impl FnMut(Vec<Finding>) -> Result<(), E>,
) -> Result<(), E> {
    let region = region.max(1);
    let lines = memchr::memchr(b'\n', text).zip(memchr::memrchr(b'\n', text));
    let Some((first, last)) = lines.filter(|_| threads > 1 && columns.is_none() && text.len() >= 4 * region) else {
        return feed(engine, text, sink);
    };
    // The first line completes the one the engine holds; the last, unfinished,
    // is held for the next buffer.
    feed(engine, &text[..=first], sink)?;
    let body = &text[first + 1..=last];
    let mut cuts = vec![0];
    while let Some(&at) = cuts.last() {
        if at + region >= body.len() {
            break;
        }
        match memchr::memchr(b'\n', &body[at + region..]) {
            Some(i) if at + region + i + 1 < body.len() => cuts.push(at + region + i + 1),
            _ => break,
        }
    }
    cuts.push(body.len());
    let regions: Vec<&[u8]> = cuts.windows(2).map(|w| &body[w[0]..w[1]]).collect();
    // Each region's first kept line: PENDING until tested, QUIET for none.
    const PENDING: usize = usize::MAX;
    const QUIET: usize = usize::MAX - 1;
    let found: Vec<AtomicUsize> = regions.iter().map(|_| AtomicUsize::new(PENDING)).collect();
    let next = AtomicUsize::new(0);
    // Test the next untested region; false when none is left.
    let test_one = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(r) = regions.get(i) else { return false };
        let hit = errsig::scan::first_kept_line(r, user).unwrap_or(QUIET);
        found[i].store(hit, Ordering::Release);
        true
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(regions.len()) {
            s.spawn(|| while test_one() {});
        }
        for (i, r) in regions.iter().enumerate() {
            let hit = loop {
                let v = found[i].load(Ordering::Acquire);
                if v != PENDING {
                    break v;
                }
                // Not tested yet: test one ahead here rather than wait
                // (the region itself, unless another core has it).
                if !test_one() {
                    std::thread::yield_now();
                }
            };
            let quiet = if hit == QUIET { r.len() } else { hit };
            let rest = match engine.skip_quiet(&r[..quiet]) {
                Some(released) if quiet > 0 => {
                    if !released.is_empty() {
                        sink(released)?;
                    }
                    &r[quiet..]
                }
                _ => r,
            };
            feed(engine, rest, sink)?;
        }
        Ok::<(), E>(())
    })?;
    feed(engine, &text[last + 1..], sink)
}

/// Feed `text` read by read ([`CHUNK`]s), each read's findings to `sink`.
fn feed<E>(engine: &mut Engine, text: &[u8], sink: &mut impl FnMut(Vec<Finding>) -> Result<(), E>) -> Result<(), E> {
    for piece in text.chunks(CHUNK) {
        let found = engine.feed(piece);
        if !found.is_empty() {
            sink(found)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use errsig::rules::Catalog;
    use std::sync::Arc;

    fn key(f: &Finding) -> String {
        let e = &f.event;
        format!(
            "{} {}:{}-{}:{} {:?} {} {:?} {:?}",
            f.rule.id, e.start.line, e.start.column, e.end.line, e.end.column, e.context, e.text, e.request_id, e.hints
        )
    }

    /// Every fixture, TUI transcripts included, between quiet stretches of
    /// varying length, scanned in buffers of several sizes whose search is
    /// spread over threads, lists the findings of one pass.
    #[test]
    fn buffers_searched_on_several_cores_give_the_findings_of_one_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut dirs = vec![root];
        let mut texts = Vec::new();
        while let Some(dir) = dirs.pop() {
            let mut entries: Vec<_> =
                std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|e| e == "txt") {
                    texts.extend(std::fs::read(&p).ok());
                }
            }
        }
        assert!(texts.len() > 50, "fixtures found: {}", texts.len());
        let mut doc = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            doc.extend_from_slice(t);
            for n in 0..(i * 37 % 400) {
                doc.extend_from_slice(
                    format!("2026-11-28T10:00:{:02}Z INFO worker: job {n} 403 done\n", n % 60).as_bytes(),
                );
            }
        }
        let catalog = Arc::new(Catalog::builtin());
        let one: Vec<String> = errsig::scan_bytes(catalog.clone(), None, &doc).iter().map(key).collect();
        assert!(one.len() > 100, "findings: {}", one.len());
        for (block, region, threads) in
            [(1 << 20, 4096, 2), (300_001, 1000, 3), (64 * 1024, 100, 2), (1 << 20, 1 << 20, 2)]
        {
            let mut engine = Engine::new(catalog.clone(), None);
            let mut got = Vec::new();
            let mut sink = |b: Vec<Finding>| {
                got.extend(b.iter().map(key));
                Ok::<(), ()>(())
            };
            for text in doc.chunks(block) {
                let _ = scan_block(&mut engine, text, None, threads, region, None, &mut sink);
            }
            got.extend(engine.finish().iter().map(key));
            assert_eq!(got.len(), one.len(), "{block} {region} {threads}");
            for (a, b) in one.iter().zip(&got) {
                assert_eq!(a, b, "{block} {region} {threads}");
            }
        }
    }

    /// Skipping is what feeding does: the quiet regions the test found are
    /// really skipped (so the test above compares something).
    #[test]
    fn quiet_lines_are_skipped_and_kept_lines_found() {
        let quiet = "2026-11-28T10:00:00Z INFO worker: job 1 403 done\n".repeat(1000);
        assert_eq!(errsig::scan::first_kept_line(quiet.as_bytes(), None), None);
        let hot = format!("{quiet}API Error: 403 Permission denied\n{quiet}");
        assert_eq!(errsig::scan::first_kept_line(hot.as_bytes(), None), Some(quiet.len()));
        let mut engine = Engine::new(Arc::new(Catalog::builtin()), None);
        assert!(engine.skip_quiet(quiet.as_bytes()).is_some());
        assert_eq!(engine.line(), 1000);
        assert!(engine.feed(b"half a line").is_empty());
        assert!(engine.skip_quiet(quiet.as_bytes()).is_none(), "not at a line start");
    }
}
