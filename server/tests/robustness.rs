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
