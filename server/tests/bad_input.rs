//! The bad-input battery: hostile bytes for the engine, hostile files for
//! `errsig scan`.
//!
//! Engine: binary and random bytes, invalid UTF-8, NUL, a 50 MB line, 100,000
//! nested braces, a million escapes and cursor moves on one line, CRLF and
//! lone CR. Each must not panic, keep `retained_bytes()` bounded, and take
//! work linear in its size. Work is counted, not timed: this test binary's
//! allocator counts the bytes each thread allocates, and a scan that re-copies
//! what it has seen (the usual way to go quadratic) allocates more per byte
//! on a larger input. Doubling the input must at most about double the count.
//!
//! CLI (the built binary): FIFOs, symbolic link loops, unreadable files.
//!
//! Unsafe code is allowed here (the workspace denies it): the counting
//! allocator, `mkfifo` and `geteuid`, each with its SAFETY comment.
#![allow(unsafe_code)]

use errsig::rules::Catalog;
use errsig::{Engine, Finding};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

struct Counting;

thread_local! {
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is passed to the system allocator unchanged; the count
// is a thread-local `Cell` with a const initialiser (no allocation, no
// destructor), so counting cannot recurse into the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size() as u64));
        // SAFETY: the caller's layout, passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: a block `alloc` got from the system allocator, with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size as u64));
        // SAFETY: a block of the system allocator, with its layout and the caller's size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated() -> u64 {
    ALLOCATED.with(Cell::get)
}

/// The bound on what the scanner keeps, as `tests/streaming.rs` checks it.
const RETAINED: usize = 512 * 1024;

struct Run {
    found: Vec<Finding>,
    max_retained: usize,
    allocated: u64,
    scanned: u64,
}

/// Scan `input` in chunks of `chunk` bytes, as `errsig scan` reads a file.
fn scan(input: &[u8], chunk: usize, columns: Option<usize>) -> Run {
    let catalog = Arc::new(Catalog::builtin());
    let before = allocated();
    let mut e = Engine::new(catalog, columns);
    let mut found = Vec::new();
    let mut max_retained = 0;
    for c in input.chunks(chunk) {
        found.extend(e.feed(c));
        max_retained = max_retained.max(e.retained_bytes());
    }
    let scanned = e.bytes_scanned();
    found.extend(e.finish());
    Run { found, max_retained, allocated: allocated() - before, scanned }
}

/// Scan `make(n)` and `make(2n)`: both bounded, and the larger costs at most
/// `2 × slack` times the smaller's allocations (plus the engine's fixed cost).
fn linear(what: &str, make: impl Fn(usize) -> Vec<u8>, n: usize, columns: Option<usize>) -> (Run, Run) {
    let small_input = make(n);
    let large_input = make(2 * n);
    let small = scan(&small_input, 64 * 1024, columns);
    let large = scan(&large_input, 64 * 1024, columns);
    for (r, input) in [(&small, &small_input), (&large, &large_input)] {
        assert_eq!(r.scanned, input.len() as u64, "{what}: every byte is fed");
        assert!(r.max_retained <= RETAINED, "{what}: retained {} bytes", r.max_retained);
    }
    // The engine's own start (the catalog's patterns) is a fixed cost: what
    // an empty scan allocates is taken off both.
    let base = scan(b"", 1, columns).allocated;
    let (a, b) = (small.allocated.saturating_sub(base), large.allocated.saturating_sub(base));
    assert!(b <= 2 * a + a / 2 + 64 * 1024, "{what}: {a} bytes allocated for {n} input bytes, {b} for twice as many");
    (small, large)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const ERROR: &str = "Failed to authenticate. API Error: 403 Permission denied\n";

#[test]
fn random_bytes_with_errors_among_them() {
    let make = |n: usize| {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut v: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        // An error every 64 KiB, on a line of its own.
        for at in (0..n).step_by(64 * 1024).rev() {
            v.splice(at..at, format!("\n{ERROR}").bytes());
        }
        v
    };
    let (small, large) = linear("random bytes", make, 1 << 20, None);
    assert_eq!(small.found.len(), 16, "every error among the noise is found");
    assert_eq!(large.found.len(), 32);
}

#[test]
fn invalid_utf8_and_nul() {
    let make = |n: usize| {
        let line = b"\xff\xfe\x00 API Error: 403 \xc3\x28 \x00\x00 {\"type\":\"error\xe2\x82\"}\n\x00\x00\x00\n";
        let mut v = Vec::new();
        while v.len() < n {
            v.extend_from_slice(line);
            v.extend_from_slice(ERROR.as_bytes());
        }
        v
    };
    let (small, large) = linear("invalid UTF-8 and NUL", make, 1 << 20, None);
    // The plain errors between the broken lines are all still found.
    let want = |r: &Run| r.found.iter().filter(|f| f.event.message.as_deref() == Some("Permission denied")).count();
    assert!(want(&small) * 2 <= want(&large) + 2 && want(&small) > 1000, "{} {}", want(&small), want(&large));
}

#[test]
fn a_50_mb_line_is_capped_and_the_next_line_is_still_read() {
    let make = |n: usize| {
        let mut v = vec![b'x'; n];
        v.push(b'\n');
        v.extend_from_slice(ERROR.as_bytes());
        v
    };
    let (_, large) = linear("one long line", make, 25 << 20, None);
    assert_eq!(large.found.len(), 1);
    assert_eq!(large.found[0].event.start.line, 1, "the long line is one line");
}

#[test]
fn a_hundred_thousand_nested_braces() {
    // On one line, after an anchor; and one brace a line, a body never closed.
    let one_line = |n: usize| format!("API Error: 403 {}\n{ERROR}", "{\"a\":".repeat(n / 5)).into_bytes();
    let (_, large) = linear("braces on one line", one_line, 500_000, None);
    // (Findings are not in line order: a generic printing is held back to be
    // named by a specific one nearby; what matters is that the error is found.)
    assert!(large.found.iter().any(|f| f.event.start.line == 1), "the error after them is found");
    let lines = |n: usize| format!("API Error: 403 {}\n{ERROR}", "{\n".repeat(n / 2)).into_bytes();
    let (_, large) = linear("braces on lines", lines, 200_000, None);
    assert!(large.found.iter().any(|f| f.event.start.line == 200_001), "the error after them is found");
}

#[test]
fn a_million_escapes_or_cursor_moves_on_one_line() {
    for (what, unit) in [
        ("colours", &b"\x1b[31m"[..]),
        ("cursor forward", b"\x1b[C"),
        ("cursor back", b"x\x1b[1D"),
        ("huge moves", b"\x1b[9999999999G\x1b[9999999999D"),
        ("carriage returns", b"ab\r"),
        ("backspaces", b"a\x08"),
        ("OSC links", b"\x1b]8;;http://x\x07"),
    ] {
        let make = |n: usize| {
            let mut v = unit.repeat(n / unit.len());
            v.extend_from_slice(b"API Error: 403 Permission denied\n");
            v.extend_from_slice(ERROR.as_bytes());
            v
        };
        let (_, large) = linear(what, make, 1_000_000 * unit.len() / 2, Some(80));
        assert_eq!(large.found.last().map(|f| f.event.start.line), Some(1), "{what}: the next line is read");
    }
}

/// Issue 13: printings that wait for evidence (bare 403s: an HTTP status
/// line, `403 Forbidden`, an HTML title, `status code (no body)`), packed
/// together, with evidence for and against among them. Four times the input
/// must cost at most 4.5 times the counted work: the scanner's own count of
/// evidence steps, and the bytes allocated.
#[test]
fn bare_403s_waiting_for_evidence_cost_linear_work() {
    let forms = [
        "HTTP/1.1 403 Forbidden",
        "Error: 403 status code (no body)",
        "<html><head><title>403 Forbidden</title></head>",
        "nginx said 403 Forbidden",
        "x-request-id: req_011CQ7qZma6cJxJaT73dZWee",
        "anthropic-version: 2023-06-01",
        "Server: AmazonS3",
        "date: Sat, 28 Nov 2026 10:00:00 GMT",
    ];
    let make = |lines: usize| {
        let mut v = String::new();
        for i in 0..lines {
            v.push_str(forms[(i * 5 + i / 7) % forms.len()]);
            v.push('\n');
        }
        v.into_bytes()
    };
    let run = |input: &[u8]| {
        let before = allocated();
        let mut e = Engine::new(Arc::new(Catalog::builtin()), None);
        let mut found = 0;
        for c in input.chunks(64 * 1024) {
            found += e.feed(c).len();
        }
        let work = e.evidence_work();
        found += e.finish().len();
        (work, allocated() - before, found)
    };
    let base = run(b"").1;
    let (small, large) = (run(&make(25_000)), run(&make(100_000)));
    assert!(small.2 > 1000, "bare 403s with Anthropic's evidence are found: {}", small.2);
    assert!(large.2 >= 4 * small.2 - 8 && large.2 <= 4 * small.2 + 8, "findings: {} then {}", small.2, large.2);
    assert!(large.0 * 2 <= small.0 * 9, "evidence work: {} then {}", small.0, large.0);
    let (a, b) = (small.1.saturating_sub(base), large.1.saturating_sub(base));
    assert!(b * 2 <= a * 9, "allocated: {a} then {b}");
}

#[test]
fn crlf_and_lone_cr() {
    let crlf = ERROR.replace('\n', "\r\n").repeat(3);
    let r = scan(crlf.as_bytes(), 7, None);
    assert_eq!(r.found.len(), 3, "CRLF lines");
    assert!(r.found.iter().all(|f| f.event.message.as_deref() == Some("Permission denied")), "no \\r in the message");
    assert_eq!(r.found[0].event.end.line, 0, "the \\r ends nothing by itself");

    // A spinner overdrawn by the error: the terminal shows the error.
    let spinner = "⠋ Thinking\r⠙ Thinking\r\x1b[2KFailed to authenticate. API Error: 403 Permission denied\n";
    let r = scan(spinner.as_bytes(), 5, None);
    assert_eq!(r.found.len(), 1);
    assert_eq!(r.found[0].event.start.character, "⠋ Thinking\r⠙ Thinking\r\x1b[2K".encode_utf16().count() as u32);

    // Only lone CRs, never a \n: one endless line, bounded.
    let (_, large) = linear("lone CRs", |n| "progress 42%\r".repeat(n / 13).into_bytes(), 4 << 20, None);
    assert!(large.found.is_empty());
}

#[cfg(unix)]
mod cli {
    //! `errsig scan` on FIFOs, symbolic link loops and unreadable files.
    //!
    //! The tests run as root here, and root reads any file whatever its mode,
    //! so "unreadable" is made real in ways root cannot get around: a
    //! dangling symbolic link (nothing to open) and `/proc/self/mem` (opens,
    //! but reading at offset 0 fails with EIO). A mode-000 file is checked
    //! only when not root.

    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::fs::symlink;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Output, Stdio};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    const ERROR: &str = super::ERROR;

    fn errsig() -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_errsig"));
        c.env_remove("CI").env("NO_COLOR", "1");
        c
    }

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("errsig-bad-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("claude.log"), format!("$ claude -p hi\n{ERROR}")).unwrap();
        d
    }

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
    }

    /// Wait for the child, failing (and killing it) if it hangs: a scan that
    /// opens a FIFO nobody writes to would wait forever.
    fn wait(mut child: Child) -> Output {
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("errsig scan did not finish");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }

    fn run(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
        let child = errsig()
            .arg("scan")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait(child);
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
    }

    #[test]
    fn a_fifo_named_on_the_command_line_is_read_as_a_stream() {
        let d = dir("fifo-arg");
        let fifo = d.join("live.fifo");
        mkfifo(&fifo);
        let mut child = errsig().args(["scan", "--format", "json"]).arg(&fifo).stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        // Opening for writing waits for errsig to open it for reading.
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        w.write_all(format!("$ claude -p hi\n{ERROR}").as_bytes()).unwrap();
        w.flush().unwrap();
        // With the FIFO still open: a file would be sampled (1 MiB) first.
        let got = rx.recv_timeout(Duration::from_secs(20)).expect("the finding while the FIFO is still open");
        assert!(got.contains(r#""rule":"403-permission-denied""#) && got.contains(r#""line":2"#), "{got}");
        drop(w);
        assert_eq!(wait(child).status.code(), Some(1));
    }

    #[test]
    fn a_fifo_met_while_walking_is_skipped() {
        let d = dir("fifo-walk");
        mkfifo(&d.join("nobody-writes.fifo"));
        let (code, out, err) = run(&[d.as_os_str()]);
        assert_eq!(code, Some(1), "the log is scanned: {out}{err}");
        assert!(out.contains("claude.log:2:"), "{out}");
        assert!(out.contains("(1 file scanned)"), "the FIFO is not a file scanned: {out}");
        assert_eq!(err, "", "skipping a FIFO is not worth a word");
    }

    #[test]
    fn a_symlink_loop_is_named_once_and_skipped() {
        let d = dir("loop");
        symlink(d.join("b"), d.join("a")).unwrap();
        symlink(d.join("a"), d.join("b")).unwrap();
        symlink("self", d.join("self")).unwrap();
        // A link to a directory above: not followed, so the walk cannot cycle.
        symlink("..", d.join("up")).unwrap();
        let (code, out, err) = run(&[d.as_os_str()]);
        assert_eq!(code, Some(1), "a loop is not an error of the scan: {err}");
        assert!(out.contains("claude.log:2:"), "{out}");
        for link in ["a", "b", "self"] {
            let named = format!("{}: a loop of symbolic links", d.join(link).display());
            assert_eq!(err.matches(&named).count(), 1, "{link} is named once: {err}");
        }
        assert_eq!(err.lines().count(), 3, "{err}");

        // Named on the command line, a loop is a path that cannot be read:
        // named once, status 2, and the other paths are still scanned.
        let (code, out, err) = run(&[d.join("a").as_os_str(), d.join("claude.log").as_os_str()]);
        assert_eq!(code, Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("cannot read {}", d.join("a").display())), "{err}");
        assert!(out.contains("claude.log:2:"), "{out}");
    }

    #[test]
    fn an_unreadable_file_is_named_and_makes_the_status_2() {
        let d = dir("unreadable");
        symlink(d.join("gone.log"), d.join("dangling.log")).unwrap();
        let log = d.join("claude.log");
        let mut cases: Vec<PathBuf> = vec![d.join("dangling.log")];
        // Opens, but the first read fails (EIO), even for root.
        if cfg!(target_os = "linux") {
            cases.push(PathBuf::from("/proc/self/mem"));
        }
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            use std::os::unix::fs::PermissionsExt;
            let locked = d.join("locked.log");
            std::fs::write(&locked, ERROR).unwrap();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
            cases.push(locked);
        }
        for bad in &cases {
            let (code, out, err) = run(&[bad.as_os_str(), log.as_os_str()]);
            assert_eq!(code, Some(2), "{}: {err}", bad.display());
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(&format!("cannot read {}", bad.display())), "{err}");
            assert!(out.contains("claude.log:2:"), "the rest is scanned: {out}");
        }
    }
}

/// PowerShell's `>` and `Out-File` write UTF-16LE with a byte order mark;
/// some tools write UTF-16BE. Both are decoded: the same finding, on the same
/// line and column, as the UTF-8 file; from a file, a large (mapped) file
/// and standard input.
mod utf16 {
    use std::io::Write;
    use std::process::{Command, Stdio};

    const LOG: &str = "PS C:\\> claude -p hi\r\n\
        · working\r\n\
        API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CQ7qZma6cJxJaT73dZWee\"} · Please run /login\r\n\
        PS C:\\> 😀 done\r\n";

    fn encode(text: &str, big_endian: bool) -> Vec<u8> {
        let mut v = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in text.encode_utf16() {
            v.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        v
    }

    /// `errsig scan --format json` of `bytes`, as a file or on standard
    /// input; the path and the timing fields are not compared.
    fn scan(bytes: &[u8], stdin: bool, tag: &str) -> Vec<serde_json::Value> {
        let mut c = Command::new(env!("CARGO_BIN_EXE_errsig"));
        c.env_remove("CI").args(["scan", "--format", "json"]).stdout(Stdio::piped());
        let out = if stdin {
            let mut child = c.arg("-").stdin(Stdio::piped()).spawn().unwrap();
            child.stdin.take().unwrap().write_all(bytes).unwrap();
            child.wait_with_output().unwrap()
        } else {
            let path = std::env::temp_dir().join(format!("errsig-utf16-{tag}-{}.log", std::process::id()));
            std::fs::write(&path, bytes).unwrap();
            let out = c.arg(&path).stdin(Stdio::null()).output().unwrap();
            let _ = std::fs::remove_file(&path);
            out
        };
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                if let Some(o) = v.as_object_mut() {
                    o.remove("path");
                }
                v
            })
            .collect()
    }

    #[test]
    fn utf16_files_and_stdin_give_the_utf8_findings() {
        // Large enough to be mapped: the mapped path must hand UTF-16 to the
        // decoder too.
        let big: String = "PS C:\\> ls\r\n".repeat(120_000) + LOG;
        for (text, tag) in [(LOG.to_owned(), "small"), (big, "big")] {
            let want = scan(text.as_bytes(), false, &format!("{tag}-utf8"));
            assert_eq!(want.len(), 1, "{tag}: {want:?}");
            assert_eq!(want[0]["rule"], "403-permission-denied", "{want:?}");
            for be in [false, true] {
                let raw = encode(&text, be);
                for stdin in [false, true] {
                    let got = scan(&raw, stdin, &format!("{tag}-{be}"));
                    assert_eq!(got, want, "{tag}, big-endian {be}, stdin {stdin}");
                }
            }
        }
    }
}
