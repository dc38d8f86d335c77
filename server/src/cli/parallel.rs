//! Scanning one large file on several cores, with exactly the findings of
//! one pass.
//!
//! The file is cut into pieces at line boundaries and each piece is scanned
//! by an engine of its own, started [`WARM_LINES`] lines before the piece
//! (the warm-up). The engine's state at a line depends on at most
//! [`errsig::HISTORY_LINES`] lines before it (what the language server's
//! re-scan after a trim relies on too), so after the warm-up the piece's
//! engine is in the single pass's state, whatever the lines hold — a file
//! of nothing but errors is cut as a quiet log is:
//!
//! - the findings a piece's engine emits while it warms up are the previous
//!   piece's and are dropped; the previous piece's engine is not finished
//!   (what it holds at the cut, open or waiting, is emitted by the next);
//! - both engines are fed with a read ending at the cut, so the findings
//!   emitted up to the cut (a prefix of the single pass's list: the order
//!   does not depend on the reads) are exactly the previous piece's;
//! - the width is not fixed (`--columns` makes every line matter) and the
//!   piece after the cut holds no TUI block mark (`⎿`, `●`, `⏺`): the row
//!   assembler's width guess remembers rows from before any quiet stretch,
//!   and only a TUI block reads it.
//!
//! Otherwise each engine is fed at the same absolute read boundaries as the
//! single pass, and findings are numbered from the warm-up's first line and
//! then shifted: the result is the single pass's, in its order (checked by
//! the tests below on every fixture, cut inside them too).

use super::scan::CHUNK;
use errsig::rules::Catalog;
use errsig::{Engine, Finding};
use std::sync::{Arc, LazyLock};

/// Files smaller than this are scanned in one pass: splitting would not pay.
const PARALLEL_MIN: usize = 8 * 1024 * 1024;
/// The smallest piece: each costs an engine (its context patterns) and a
/// warm-up.
const PIECE_MIN: usize = 4 * 1024 * 1024;
/// The largest piece: a later piece's findings wait in memory until the
/// pieces before it are written, and a piece of nothing but errors finds
/// one in every line (`cli/scan.rs` lets a later piece run ahead by
/// [`AHEAD_READS`] reads, about one piece).
const PIECE_MAX: usize = 4 * 1024 * 1024;
/// How many reads' findings a later piece's thread may hold before it
/// waits for the pieces before it to be written: as many as a piece has,
/// so that the cores scan side by side even when every line is an error.
pub const AHEAD_READS: usize = PIECE_MAX / CHUNK;
/// Lines a piece's engine reads before the piece: twice what its state can
/// depend on.
pub const WARM_LINES: usize = 2 * errsig::HISTORY_LINES;

/// One piece of a file: scanned from `warm`, findings from `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Where the piece's engine starts reading (a line start).
    pub warm: usize,
    /// How many lines lie between `warm` and `start`.
    pub warm_lines: u32,
    /// The first byte of the piece (a line start).
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

/// Renumber a piece's findings: `by` is the line number of the warm-up's
/// first line in the file.
pub fn shift(findings: &mut [Finding], by: u32) {
    if by == 0 {
        return;
    }
    for f in findings {
        let e = &mut f.event;
        e.start.line += by;
        e.end.line += by;
        for c in &mut e.context {
            c.line += by;
        }
    }
}

/// The pieces to scan `bytes` in, for `threads` threads: one piece unless
/// the file is large, its width unknown and it can be cut exactly.
pub fn pieces(bytes: &[u8], columns: Option<usize>, threads: usize) -> Vec<Piece> {
    if columns.is_some() || threads <= 1 || bytes.len() < PARALLEL_MIN {
        return vec![whole(bytes)];
    }
    // A few pieces per thread, so that a slow piece holds up less of a
    // round.
    let size = (bytes.len() / (threads * 4)).clamp(PIECE_MIN, PIECE_MAX);
    pieces_of(bytes, size)
}

fn whole(bytes: &[u8]) -> Piece {
    Piece { warm: 0, warm_lines: 0, start: 0, end: bytes.len() }
}

/// The TUI block marks (see the module documentation).
static MARKS: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| aho_corasick::AhoCorasick::new(["⎿", "●", "⏺"]).expect("marks are valid patterns"));

/// Cut `bytes` into pieces of about `size` bytes where a cut is exact.
fn pieces_of(bytes: &[u8], size: usize) -> Vec<Piece> {
    let size = size.max(CHUNK);
    let mut cuts: Vec<(usize, usize, u32)> = Vec::new(); // (cut, warm, warm lines)
    let mut target = size;
    while target < bytes.len() {
        // A read boundary of the single pass.
        let f = target / CHUNK * CHUNK;
        target += size;
        let Some(nl) = memchr::memchr(b'\n', &bytes[f..]) else {
            break;
        };
        let cut = f + nl + 1;
        if cut >= bytes.len() || cuts.last().is_some_and(|&(c, _, _)| cut <= c) {
            continue;
        }
        let (warm, warm_lines) = lines_back(bytes, cut, WARM_LINES);
        // Too near the start for a whole warm-up, or lines so long that it
        // would cost more than the piece saves.
        if warm_lines < WARM_LINES || cut - warm > size.max(PIECE_MIN) / 2 {
            continue;
        }
        cuts.push((cut, warm, warm_lines as u32));
    }
    // A piece holding a TUI mark is joined to the piece before it.
    let mut end = bytes.len();
    let mut kept = Vec::new();
    for &(cut, warm, warm_lines) in cuts.iter().rev() {
        if MARKS.is_match(&bytes[cut..end]) {
            continue;
        }
        kept.push(Piece { warm, warm_lines, start: cut, end });
        end = cut;
    }
    kept.push(Piece { warm: 0, warm_lines: 0, start: 0, end });
    kept.reverse();
    kept
}

/// The start of the line `n` lines before the line starting at `at`, and
/// how many lines back that is (fewer at the start of the file).
fn lines_back(bytes: &[u8], at: usize, n: usize) -> (usize, usize) {
    let mut start = at;
    for walked in 0..n {
        if start == 0 {
            return (0, walked);
        }
        start = memchr::memrchr(b'\n', &bytes[..start - 1]).map_or(0, |i| i + 1);
    }
    (start, n)
}

/// Scan one piece, fed at the single pass's read boundaries and with a read
/// ending at each end of the piece. Each read's findings (numbered from the
/// warm-up's first line) go to `sink` as they come, so memory holds one
/// read's findings however dense the piece. What the warm-up emits is the
/// previous piece's and is dropped; only the file's last piece is finished
/// (see the module documentation). The lines read, warm-up included, or the
/// sink's first error.
pub fn scan<E>(
    catalog: &Arc<Catalog>,
    columns: Option<usize>,
    bytes: &[u8],
    piece: &Piece,
    mut sink: impl FnMut(Vec<Finding>) -> Result<(), E>,
) -> Result<u32, E> {
    let mut engine = Engine::new(catalog.clone(), columns);
    let mut at = piece.warm;
    while at < piece.end {
        let stop = if at < piece.start { piece.start } else { piece.end };
        let next = ((at / CHUNK + 1) * CHUNK).min(stop);
        let found = engine.feed(&bytes[at..next]);
        if at >= piece.start && !found.is_empty() {
            sink(found)?;
        }
        at = next;
    }
    let lines = engine.line();
    if piece.end == bytes.len() {
        sink(engine.finish())?;
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// What a finding says, for comparing two scans.
    fn key(f: &Finding) -> String {
        let e = &f.event;
        format!(
            "{} {}:{}-{}:{} {:?} {} {:?}",
            f.rule.id, e.start.line, e.start.column, e.end.line, e.end.column, e.context, e.text, e.request_id
        )
    }

    fn scan_pieces(catalog: &Arc<Catalog>, bytes: &[u8], pieces: &[Piece]) -> Vec<String> {
        let mut out = Vec::new();
        let mut before = 0u32;
        for p in pieces {
            let mut found = Vec::new();
            let lines = scan(catalog, None, bytes, p, |batch| {
                found.extend(batch);
                Ok::<(), ()>(())
            })
            .unwrap_or_default();
            shift(&mut found, before.saturating_sub(p.warm_lines));
            before += lines - p.warm_lines;
            out.extend(found.iter().map(key));
        }
        out
    }

    fn fixtures(dir: &Path, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                fixtures(&p, out);
            } else if p.extension().is_some_and(|e| e == "txt") {
                if let Ok(b) = std::fs::read(&p) {
                    out.push(b);
                }
            }
        }
    }

    #[test]
    fn pieces_give_the_findings_of_one_pass() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut texts = Vec::new();
        fixtures(&root, &mut texts);
        assert!(texts.len() > 50, "fixtures found: {}", texts.len());
        // The fixtures, each followed by a stretch of quiet log lines of a
        // varying length (sometimes too short to cut after), so that cuts
        // fall before, inside and after quiet stretches.
        let mut doc = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            doc.extend_from_slice(t);
            if !doc.ends_with(b"\n") {
                doc.push(b'\n');
            }
            for n in 0..(i * 97 % 1500) {
                doc.extend_from_slice(
                    format!("2026-11-28T10:00:{:02}Z INFO worker: job {n} 403 done\n", n % 60).as_bytes(),
                );
            }
        }
        // A long quiet stretch and a fixture without TUI marks at the end:
        // every size has a cut to make there, however many of the fixtures
        // hold marks.
        let plain =
            texts.iter().find(|t| !["⎿", "●", "⏺"].iter().any(|m| t.windows(m.len()).any(|w| w == m.as_bytes())));
        let (mut n, tail) = (0, doc.len() + 25 * CHUNK);
        while doc.len() < tail {
            doc.extend_from_slice(format!("2026-11-28T10:01:{:02}Z INFO worker: job {n} done\n", n % 60).as_bytes());
            n += 1;
        }
        doc.extend_from_slice(plain.expect("a fixture without TUI marks"));
        let catalog = Arc::new(Catalog::builtin());
        let one = scan_pieces(&catalog, &doc, &[whole(&doc)]);
        assert!(one.len() > 100, "findings: {}", one.len());
        for size in [CHUNK, 3 * CHUNK, 10 * CHUNK] {
            let pieces = pieces_of(&doc, size);
            // (Fixtures with TUI marks join pieces: fewer cuts at larger sizes.)
            assert!(pieces.len() > if size == CHUNK { 3 } else { 1 }, "{size}: {} pieces", pieces.len());
            assert_eq!(pieces.first().map(|p| p.start), Some(0));
            assert!(pieces.windows(2).all(|w| w[0].end == w[1].start));
            assert_eq!(pieces.last().map(|p| p.end), Some(doc.len()));
            let split = scan_pieces(&catalog, &doc, &pieces);
            assert_eq!(split.len(), one.len(), "{size}");
            for (a, b) in one.iter().zip(&split) {
                assert_eq!(a, b, "{size}");
            }
        }
    }

    #[test]
    fn a_dense_piece_hands_its_findings_over_read_by_read() {
        // A file of nothing but errors has no exact cut: it is one piece,
        // and its findings must not be gathered before they are written.
        let line = r#"API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"}} · Please run /login"#;
        let doc = format!("{line}\n").repeat(20_000);
        let catalog = Arc::new(Catalog::builtin());
        let (mut batches, mut total, mut largest) = (0usize, 0usize, 0usize);
        let lines = scan(&catalog, None, doc.as_bytes(), &whole(doc.as_bytes()), |b| {
            batches += 1;
            total += b.len();
            largest = largest.max(b.len());
            Ok::<(), ()>(())
        });
        assert_eq!(lines, Ok(20_000));
        assert_eq!(total, 20_000);
        assert!(batches >= doc.len() / CHUNK, "{batches} batches for {} reads", doc.len() / CHUNK);
        assert!(largest <= CHUNK / line.len() + 64, "a batch of {largest}");
    }

    /// Every fixture back to back, with no quiet line between them, TUI
    /// transcripts left out (a piece holding a mark is joined to the one
    /// before): cuts fall inside errors, tracebacks, held and waiting
    /// printings, and the pieces list the findings of one pass.
    #[test]
    fn fixtures_back_to_back_cut_anywhere_give_the_findings_of_one_pass() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut texts = Vec::new();
        fixtures(&root, &mut texts);
        let mut doc = Vec::new();
        for t in texts.iter().filter(|t| !MARKS.is_match(t)) {
            doc.extend_from_slice(t);
            if !doc.ends_with(b"\n") {
                doc.push(b'\n');
            }
        }
        let catalog = Arc::new(Catalog::builtin());
        let one = scan_pieces(&catalog, &doc, &[whole(&doc)]);
        assert!(one.len() > 100, "findings: {}", one.len());
        for size in [CHUNK, 2 * CHUNK + 1, 5 * CHUNK] {
            let pieces = pieces_of(&doc, size);
            assert!(pieces.len() > if size == CHUNK { 3 } else { 1 }, "{size}: {} pieces", pieces.len());
            let split = scan_pieces(&catalog, &doc, &pieces);
            assert_eq!(split.len(), one.len(), "{size}");
            for (a, b) in one.iter().zip(&split) {
                assert_eq!(a, b, "{size}");
            }
        }
    }

    /// A file of nothing but errors is cut as a quiet log is: the pieces
    /// list the findings of one pass.
    #[test]
    fn a_file_of_nothing_but_errors_is_cut_too() {
        let lines = [
            r#"API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"}} · Please run /login"#,
            "INFO:httpx:HTTP Request: POST https://api.anthropic.com/v1/messages \"HTTP/1.1 403 Forbidden\"",
            "< HTTP/1.1 403 Forbidden",
            r#"anthropic.PermissionDeniedError: Error code: 403 - {'type': 'error', 'error': {'type': 'permission_error', 'message': 'Permission denied'}}"#,
            "{",
            r#"  "type": "error","#,
            r#"  "error": {"type": "rate_limit_error", "message": "Number of requests has exceeded your rate limit"}"#,
            "}",
        ];
        let mut doc = String::new();
        for i in 0..40_000 {
            doc.push_str(lines[i * 7 % lines.len()]);
            doc.push('\n');
        }
        let catalog = Arc::new(Catalog::builtin());
        let one = scan_pieces(&catalog, doc.as_bytes(), &[whole(doc.as_bytes())]);
        assert!(one.len() > 10_000, "findings: {}", one.len());
        for size in [4 * CHUNK, 11 * CHUNK] {
            let pieces = pieces_of(doc.as_bytes(), size);
            assert!(pieces.len() > 3, "{size}: {} pieces", pieces.len());
            let split = scan_pieces(&catalog, doc.as_bytes(), &pieces);
            assert_eq!(split.len(), one.len(), "{size}");
            for (a, b) in one.iter().zip(&split) {
                assert_eq!(a, b, "{size}");
            }
        }
    }

    #[test]
    fn small_or_fixed_width_files_are_one_piece() {
        let doc = "INFO quiet\n".repeat(2_000_000);
        assert_eq!(pieces(doc.as_bytes(), Some(80), 4).len(), 1);
        assert_eq!(pieces(doc.as_bytes(), None, 1).len(), 1);
        assert_eq!(pieces(&doc.as_bytes()[..1000], None, 4).len(), 1);
        assert!(pieces(doc.as_bytes(), None, 2).len() > 1);
    }
}
