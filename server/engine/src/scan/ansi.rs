//! Terminal normalisation of one physical line.
//!
//! A line of a terminal transcript is not text: it is a little program for a
//! cursor. Colours (SGR), hyperlinks (OSC 8), shell-integration marks
//! (OSC 133/633), `\r` overdraw, spinners and cursor movement all appear in
//! raw pty streams. Newer Claude Code versions even position words with
//! `ESC[<n>G` / `ESC[<n>C` instead of printing spaces, so stripping escapes
//! would glue words together. We therefore *play* the line on a one-row
//! virtual screen and read the row back.
//!
//! Full-screen TUIs (Claude Code 2.1.x on the alternate screen) do not print
//! newlines at all: they move the cursor down (`\r ESC[1B`) or address rows
//! (`ESC[<r>;<c>H`). Any vertical movement therefore starts a new *virtual
//! row*: one physical line of the stream can yield several rows of text, all
//! mapped back to the same physical line. Moving up is a redraw, and a redraw
//! is a new printing, so it starts a new row too.
//!
//! Every cell remembers the byte offset in the original line of the character
//! that put it there, so positions in the normalised text can be mapped back
//! to the original bytes (see [`NormLine::orig`]).

use unicode_width::UnicodeWidthChar;

/// Cell placeholder for the second column of a wide (CJK, emoji) character.
const WIDE_TAIL: char = '\u{0}';

/// The lines we keep are capped so that one pathological line (a minified
/// bundle, a binary blob) cannot make the scanner's memory unbounded.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// The widest row the virtual screen has: cursor movement beyond it is
/// clamped, so `ESC[4096C` repeated cannot make a row of a billion cells.
pub const MAX_COLUMNS: usize = 64 * 1024;

/// A physical line after terminal normalisation.
#[derive(Debug, Clone, Default)]
pub struct NormLine {
    /// The visible text, without escapes, overdraw resolved.
    pub text: String,
    /// For each byte of `text` (plus one past the end), the byte offset in the
    /// original line of the character it came from. Empty when the line had
    /// nothing to interpret: then offsets are the identity (see [`NormLine::orig_at`]).
    pub orig: Vec<u32>,
    /// Display width of `text` in terminal columns.
    pub width: usize,
}

#[derive(Clone, Copy)]
struct Cell {
    ch: char,
    orig: u32,
}

impl NormLine {
    /// The original byte offset of byte `i` of `text` (`i == text.len()` is
    /// the end of the line).
    pub fn orig_at(&self, i: usize) -> u32 {
        if self.orig.is_empty() {
            i as u32
        } else {
            self.orig[i.min(self.orig.len() - 1)]
        }
    }
}

/// Normalise one physical line (without its trailing `\n`; a trailing `\r`
/// of a CRLF pair must already be removed) into its virtual rows. The result
/// is never empty: a blank line yields one empty row.
pub fn normalise(line: &[u8]) -> Vec<NormLine> {
    let line = &line[..line.len().min(MAX_LINE_BYTES)];
    // Most lines of a log have nothing for a terminal to interpret: keep them
    // as they are, without building cells. This is the scanner's hot path.
    // A fold, not `any`: without the early exit the test runs on SIMD
    // lanes, and nearly every line has no control byte to exit on.
    if !line.iter().fold(false, |seen, &b| seen | (b < 0x20) | (b == 0x7f)) {
        if let Ok(text) = std::str::from_utf8(line) {
            let trimmed = text.trim_end_matches(' ');
            let width = if trimmed.is_ascii() { trimmed.len() } else { unicode_width::UnicodeWidthStr::width(trimmed) };
            return vec![NormLine { text: trimmed.to_owned(), orig: Vec::new(), width }];
        }
    }
    let mut screen = Row::default();
    let mut rows = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        match b {
            0x1b => {
                let (next, moved) = escape(line, i, &mut screen);
                if let Some(col) = moved {
                    let done = std::mem::take(&mut screen);
                    if !done.cells.is_empty() {
                        rows.push(done.finish(i as u32));
                    }
                    screen.cursor = col;
                }
                i = next;
            }
            0x0b | 0x0c => {
                let col = screen.cursor;
                let done = std::mem::take(&mut screen);
                if !done.cells.is_empty() {
                    rows.push(done.finish(i as u32));
                }
                screen.cursor = col;
                i += 1;
            }
            b'\r' => {
                screen.cursor = 0;
                i += 1;
            }
            0x08 => {
                screen.cursor = screen.cursor.saturating_sub(1);
                i += 1;
            }
            b'\t' => {
                let next = ((screen.cursor / 8 + 1) * 8).min(MAX_COLUMNS);
                while screen.cursor < next {
                    screen.put(' ', i as u32);
                }
                screen.cursor = next;
                i += 1;
            }
            0x00..=0x1f | 0x7f => i += 1,
            _ => {
                let (ch, len) = decode_char(&line[i..]);
                screen.put(ch, i as u32);
                i += len;
            }
        }
    }
    if !screen.cells.is_empty() || rows.is_empty() {
        rows.push(screen.finish(line.len() as u32));
    }
    rows.retain(|r| !r.text.is_empty() || line.is_empty());
    if rows.is_empty() {
        rows.push(NormLine { orig: vec![line.len() as u32], ..NormLine::default() });
    }
    rows
}

/// Decode one UTF-8 character; an invalid byte becomes U+FFFD of length 1.
fn decode_char(bytes: &[u8]) -> (char, usize) {
    let len = match bytes[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return ('\u{fffd}', 1),
    };
    match bytes.get(..len).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(s) => (s.chars().next().unwrap_or('\u{fffd}'), len),
        None => ('\u{fffd}', 1),
    }
}

#[derive(Default)]
struct Row {
    cells: Vec<Cell>,
    cursor: usize,
}

impl Row {
    fn put(&mut self, ch: char, orig: u32) {
        if self.cursor >= MAX_COLUMNS {
            return;
        }
        let w = ch.width().unwrap_or(0);
        if w == 0 {
            // Combining marks and zero-width characters attach to the
            // previous cell's text; keep them so messages stay intact.
            if self.cursor > 0 && self.cursor <= self.cells.len() {
                self.cells.insert(self.cursor, Cell { ch, orig });
                self.cursor += 1;
            }
            return;
        }
        while self.cells.len() < self.cursor {
            self.cells.push(Cell { ch: ' ', orig });
        }
        let cell = Cell { ch, orig };
        if self.cursor < self.cells.len() {
            self.cells[self.cursor] = cell;
        } else {
            self.cells.push(cell);
        }
        self.cursor += 1;
        if w == 2 {
            let tail = Cell { ch: WIDE_TAIL, orig };
            if self.cursor < self.cells.len() {
                self.cells[self.cursor] = tail;
            } else {
                self.cells.push(tail);
            }
            self.cursor += 1;
        }
    }

    fn erase(&mut self, from: usize, to: usize) {
        let to = to.min(self.cells.len());
        for c in self.cells.iter_mut().take(to).skip(from) {
            c.ch = ' ';
        }
    }

    fn finish(self, end: u32) -> NormLine {
        let mut text = String::with_capacity(self.cells.len());
        let mut orig = Vec::with_capacity(self.cells.len() + 1);
        let mut width = 0;
        // Trailing blanks are what a terminal shows as nothing; trimming them
        // makes "a row exactly as wide as the terminal" comparable.
        let last = self.cells.iter().rposition(|c| c.ch != ' ' && c.ch != WIDE_TAIL).map_or(0, |p| p + 1);
        for c in &self.cells[..last] {
            if c.ch == WIDE_TAIL {
                continue;
            }
            width += c.ch.width().unwrap_or(0);
            let start = text.len();
            text.push(c.ch);
            orig.extend(std::iter::repeat_n(c.orig, text.len() - start));
        }
        // One past the end maps to the end of the last kept character, or
        // the end of the line when nothing was trimmed.
        let past_end = match self.cells[..last].last() {
            Some(_) if last == self.cells.len() => end,
            Some(c) => c.orig + 1,
            None => end,
        };
        orig.push(past_end);
        NormLine { text, orig, width }
    }
}

/// Interpret the escape sequence starting at `line[i] == ESC`; return the
/// index after it and, when the cursor left the row, the column it went to.
fn escape(line: &[u8], i: usize, row: &mut Row) -> (usize, Option<usize>) {
    let Some(&kind) = line.get(i + 1) else {
        return (line.len(), None);
    };
    let next = match kind {
        b'[' => return csi(line, i + 2, row),
        // Index, reverse index, next line.
        b'D' | b'M' => return (i + 2, Some(row.cursor)),
        b'E' => return (i + 2, Some(0)),
        // OSC, DCS, SOS, PM, APC: strings terminated by BEL or ST (ESC \).
        b']' | b'P' | b'X' | b'^' | b'_' => {
            let mut j = i + 2;
            loop {
                match line.get(j) {
                    None => break line.len(),
                    Some(0x07) => break j + 1,
                    Some(0x1b) if line.get(j + 1) == Some(&b'\\') => break j + 2,
                    Some(_) => j += 1,
                }
            }
        }
        // Character set selection takes one more byte: ESC ( B.
        b'(' | b')' | b'*' | b'+' | b'#' | b'%' => (i + 3).min(line.len()),
        _ => i + 2,
    };
    (next, None)
}

fn csi(line: &[u8], start: usize, row: &mut Row) -> (usize, Option<usize>) {
    let mut j = start;
    while j < line.len() && (0x30..=0x3f).contains(&line[j]) {
        j += 1;
    }
    let params = &line[start..j];
    while j < line.len() && (0x20..=0x2f).contains(&line[j]) {
        j += 1;
    }
    let Some(&fin) = line.get(j) else {
        return (line.len(), None);
    };
    if params.first().is_some_and(|p| matches!(p, b'?' | b'>' | b'<' | b'=')) {
        return (j + 1, None); // private modes: cursor visibility, bracketed paste…
    }
    let arg = |n: usize, default: usize| -> usize {
        params
            .split(|&b| b == b';')
            .nth(n)
            .and_then(|p| std::str::from_utf8(p).ok())
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|&v| v != 0)
            .unwrap_or(default)
            .min(4096)
    };
    match fin {
        b'G' | b'`' => row.cursor = (arg(0, 1) - 1).min(MAX_COLUMNS),
        b'C' | b'a' => row.cursor = (row.cursor + arg(0, 1)).min(MAX_COLUMNS),
        b'D' => row.cursor = row.cursor.saturating_sub(arg(0, 1)),
        b'A' | b'B' | b'e' => return (j + 1, Some(row.cursor)),
        b'E' | b'F' => return (j + 1, Some(0)),
        b'H' | b'f' => return (j + 1, Some((arg(1, 1) - 1).min(MAX_COLUMNS))),
        b'K' => match arg(0, 0) {
            0 => row.cells.truncate(row.cursor),
            1 => row.erase(0, row.cursor + 1),
            _ => row.cells.clear(),
        },
        b'J' => match arg(0, 0) {
            0 => row.cells.truncate(row.cursor),
            1 => row.erase(0, row.cursor + 1),
            _ => row.cells.clear(),
        },
        b'X' => {
            let n = arg(0, 1);
            row.erase(row.cursor, row.cursor + n);
        }
        b'P' => {
            let n = arg(0, 1);
            let end = (row.cursor + n).min(row.cells.len());
            if row.cursor < end {
                row.cells.drain(row.cursor..end);
            }
        }
        _ => {} // SGR colours, scrolling regions
    }
    (j + 1, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        rows(s).join("\n")
    }

    fn rows(s: &str) -> Vec<String> {
        normalise(s.as_bytes()).into_iter().map(|r| r.text).collect()
    }

    #[test]
    fn strips_colours_and_links() {
        assert_eq!(text("\x1b[31;1mAPI Error\x1b[0m: 403"), "API Error: 403");
        assert_eq!(text("\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\ and \x1b]633;C\x07more"), "link and more");
    }

    #[test]
    fn cursor_movement_becomes_spaces() {
        assert_eq!(text("API\x1b[1CError:\x1b[12G403"), "API Error: 403");
        assert_eq!(text("Permission\x1b[2Cdenied"), "Permission  denied");
    }

    #[test]
    fn carriage_return_overdraws() {
        assert_eq!(text("⠋ Thinking…\r\x1b[K⠙ Done"), "⠙ Done");
        assert_eq!(text("50%\r100%"), "100%");
    }

    #[test]
    fn maps_back_to_original_offsets() {
        let n = normalise("\x1b[31mab\x1b[0mc".as_bytes()).remove(0);
        assert_eq!(n.text, "abc");
        assert_eq!(n.orig, vec![5, 6, 11, 12]);
        let plain = normalise(b"plain text  ").remove(0);
        assert_eq!((plain.text.as_str(), plain.orig_at(3), plain.width), ("plain text", 3, 10));
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let n = normalise("日本 ⎿ x".as_bytes()).remove(0);
        assert_eq!(n.text, "日本 ⎿ x");
        assert_eq!(n.width, 8);
        assert_eq!(text("日本\x1b[1G中"), "中本");
    }

    #[test]
    fn vertical_movement_starts_virtual_rows() {
        // Claude Code 2.1.x on the alternate screen: no newlines at all.
        let raw = "\x1b[H\r\x1b[19B\x1b[38;5;220m\u{25cf}\x1b[3GPlease run /login \u{b7} API Error:\r\x1b[2C\x1b[1B403 Permission denied\r\x1b[14B\x1b[39m\x1b[K";
        assert_eq!(rows(raw), ["\u{25cf} Please run /login \u{b7} API Error:", "  403 Permission denied"]);
        // Ink's erase-and-redraw: the old frame's rows are gone.
        assert_eq!(rows("old\x1b[2K\x1b[1A\x1b[2K\x1b[G  \u{23bf} API Error: 403 "), ["  \u{23bf} API Error: 403"]);
        assert_eq!(rows(""), [""]);
    }

    #[test]
    fn cursor_movement_cannot_make_a_huge_row() {
        let bomb = "\x1b[4096C".repeat(30_000) + "x";
        let rows = normalise(bomb.as_bytes());
        assert!(rows.iter().all(|r| r.width <= MAX_COLUMNS), "{}", rows[0].width);
        let tabs = "\t".repeat(100_000) + "x";
        assert!(normalise(tabs.as_bytes()).iter().all(|r| r.width <= MAX_COLUMNS));
    }

    #[test]
    fn never_panics_on_truncated_sequences() {
        for s in ["\x1b", "\x1b[", "\x1b[12", "\x1b]8;;", "\x1b(", "\u{ff}\u{fe}", "a\x1b[999999999G b"] {
            let _ = normalise(s.as_bytes());
        }
        let _ = normalise(&[0xff, 0xc3, 0x1b, b'[', b'3', 0xe2, 0x8e]);
    }
}
