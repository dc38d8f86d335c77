//! The hot path's search: where the next line that may matter starts.
//!
//! [`anchors::may_match_raw`] and [`anchors::opens_body_raw`] decide exactly
//! whether a line may matter; that test searches ~55 literals (keywords,
//! every fixed text, TUI marks, body openers), which needs aho-corasick's
//! *Fat* Teddy (more than 32 patterns, 16 bytes a step) with 3-byte
//! fingerprints such as `403`, `rro` and `The` that ordinary log lines are
//! full of: 50-58 % of a file scan (BENCHMARKS.md). Jumping between lines
//! needs only a superset, because the scanner applies the exact test to
//! every line it stops at (`Scanner::skippable`). So this search looks for
//! fewer, rarer literals, each contained in one or more of the exact ones
//! (`Denied` for `AccessDenied` and `PermissionDenied`, `API` for `API
//! Error` and four fixed texts, `Forbidden` for `403 Forbidden`: never a lowercase decoy): at most 32,
//! so Slim Teddy (32 bytes a step), and rarer fingerprints. Any exact
//! literal that none of them covers (a keyword or text added later) is
//! searched as it is, so the superset holds whatever the catalog becomes.
//!
//! ESC and BS (a terminal sequence may hide a keyword) are found with
//! `memchr2`; both searches remember their last answer, so a chunk is
//! searched once however many lines stop the scanner.

use super::anchors;
use aho_corasick::{packed, AhoCorasick};
use std::sync::LazyLock;

/// Rare literals, each inside one or more of the exact ones.
const RARE: &[&str] = &[
    "API",
    "or: ",
    "or (",
    "Error code",
    "' for",
    "HTTP",
    "Request",
    "Denied",
    "<title>",
    "Forbidden",
    "\"error",
    "'error",
    "\"Message",
    "Credit",
    "There's an",
    "Claude",
    "OAuth",
    // TUI marks, whole.
    "⎿",
    "●",
    "⏺",
    "─",
    "━",
    "═",
    // Body openers: a line that is only `{`, `[` or `[{`, matched with the
    // byte before it (CRLF forms are covered by their last three bytes).
    "\n{\n",
    " {\n",
    "\t{\n",
    "\n[\n",
    " [\n",
    "\t[\n",
    "[{\n",
    "{\r\n",
    "[\r\n",
];

enum Searcher {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Searcher {
    fn find(&self, hay: &[u8]) -> Option<usize> {
        match self {
            Searcher::Packed(s) => s.find(hay).map(|m| m.start()),
            Searcher::Automaton(a) => a.find(hay).map(|m| m.start()),
        }
    }
}

/// The literals searched: [`RARE`], and every exact literal none covers.
fn literals() -> Vec<Vec<u8>> {
    let mut pats: Vec<Vec<u8>> = RARE.iter().map(|r| r.as_bytes().to_vec()).collect();
    for exact in anchors::hot_literals() {
        if !RARE.iter().any(|r| memchr::memmem::find(&exact, r.as_bytes()).is_some()) {
            pats.push(exact);
        }
    }
    pats
}

static SEARCHER: LazyLock<Searcher> = LazyLock::new(|| {
    let pats = literals();
    match packed::Config::new().builder().extend(&pats).build() {
        Some(s) => Searcher::Packed(s),
        None => Searcher::Automaton(AhoCorasick::new(&pats).expect("hot literals are valid patterns")),
    }
});

/// A search over one run of complete lines, remembering its answers.
pub(crate) struct HotLines<'a> {
    lines: &'a [u8],
    /// The next literal match at or after the offset it was searched from.
    word: Option<(usize, Option<usize>)>,
    /// The same for ESC and BS.
    esc: Option<(usize, Option<usize>)>,
}

impl<'a> HotLines<'a> {
    /// A search over `lines`, which ends with `\n`.
    pub(crate) fn new(lines: &'a [u8]) -> Self {
        HotLines { lines, word: None, esc: None }
    }

    /// The start of the first line at or after `at` (a line start) that may
    /// matter: every line that does is found (more may be).
    pub(crate) fn next(&mut self, at: usize) -> Option<usize> {
        let rest = &self.lines[at..];
        let first = rest.split(|&b| b == b'\n').next().unwrap_or_default();
        if anchors::opens_body_raw(first) {
            return Some(at);
        }
        // A remembered answer holds for any later offset up to it: nothing
        // matched between where it was searched from and it.
        let word = remembered(&mut self.word, at, || SEARCHER.find(rest));
        let esc = remembered(&mut self.esc, at, || memchr::memchr2(0x1b, 0x08, rest));
        let hit = match (word, esc) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(memchr::memrchr(b'\n', &self.lines[at..hit]).map_or(at, |i| at + i + 1))
    }
}

fn remembered(
    slot: &mut Option<(usize, Option<usize>)>,
    at: usize,
    search: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    if let Some((from, found)) = *slot {
        if from <= at && found.is_none_or(|f| f >= at) {
            return found;
        }
    }
    let found = search().map(|i| at + i);
    *slot = Some((at, found));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exact_literal_is_covered_and_the_search_is_slim() {
        let pats = literals();
        for exact in anchors::hot_literals() {
            assert!(
                pats.iter().any(|p| memchr::memmem::find(&exact, p).is_some()),
                "{:?}",
                String::from_utf8_lossy(&exact)
            );
        }
        // Today's catalog needs nothing beyond the rare literals: Slim Teddy.
        assert_eq!(pats.len(), RARE.len(), "an exact literal is not covered by a rare one");
        assert!(pats.len() <= 32);
    }

    /// Whatever the lines, every line the exact test keeps is found.
    #[test]
    fn no_line_that_may_matter_is_skipped() {
        let mut lines: Vec<Vec<u8>> = anchors::hot_literals();
        lines.extend(
            ["plain", "", "{", "  [", "\t[{", "x {", "\x1b[31mred", "a\x08b", "error: 403", "403 forbidden"]
                .map(|s| s.as_bytes().to_vec()),
        );
        let mut doc = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            for _ in 0..(i % 3) {
                doc.extend_from_slice(b"2026-11-28T10:00:00.000Z INFO api: job done\n");
            }
            doc.extend_from_slice(l.strip_prefix(b"\n").unwrap_or(l));
            if !doc.ends_with(b"\n") {
                doc.push(b'\n');
            }
        }
        for crlf in [false, true] {
            let doc = if crlf { String::from_utf8_lossy(&doc).replace('\n', "\r\n").into_bytes() } else { doc.clone() };
            let mut want = Vec::new();
            let mut start = 0;
            for l in doc.split_inclusive(|&b| b == b'\n') {
                let line = &l[..l.len() - 1];
                if anchors::may_match_raw(line) || anchors::opens_body_raw(line) {
                    want.push(start);
                }
                start += l.len();
            }
            let mut got = Vec::new();
            let mut hot = HotLines::new(&doc);
            let mut at = 0;
            while let Some(s) = hot.next(at) {
                got.push(s);
                at = s + memchr::memchr(b'\n', &doc[s..]).map_or(doc.len() - s, |i| i + 1);
                if at >= doc.len() {
                    break;
                }
            }
            for w in &want {
                assert!(
                    got.contains(w),
                    "line at {w} skipped: {:?}",
                    String::from_utf8_lossy(&doc[*w..]).lines().next()
                );
            }
        }
    }
}
