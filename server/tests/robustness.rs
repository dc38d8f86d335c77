//! No panic on any bytes, and positions that always point into the input.
//!
//! A deterministic pseudo-random search (no extra dependencies, same cases on
//! every run): real captures mutated byte by byte, spliced, cut, sprinkled
//! with escape sequences and fed in random chunks, plus pure noise.

use errsig::rules::Catalog;
use errsig::Engine;
use std::path::Path;
use std::sync::Arc;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPICE: &[&[u8]] = &[
    b"\x1b[",
    b"\x1b]8;;",
    b"\x1b[2K\x1b[1A",
    b"\r",
    b"\n",
    b"{",
    b"}",
    b"\"",
    b"'",
    b"\\",
    b"\xe2\x8e\xbf ",
    b"\xf0\x9f\x98\x80",
    b"\xff",
    b"API Error: 403 ",
    b"HTTP/1.1 403 Forbidden\r\n",
    b"Error code: 403 - ",
    b"\x1b[9999999999G",
    b"\x1b[40;1H",
];

/// `errsig scan --format json` with the environment pinned.
fn errsig_json() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_errsig"));
    c.env_remove("CI").env("NO_COLOR", "1").args(["scan", "--format", "json"]);
    c
}

/// The JSON Lines of a finished scan, each with its `path` member emptied
/// (a file's and standard input's are the only difference expected).
fn json_lines(out: &std::process::Output, path: &str) -> Vec<String> {
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let from = format!(r#""path":{}"#, serde_json::json!(path));
    std::str::from_utf8(&out.stdout)
        .expect("JSON Lines are UTF-8")
        .lines()
        .map(|l| l.replacen(&from, r#""path":"""#, 1))
        .collect()
}

/// The findings of `doc` written to a temporary file and scanned as one.
fn scan_file(doc: &[u8], name: &str) -> Vec<String> {
    let path = std::env::temp_dir().join(format!("errsig-{name}-{}.log", std::process::id()));
    std::fs::write(&path, doc).expect("temp file");
    let out = errsig_json().arg(&path).stdin(std::process::Stdio::null()).output().expect("errsig runs");
    let _ = std::fs::remove_file(&path);
    json_lines(&out, &path.display().to_string())
}

/// The findings of what `write` sends through standard input. It writes
/// from a thread of its own: findings come out while the input goes in,
/// and a full stdout pipe nobody reads would stop both.
fn scan_piped(write: impl FnOnce(&mut std::process::ChildStdin) + Send) -> Vec<String> {
    use std::process::Stdio;
    let mut child = errsig_json()
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("errsig runs");
    let mut stdin = child.stdin.take().expect("a pipe");
    let out = std::thread::scope(|s| {
        s.spawn(move || write(&mut stdin));
        child.wait_with_output().expect("errsig ends")
    });
    json_lines(&out, "<stdin>")
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(v.len() + 1);
        match rng.below(4) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 => {
                let s = SPICE[rng.below(SPICE.len())];
                v.splice(at..at, s.iter().copied());
            }
            2 => v.truncate(at),
            _ => {
                let end = (at + rng.below(64)).min(v.len());
                let copy = v[at..end].to_vec();
                let to = rng.below(v.len() + 1);
                v.splice(to..to, copy);
            }
        }
    }
    v
}

fn check(catalog: &Arc<Catalog>, rng: &mut Rng, input: &[u8], columns: Option<usize>) {
    let lines = input.iter().filter(|&&b| b == b'\n').count() as u32;
    let mut e = Engine::new(catalog.clone(), columns);
    let mut found = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(300));
        found.extend(e.feed(&rest[..n]));
        rest = &rest[n..];
    }
    found.extend(e.pending());
    found.extend(e.finish());
    for f in found {
        let (s, t) = (f.event.start, f.event.end);
        assert!((s.line, s.character) <= (t.line, t.character), "range reversed: {s:?} {t:?}");
        assert!(t.line <= lines, "end line {} past the input's {lines} lines", t.line);
    }
}

#[test]
fn no_panic_on_mutated_captures_or_noise() {
    let catalog = Arc::new(Catalog::builtin());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real");
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| b.len() < 20_000)
        .collect();
    inputs.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = 0;
    for round in 0..6 {
        for input in &inputs {
            let m = mutate(&mut rng, input);
            let columns = [None, Some(40), Some(80)][round % 3];
            check(&catalog, &mut rng, &m, columns);
            cases += 1;
        }
    }
    for _ in 0..200 {
        let n = rng.below(4096);
        let noise: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        check(&catalog, &mut rng, &noise, None);
        cases += 1;
    }
    assert!(cases > 700, "{cases}");
}

/// Past 2³² lines numbers saturate at `LAST_LINE` instead of wrapping
/// (a release build has no overflow checks): tested by starting the count
/// just below it rather than by writing four billion lines. Findings keep
/// coming while the input does (nothing piles up waiting for a distance
/// that no longer grows), and a number for people (`line + 1`) still fits.
#[test]
fn line_numbers_saturate_instead_of_wrapping() {
    use errsig::scan::LAST_LINE;
    let catalog = Arc::new(Catalog::builtin());
    let error = "Failed to authenticate. API Error: 403 Permission denied\n";
    // Generic (held back to be named by a specific printing nearby; the
    // findings after it wait behind it).
    let generic = "INFO:httpx:HTTP Request: POST https://api.anthropic.com/v1/messages \"HTTP/1.1 403 Forbidden\"\n";
    for start in [LAST_LINE - 40, LAST_LINE, u32::MAX] {
        let mut e = Engine::starting_at(catalog.clone(), None, start);
        let mut during = Vec::new();
        for i in 0..200 {
            let mut chunk = String::from("ordinary output\nmore output\n");
            chunk.push_str(if i % 2 == 0 { error } else { generic });
            // Both paths of the scanner: lines skipped in bulk, lines read.
            chunk.push_str(&"skipped line\n".repeat(100));
            during.extend(e.feed(chunk.as_bytes()));
        }
        assert_eq!(e.line(), LAST_LINE, "start {start}");
        let at_end = e.finish();
        assert!(during.len() >= 100, "start {start}: findings came while feeding ({})", during.len());
        assert!(at_end.len() <= 2, "start {start}: {} waited for the end", at_end.len());
        for f in during.iter().chain(&at_end) {
            let (s, t) = (f.event.start.line, f.event.end.line);
            assert!(s >= start.min(LAST_LINE) && s <= t && t <= LAST_LINE, "start {start}: lines {s}..{t}");
            assert!(t.checked_add(1).is_some());
        }
    }
}

/// A stream that arrives faster than one core scans it is read in large
/// buffers whose search is spread over the cores (`cli/pipe.rs`): every
/// capture, TUI transcripts included, between quiet stretches long enough
/// to be skipped, written in one go, lists what the file lists.
#[test]
fn a_fast_stream_searched_on_several_cores_lists_what_the_file_lists() {
    use std::io::Write;

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real");
    let mut captures: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    captures.sort();
    let mut doc = Vec::new();
    let mut round = 0;
    while doc.len() < 40 * 1024 * 1024 {
        for (i, p) in captures.iter().enumerate() {
            doc.extend(std::fs::read(p).expect("a capture"));
            doc.push(b'\n');
            for n in 0..((i + round) * 997 % 6000) {
                doc.extend_from_slice(
                    format!("2026-11-28T10:00:{:02}Z INFO worker: job {n} 403 done\n", n % 60).as_bytes(),
                );
            }
        }
        round += 1;
    }
    let file = scan_file(&doc, "stream");
    let piped = scan_piped(|stdin| stdin.write_all(&doc).expect("errsig reads its input"));
    assert!(file.len() > 200, "findings: {}", file.len());
    assert_eq!(piped.len(), file.len());
    for (i, (a, b)) in file.iter().zip(&piped).enumerate() {
        assert_eq!(a, b, "finding {i}");
    }
}

/// The order findings are listed in does not depend on how the input was
/// read (the chunking fuzz finding `chunking-order-differs-by-chunk`): a
/// file read whole (mapped, and cut into pieces scanned on several threads
/// when the machine has them: it is larger than the 8 MiB where splitting
/// starts), the same bytes piped through standard input in small writes,
/// and piped in large ones give identical JSON Lines. Each group of the
/// file opens with a generic printing (httpx's log line of a 403, held back
/// to be named by a specific printing of the same failure) and has a
/// specific finding next to it and another one 200 lines on: past the point
/// where the generic one is let out, but within one read of a file, so that
/// a finding emitted at once overtook it in one read (the file: 429, 401,
/// 403) and not in another (small writes: 429, 403, 401).
#[test]
fn a_file_read_whole_piped_or_split_lists_the_same_findings_in_the_same_order() {
    use std::io::Write;

    const GENERIC: &str =
        "INFO:httpx:HTTP Request: POST https://api.anthropic.com/v1/messages \"HTTP/1.1 403 Forbidden\"\n";
    const NEAR: &str = "API Error: 429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit for your organization of 50 requests per minute.\"},\"request_id\":\"req_011CSHmzpnGHTh7ZxBa1cFA2\"}\n";
    const FAR: &str = "Failed to authenticate. API Error: 401 {\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}\n";
    let quiet = |n: usize, out: &mut Vec<u8>| {
        for i in 0..n {
            out.extend_from_slice(
                format!("2026-11-28T10:{:02}:{:02}Z INFO worker: job {i} done\n", i / 60 % 60, i % 60).as_bytes(),
            );
        }
    };
    // The byte range of each group, written in small pieces when piped.
    let mut doc = Vec::new();
    let mut groups = Vec::new();
    while doc.len() < 9 * 1024 * 1024 {
        quiet(5, &mut doc);
        let start = doc.len();
        doc.extend_from_slice(GENERIC.as_bytes());
        doc.extend_from_slice(NEAR.as_bytes());
        quiet(200, &mut doc);
        doc.extend_from_slice(FAR.as_bytes());
        groups.push(start..doc.len());
        // A quiet stretch long enough for the file to be cut in it.
        quiet(1500, &mut doc);
    }

    let whole = scan_file(&doc, "order");

    // Piped: the groups in writes of 1 to 16 bytes (each flushed, so reads
    // end inside them), the quiet stretches in writes of `quiet_write`.
    let piped = |quiet_write: usize| {
        scan_piped(|stdin| {
            let mut at = 0;
            let mut n = 0usize;
            for g in &groups {
                for piece in doc[at..g.start].chunks(quiet_write) {
                    stdin.write_all(piece).expect("errsig reads its input");
                }
                let mut i = g.start;
                while i < g.end {
                    n = n.wrapping_mul(31).wrapping_add(7);
                    let k = (1 + n % 16).min(g.end - i);
                    stdin.write_all(&doc[i..i + k]).expect("errsig reads its input");
                    stdin.flush().expect("flush");
                    i += k;
                }
                at = g.end;
            }
            stdin.write_all(&doc[at..]).expect("errsig reads its input");
        })
    };
    let small = piped(4096);
    let large = piped(1 << 20);

    let lines = |v: &[String]| -> Vec<(u64, String)> {
        v.iter()
            .map(|l| {
                let f: serde_json::Value = serde_json::from_str(l).expect("one JSON object a line");
                (f["line"].as_u64().unwrap_or(0), f["rule"].as_str().unwrap_or("").to_owned())
            })
            .collect()
    };
    assert_eq!(
        whole.len(),
        3 * groups.len(),
        "every group's three findings: {:?}",
        &lines(&whole)[..6.min(whole.len())]
    );
    assert_eq!(lines(&small), lines(&whole), "piped in small writes");
    assert_eq!(small, whole, "piped in small writes");
    assert_eq!(large, whole, "piped in large writes");
    // The held generic printing is listed before the finding 200 lines on
    // in every group (a finding emitted at once used to overtake it).
    for g in whole.chunks(3) {
        let found = lines(g);
        let rules: Vec<&str> = found.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(rules, ["403-generic", "429-rate-limit", "401-authentication"], "{found:?}");
    }
}
