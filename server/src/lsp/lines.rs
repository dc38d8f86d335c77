//! A document's line index, sparse: the start of one line in every
//! [`STRIDE`] (and of the first line after every [`SPAN`] bytes), the
//! others found by counting newlines from the sample before them.
//!
//! A full index costs 8 bytes a line, about a tenth of a log's text: with a
//! thousand open logs that was what put the server over its memory goal
//! (BENCHMARKS.md). This one costs about a quarter of a byte a line, and a
//! look-up reads at most `STRIDE` lines or `SPAN` bytes plus one line of
//! text, which `memchr` does in microseconds.

/// Lines between samples.
const STRIDE: usize = 64;
/// Bytes after which the next line start is a sample, whatever `STRIDE`
/// says: a look-up in a file of long lines stays short.
const SPAN: usize = 64 * 1024;

/// Where lines start, sampled. The text is not kept here: every method is
/// given the text the index was built for.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    /// `(line, byte offset of its start)`, increasing in both; the first is
    /// always `(0, 0)`. The next sample after `(l, o)` is the first line
    /// start at `l + STRIDE` lines or `o + SPAN` bytes, whichever comes first.
    samples: Vec<(usize, usize)>,
    /// Lines in the text (a text ending with `\n` has an empty last line).
    count: usize,
}

impl LineIndex {
    /// The index of `text`.
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut index = LineIndex { samples: vec![(0, 0)], count: 1 };
        index.reindex_from(text, 0);
        index
    }

    /// Number of lines.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Byte offset where `line` starts; the text's end past the last line.
    pub(crate) fn start(&self, text: &[u8], line: usize) -> usize {
        if line >= self.count {
            return text.len();
        }
        let (l, o) = self.samples[self.samples.partition_point(|s| s.0 <= line) - 1];
        if l == line {
            return o;
        }
        memchr::memchr_iter(b'\n', &text[o..]).nth(line - l - 1).map_or(text.len(), |i| o + i + 1)
    }

    /// The line holding byte `offset` (the last line past the end).
    pub(crate) fn line_of(&self, text: &[u8], offset: usize) -> usize {
        let offset = offset.min(text.len());
        let (l, o) = self.samples[self.samples.partition_point(|s| s.1 <= offset) - 1];
        l + bytecount::count(&text[o..offset], b'\n')
    }

    /// After an edit that left the starts of lines `0..=line` where they
    /// were: index the rest of `text` (the edited text) again.
    pub(crate) fn reindex_from(&mut self, text: &[u8], line: usize) {
        let keep = self.samples.partition_point(|s| s.0 <= line);
        self.samples.truncate(keep.max(1));
        let (mut l, mut o) = self.samples[self.samples.len() - 1];
        let (mut line, base) = (l, o);
        for nl in memchr::memchr_iter(b'\n', &text[base..]) {
            line += 1;
            let start = base + nl + 1;
            if line - l >= STRIDE || start - o >= SPAN {
                (l, o) = (line, start);
                self.samples.push((l, o));
            }
        }
        self.count = line + 1;
        // Grown by doubling: give back what the last doubling left unused.
        if self.samples.capacity() > 2 * self.samples.len() + 8 {
            self.samples.shrink_to_fit();
        }
    }

    /// The first `n` lines (`cut` bytes) were removed from the text's top.
    pub(crate) fn trim_top(&mut self, n: usize, cut: usize) {
        let n = n.min(self.count - 1);
        // The samples past the cut stay samples: each gap after the new top
        // is part of an old gap, so no look-up grows.
        let past = self.samples.partition_point(|s| s.0 <= n);
        self.samples.drain(..past);
        for s in &mut self.samples {
            *s = (s.0 - n, s.1 - cut);
        }
        self.samples.insert(0, (0, 0));
        self.count -= n;
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.samples.capacity() * std::mem::size_of::<(usize, usize)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line start, the plain way.
    fn dense(text: &[u8]) -> Vec<usize> {
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', text).map(|i| i + 1)).collect()
    }

    fn check(index: &LineIndex, text: &[u8]) {
        let starts = dense(text);
        assert_eq!(index.len(), starts.len());
        for (line, &s) in starts.iter().enumerate() {
            assert_eq!(index.start(text, line), s, "start of line {line}");
        }
        assert_eq!(index.start(text, starts.len()), text.len());
        // Around every line start, and through the text in odd steps.
        let around = starts.iter().flat_map(|&s| [s.saturating_sub(1), s, s + 1]);
        for offset in around.chain((0..=text.len() + 2).step_by(997)) {
            let want = starts.partition_point(|&s| s <= offset) - 1;
            assert_eq!(index.line_of(text, offset), want, "line of byte {offset}");
        }
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }
    }

    /// Short lines, empty ones and lines longer than `SPAN`, so samples
    /// come from both rules.
    fn text(rng: &mut Rng, lines: usize) -> Vec<u8> {
        let mut t = Vec::new();
        for _ in 0..lines {
            let len = match rng.below(20) {
                0 => SPAN + rng.below(SPAN),
                1..=4 => 0,
                _ => rng.below(120),
            };
            t.extend(std::iter::repeat_n(b'x', len));
            t.push(b'\n');
        }
        if rng.below(2) == 0 {
            t.extend_from_slice(b"no newline at the end");
        }
        t
    }

    #[test]
    fn answers_as_a_full_index_does() {
        for t in [&b""[..], b"\n", b"a", b"a\n", b"\n\n\n", b"ab\ncd\n\nef"] {
            check(&LineIndex::new(t), t);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..6 {
            let lines = 1 + rng.below(400);
            let t = text(&mut rng, lines);
            check(&LineIndex::new(&t), &t);
        }
    }

    #[test]
    fn edits_and_trims_keep_it_exact() {
        let mut rng = Rng(42);
        let mut t = text(&mut rng, 300);
        let mut index = LineIndex::new(&t);
        for _ in 0..40 {
            if rng.below(3) == 0 {
                let n = rng.below(index.len());
                let cut = index.start(&t, n);
                t.drain(..cut);
                index.trim_top(n, cut);
            } else {
                // Replace a range from some byte on, as an edit does: the
                // lines up to the edit's own keep their starts.
                let at = rng.below(t.len() + 1);
                let end = (at + rng.below(300)).min(t.len());
                let line = index.line_of(&t, at);
                let lines = rng.below(8);
                let new = text(&mut rng, lines);
                t.splice(at..end, new);
                index.reindex_from(&t, line);
            }
            check(&index, &t);
        }
    }

    #[test]
    fn costs_a_fraction_of_a_byte_a_line() {
        let t = "2026-11-28T10:00:00.000Z INFO api: some words of a log line\n".repeat(100_000);
        let index = LineIndex::new(t.as_bytes());
        assert_eq!(index.len(), 100_001);
        // A full index held 8 bytes a line.
        assert!(index.heap_bytes() <= index.len() / 2, "{} bytes", index.heap_bytes());
    }
}
