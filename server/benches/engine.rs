//! The engine's stages, one criterion group each: the hot path over quiet
//! log lines, a whole scan of the issue-14 log shape, the dense file (every
//! line a finding), and the per-line stages a printing goes through
//! (normalising, anchors, evidence, redaction). Whole-process comparisons
//! with ripgrep are `bench/run.sh`'s; figures are in BENCHMARKS.md.
//!
//!   cargo bench -p errsig --features bench --bench engine   (or bench/run.sh --criterion)

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use errsig::rules::Catalog;
use errsig::scan::{anchors, ansi, attribution, redact};
use errsig::Engine;
use std::hint::black_box;
use std::sync::Arc;

const DENSE: &str = "API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"},\"request_id\":\"req_011CQ7qZma6cJxJaT73dZWee\"} · Please run /login";

/// About `bytes` of the issue's log: quiet lines with decoys, an error
/// every 100,000 lines (here: one, in the middle).
fn issue_log(bytes: usize) -> Vec<u8> {
    let words = ["request", "handled", "cache", "403", "forbidden", "denied", "error", "failed", "worker", "queue"];
    let mut v = Vec::with_capacity(bytes + 256);
    let mut n = 0usize;
    while v.len() < bytes {
        n += 1;
        if n == 5_000 {
            v.extend_from_slice(DENSE.as_bytes());
        } else {
            let k = 4 + n % 11;
            let line: Vec<&str> = (0..k).map(|i| words[(n * 7 + i * 3) % words.len()]).collect();
            v.extend_from_slice(
                format!("2026-11-28T10:{:02}:{:02}.{:03}Z INFO api: {}", n / 60 % 60, n % 60, n % 1000, line.join(" "))
                    .as_bytes(),
            );
        }
        v.push(b'\n');
    }
    v
}

fn scan(catalog: &Arc<Catalog>, input: &[u8]) -> usize {
    let mut e = Engine::new(catalog.clone(), None);
    let mut n = 0;
    for c in input.chunks(64 * 1024) {
        n += e.feed(c).len();
    }
    n + e.finish().len()
}

fn whole_scans(c: &mut Criterion) {
    let catalog = Arc::new(Catalog::builtin());
    let quiet = issue_log(8 << 20);
    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(quiet.len() as u64));
    g.bench_function("issue log, 8 MiB", |b| b.iter(|| scan(&catalog, black_box(&quiet))));
    let dense: Vec<u8> = format!("{DENSE}\n").repeat(5_000).into_bytes();
    g.throughput(Throughput::Elements(5_000));
    g.bench_function("dense, 5,000 findings", |b| b.iter(|| scan(&catalog, black_box(&dense))));
    let tui: Vec<u8> = format!("  ⎿  {DENSE}\n").repeat(2_000).into_bytes();
    g.throughput(Throughput::Elements(2_000));
    g.bench_function("TUI dense, 2,000 findings", |b| b.iter(|| scan(&catalog, black_box(&tui))));
    g.finish();
}

fn engine_start(c: &mut Criterion) {
    let catalog = Arc::new(Catalog::builtin());
    c.bench_function("engine start (context patterns)", |b| {
        b.iter_batched(|| catalog.clone(), |cat| Engine::new(cat, None), BatchSize::SmallInput);
    });
}

fn line_stages(c: &mut Criterion) {
    let tui = format!("  ⎿  {DENSE}");
    let mut g = c.benchmark_group("line");
    g.bench_function("ansi::normalise", |b| b.iter(|| ansi::normalise(black_box(tui.as_bytes()))));
    g.bench_function("anchors::find", |b| b.iter(|| anchors::find(black_box(DENSE))));
    g.bench_function("attribution::signal", |b| b.iter(|| attribution::signal(black_box(DENSE))));
    g.bench_function("redact::redact", |b| b.iter(|| redact::redact(black_box(DENSE)).len()));
    g.finish();
}

criterion_group!(benches, whole_scans, engine_start, line_stages);
criterion_main!(benches);
