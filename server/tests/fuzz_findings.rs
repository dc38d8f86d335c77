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

/// Everything a face shows of a finding, as the chunking target compares
/// them: two scans are equal only if every output would be the same.
fn summary(found: &[Finding]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            let e = &f.event;
            format!(
                "{:?}-{:?} {} {:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                e.start,
                e.end,
                f.rule.id,
                e.status,
                e.status_inferred,
                e.error_type,
                e.message,
                e.request_id,
                e.producer,
                e.platform,
                e.hints,
                e.text
            )
        })
        .collect()
}

/// Replay a chunking finding as the target does: its 4 control bytes pick
/// the width and the chunks. Returns one pass's findings, the chunked
/// ones, and the largest chunk.
fn replay(name: &str) -> (Vec<Finding>, Vec<Finding>, usize) {
    let path = format!("{}/fuzz/findings/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(&path).expect("the fuzz finding is in the repository");
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
    let whole = scan_bytes(catalog.clone(), columns, doc);
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
    (whole, got, max_chunk)
}

/// `chunking`: fed in the fuzzer's chunks, the engine names every finding as
/// one pass does (a generic printing's name came from whichever printings were
/// held at the same moment, which depended on where chunks ended).
#[test]
fn chunks_name_findings_as_one_pass_does() {
    let (whole, got, max_chunk) = replay("chunking-naming-differs-by-chunk");
    assert_eq!(names(&got), names(&whole), "chunks of at most {max_chunk} bytes");
    assert_eq!(summary(&got), summary(&whole), "chunks of at most {max_chunk} bytes");
}

/// `chunking`: fed one byte at a time, the engine lists the findings of one
/// pass in the same order. A generic `403 Forbidden` on the first line was
/// held back to be named and let out once the scan was far enough past it,
/// after the specific findings completed meanwhile; in one pass it came out
/// last. Findings after a held one now wait behind it.
#[test]
fn chunks_list_findings_in_the_order_of_one_pass() {
    let (whole, got, max_chunk) = replay("chunking-order-differs-by-chunk");
    assert_eq!(max_chunk, 1, "the finding feeds one byte at a time");
    assert_eq!(whole.len(), 7, "the seven findings the fuzzer saw: {:?}", names(&whole));
    // The held generic is the first line's, and it is listed first.
    assert_eq!(whole[0].event.start.line, 0, "{:?}", names(&whole));
    assert_eq!(summary(&got), summary(&whole), "chunks of at most {max_chunk} bytes");
}

/// `chunking`: generics named each other. A record or an AWS line with an
/// error type but no message counted as generic, and which generics were held
/// at once (so which name won) depended on where the chunks ended. Printings
/// with a type are specific again.
#[test]
fn generics_with_a_type_are_named_alike_in_any_chunks() {
    let (whole, got, max_chunk) = replay("chunking-generic-with-a-type");
    assert!(whole.len() >= 4, "the findings the fuzzer saw: {:?}", names(&whole));
    assert_eq!(summary(&got), summary(&whole), "chunks of at most {max_chunk} bytes");
}

/// `chunking`: a generic printing took a gateway's name from a held one of
/// equal rank that a specific printing renamed later in one pass, and the
/// specific name in chunks (where the other was renamed first). Names now
/// rank in a total order and only rise, so each chain of printings ends
/// with its highest name whatever order they came in.
#[test]
fn a_chain_of_printings_ends_with_its_highest_name_in_any_chunks() {
    let (whole, got, max_chunk) = replay("chunking-equal-names-by-order");
    assert!(whole.len() >= 8, "the findings the fuzzer saw: {:?}", names(&whole));
    assert_eq!(summary(&got), summary(&whole), "chunks of at most {max_chunk} bytes");
}
