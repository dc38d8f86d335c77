//! Text with a way back to the original bytes.
//!
//! Detection works on normalised, rejoined text; findings must point into the
//! original document. A [`Logical`] line is normalised text plus, for every
//! byte, the physical line and original byte offset it came from. Positions
//! are turned into people's and LSP's coordinates ([`Pos`]) only when a
//! finding is made.

use super::ansi::NormLine;
use serde::Serialize;
use std::sync::Arc;

/// A place in the original bytes: physical line (0-based) and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Loc {
    /// 0-based line number, counted by `\n` in the original bytes.
    pub line: u32,
    /// Byte offset within that line.
    pub byte: u32,
}

/// A position as every face reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pos {
    /// 0-based line (add 1 for people).
    pub line: u32,
    /// Column in UTF-16 code units of the original line (LSP's default).
    pub character: u32,
    /// Column in Unicode scalar values (what a person counts; 0-based).
    #[serde(skip)]
    pub column: u32,
    /// Column in bytes of the original line (UTF-8 position encoding).
    #[serde(skip)]
    pub byte: u32,
}

/// A physical line as the scanner keeps it while it may still be needed.
#[derive(Debug)]
pub struct Row {
    /// 0-based line number.
    pub number: u32,
    /// The original bytes (capped, see [`super::ansi::MAX_LINE_BYTES`]).
    pub raw: Arc<[u8]>,
    /// The normalised text.
    pub norm: NormLine,
}

impl Row {
    /// Convert a byte offset of the original line into a [`Pos`].
    pub fn pos(&self, byte: u32) -> Pos {
        let end = (byte as usize).min(self.raw.len());
        let (column, character) = match std::str::from_utf8(&self.raw[..end]) {
            // Every finding asks this twice: count without decoding. A
            // character takes two UTF-16 units when it takes four bytes.
            Ok(prefix) => {
                let column = prefix.chars().count();
                (column, column + prefix.bytes().filter(|&b| b >= 0xF0).count())
            }
            Err(_) => {
                let prefix = String::from_utf8_lossy(&self.raw[..end]);
                (prefix.chars().count(), prefix.encode_utf16().count())
            }
        };
        Pos { line: self.number, character: character as u32, column: column as u32, byte: byte.min(self.raw.len() as u32) }
    }
}

/// Normalised text made of one or more physical rows, with its mapping.
#[derive(Debug, Clone, Default)]
pub struct Logical {
    /// The text.
    pub text: String,
    /// One [`Loc`] per byte of `text`, plus one for the end.
    pub map: Vec<Loc>,
    /// The rows the text came from, in order.
    pub rows: Vec<Arc<Row>>,
}

impl Logical {
    /// A logical line made of one row.
    pub fn from_row(row: Arc<Row>) -> Self {
        let mut l = Logical::default();
        l.push_row(row, 0, "");
        l
    }

    /// Append the text of `row` from normalised byte `from`, after `sep`
    /// (which maps to the end of the previous text).
    pub fn push_row(&mut self, row: Arc<Row>, from: usize, sep: &str) {
        let sep_loc = self.end();
        self.map.pop();
        self.text.push_str(sep);
        self.map.extend(std::iter::repeat_n(sep_loc, sep.len()));
        let text = &row.norm.text[from.min(row.norm.text.len())..];
        let base = row.norm.text.len() - text.len();
        self.text.push_str(text);
        self.map.extend((0..text.len()).map(|i| Loc { line: row.number, byte: row.norm.orig_at(base + i) }));
        self.map.push(Loc { line: row.number, byte: row.norm.orig_at(row.norm.text.len()) });
        if self.rows.last().is_none_or(|r| r.number != row.number) {
            self.rows.push(row);
        }
    }

    /// Append another logical line after `sep`.
    pub fn push_logical(&mut self, other: &Logical, sep: &str) {
        let sep_loc = self.end();
        self.map.pop();
        self.text.push_str(sep);
        self.map.extend(std::iter::repeat_n(sep_loc, sep.len()));
        self.text.push_str(&other.text);
        self.map.extend_from_slice(&other.map);
        for r in &other.rows {
            if self.rows.last().is_none_or(|l| l.number < r.number) {
                self.rows.push(r.clone());
            }
        }
    }

    /// The location just past the text.
    pub fn end(&self) -> Loc {
        self.map.last().copied().unwrap_or_default()
    }

    /// The location of byte `i` of the text.
    pub fn loc(&self, i: usize) -> Loc {
        self.map.get(i).copied().unwrap_or_else(|| self.end())
    }

    /// The first physical line.
    pub fn first_line(&self) -> u32 {
        self.rows.first().map_or(0, |r| r.number)
    }

    /// Convert a location into a position, using the rows kept here.
    pub fn pos(&self, loc: Loc) -> Pos {
        match self.rows.iter().find(|r| r.number == loc.line) {
            Some(r) => r.pos(loc.byte),
            None => Pos { line: loc.line, character: loc.byte, column: loc.byte, byte: loc.byte },
        }
    }

    /// A sub-range of this text, keeping the mapping.
    pub fn slice(&self, start: usize, end: usize) -> Logical {
        let end = end.min(self.text.len());
        let start = start.min(end);
        let mut map = self.map[start..end].to_vec();
        map.push(self.map.get(end).copied().unwrap_or_else(|| self.end()));
        let (first, last) = (map[0].line, map[map.len() - 1].line);
        Logical {
            text: self.text[start..end].to_owned(),
            map,
            rows: self.rows.iter().filter(|r| (first..=last).contains(&r.number)).cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions counted without decoding are the decoded text's: ASCII,
    /// two-, three- and four-byte characters, bytes that are not UTF-8,
    /// and offsets inside a character.
    #[test]
    fn a_position_counts_characters_and_utf16_units() {
        let raw: &[u8] = "a·b ⎿ c🔑d\u{10FFFF}e".as_bytes();
        let mut bytes = raw.to_vec();
        bytes.extend_from_slice(b"\xff\xc3x\xe2\x8f");
        for raw in [raw, &bytes[..]] {
            let row = Row { number: 3, raw: Arc::from(raw), norm: super::super::ansi::NormLine::default() };
            for byte in 0..=raw.len() as u32 + 2 {
                let prefix = String::from_utf8_lossy(&raw[..(byte as usize).min(raw.len())]).into_owned();
                let p = row.pos(byte);
                let want = (prefix.encode_utf16().count() as u32, prefix.chars().count() as u32);
                assert_eq!((p.character, p.column, p.line), (want.0, want.1, 3), "{byte}");
            }
        }
    }
}
