//! Inputs the fuzzers found, replayed on every `cargo test` once fixed
//! (`server/fuzz/findings/`): each must now hold the property its target checks.

use errsig::rules::Catalog;
use errsig::{scan_bytes, Engine, Finding};
use std::sync::Arc;

fn names(found: &[Finding]) -> Vec<String> {
    found.iter().map(|f| format!("{}-{} {}", f.event.start.line, f.event.end.line, f.rule.id)).collect()
}

/// The chunking target's xorshift, so that the chunks are the fuzzer's.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// `chunking`: fed in the fuzzer's chunks, the engine names every finding as
/// one pass does (a generic printing's name came from whichever printings were
/// held at the same moment, which depended on where chunks ended).
#[test]
fn chunks_name_findings_as_one_pass_does() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/findings/chunking-naming-differs-by-chunk");
    let data = std::fs::read(path).expect("the fuzz finding is in the repository");
    let (ctl, doc) = data.split_at(4);
    let columns = match ctl[0] % 4 {
        0 => None,
        1 => Some(40),
        2 => Some(80),
        _ => Some(1 + ctl[1] as usize),
    };
    let max_chunk = 1 + (ctl[2] as usize % 64) * (1 + ctl[3] as usize % 8);
    let mut rng = Rng(u64::from_le_bytes([ctl[0], ctl[1], ctl[2], ctl[3], 1, 2, 3, 4]));
    let catalog = Arc::new(Catalog::builtin());
    let whole = names(&scan_bytes(catalog.clone(), columns, doc));
    let mut e = Engine::new(catalog, columns);
    let mut got = Vec::new();
    let mut at = 0;
    while at < doc.len() {
        let n = (1 + rng.below(max_chunk)).min(doc.len() - at);
        got.extend(e.feed(&doc[at..at + n]));
        at += n;
        let _ = rng.below(8);
    }
    got.extend(e.finish());
    assert_eq!(names(&got), whole, "chunks of at most {max_chunk} bytes");
}
