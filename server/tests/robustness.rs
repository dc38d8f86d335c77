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
    // Generic (held back to be named by a specific printing nearby).
    let generic = "> POST /v1/messages HTTP/1.1\nError: 403 status code (no body)\n";
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
        assert_eq!(e.scanner().line(), LAST_LINE, "start {start}");
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
