//! Chunking and checkpoints do not matter: the same bytes fed in
//! fuzzer-chosen chunks, or resumed from a clone taken at a line boundary
//! (what the language server does on an append), give exactly the findings
//! of one `scan_bytes` pass. And `pending`/`pending_live` never panic.
#![no_main]

use errsig::rules::Catalog;
use errsig::{scan_bytes, Engine, Finding};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, LazyLock};

static CATALOG: LazyLock<Arc<Catalog>> = LazyLock::new(|| Arc::new(Catalog::builtin()));

/// Everything a face shows of a finding, so two scans compare equal only if
/// every output would be the same.
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

/// A small xorshift seeded by the fuzzer: it picks the chunk sizes, so the
/// fuzzer controls them without spending input bytes on each one.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (ctl, doc) = data.split_at(4);
    let columns = match ctl[0] % 4 {
        0 => None,
        1 => Some(40),
        2 => Some(80),
        _ => Some(1 + ctl[1] as usize),
    };
    let max_chunk = 1 + (ctl[2] as usize % 64) * (1 + ctl[3] as usize % 8);
    let mut rng = Rng(u64::from_le_bytes([ctl[0], ctl[1], ctl[2], ctl[3], 1, 2, 3, 4]));

    let whole = summary(&scan_bytes(CATALOG.clone(), columns, doc));

    // Chunks; a checkpoint at the first line boundary past the middle.
    let mut e = Engine::new(CATALOG.clone(), columns);
    let mut got = Vec::new();
    let mut checkpoint: Option<(Engine, usize, usize)> = None;
    let mut at = 0;
    while at < doc.len() {
        let n = (1 + rng.below(max_chunk)).min(doc.len() - at);
        got.extend(e.feed(&doc[at..at + n]));
        at += n;
        if checkpoint.is_none() && at * 2 >= doc.len() && e.at_line_start() {
            checkpoint = Some((e.clone(), at, got.len()));
        }
        if rng.below(8) == 0 {
            let _ = e.pending();
            let _ = e.pending_live();
        }
    }
    got.extend(e.finish());
    assert_eq!(summary(&got), whole, "chunks of at most {max_chunk} bytes");

    // Resume from the checkpoint with the rest in one piece: the findings
    // emitted before it, and the clone's, are those of one pass.
    if let Some((mut cp, from, emitted)) = checkpoint {
        let mut resumed = got[..emitted].to_vec();
        resumed.extend(cp.feed(&doc[from..]));
        resumed.extend(cp.finish());
        assert_eq!(summary(&resumed), whole, "resumed at byte {from}");
    }
});
