//! What `errsig scan` reads: the bytes of a file or a stream as the engine
//! wants them (UTF-8, or bytes that are mostly UTF-8).
//!
//! PowerShell's `>` and `Out-File` (Windows PowerShell 5.1) write UTF-16LE
//! with a byte order mark, and some tools write UTF-16BE: such input is
//! decoded to UTF-8 on the way in. Line numbers and columns stay those of the
//! original (a newline is a newline in both; columns are counted in
//! characters and UTF-16 code units, which decoding keeps).

/// Files at least this large are mapped rather than read: below it a read
/// costs no more than setting up a mapping.
pub const MAP_MIN: u64 = 1024 * 1024;

/// Map a whole file read-only, or `None` when it cannot be mapped (some file
/// systems, a file being truncated under us is the caller's risk, as it is
/// for ripgrep): the caller then reads it.
#[allow(unsafe_code)] // mapping a file, below
pub fn map(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private to this process. Another
    // process truncating or rewriting the file while it is scanned can change
    // the bytes under us or end the process with SIGBUS; that is the accepted
    // cost of mapping (ripgrep makes the same choice for the files it names),
    // and the scanner reads the bytes as untrusted input anyway, so changed
    // bytes only change the findings.
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    #[cfg(unix)]
    {
        // Read front to back once: let the kernel read ahead.
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    Some(map)
}

/// How the input is encoded, decided by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// Not known yet: fewer than two bytes seen.
    Unknown,
    /// Passed through as it is (UTF-8, ASCII, or anything without a BOM).
    Bytes,
    /// UTF-16 with a BOM; `true` for big-endian.
    Utf16 { big_endian: bool },
}

/// A streaming decoder: feed raw chunks, get the engine's bytes back.
/// Chunk boundaries may fall anywhere, inside a code unit or a surrogate
/// pair included.
#[derive(Debug)]
pub struct Decoder {
    encoding: Encoding,
    /// Raw bytes not decoded yet: the start of the input while the BOM is
    /// undecided, or the odd byte of a code unit split by a chunk.
    carry: Vec<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    out: Vec<u8>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder { encoding: Encoding::Unknown, carry: Vec::new(), high: None, out: Vec::new() }
    }
}

impl Decoder {
    /// Decode the next raw chunk. The result borrows either the chunk itself
    /// (the common case: nothing to decode) or the decoder's buffer.
    pub fn push<'a>(&'a mut self, chunk: &'a [u8]) -> &'a [u8] {
        if self.encoding != Encoding::Unknown {
            return self.convert(chunk);
        }
        self.carry.extend_from_slice(chunk);
        // What follows a mark decides (see [`utf16`]); a stream is not kept
        // waiting longer than its first line.
        let marked = matches!(self.carry[..], [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]);
        let line = self.carry.chunks_exact(2).any(|u| u == [b'\n', 0] || u == [0, b'\n']);
        if self.carry.len() < 2 || (marked && self.carry.len() < CHECK && !line) {
            return &[];
        }
        self.decide()
    }

    /// Decide the encoding from the bytes so far and convert them.
    fn decide(&mut self) -> &[u8] {
        self.encoding = match utf16(&self.carry) {
            Some(big_endian) => Encoding::Utf16 { big_endian },
            None => Encoding::Bytes,
        };
        let first = std::mem::take(&mut self.carry);
        match self.encoding {
            Encoding::Utf16 { .. } => {
                self.out.clear();
                self.decode(&first[2..]);
            }
            _ => self.out = first,
        }
        &self.out
    }

    fn convert<'a>(&'a mut self, chunk: &'a [u8]) -> &'a [u8] {
        match self.encoding {
            Encoding::Utf16 { .. } => {
                self.out.clear();
                self.decode(chunk);
                &self.out
            }
            _ => chunk,
        }
    }

    /// End of input: what is left (a lone byte, an unpaired surrogate, a
    /// short input still undecided).
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.encoding == Encoding::Unknown {
            out = self.decide().to_vec();
        }
        match self.encoding {
            Encoding::Utf16 { .. } => {
                if self.high.take().is_some() || !self.carry.is_empty() {
                    out.extend_from_slice(char::REPLACEMENT_CHARACTER.encode_utf8(&mut [0; 4]).as_bytes());
                }
                self.carry.clear();
            }
            _ => out.append(&mut self.carry),
        }
        out
    }

    fn decode(&mut self, mut bytes: &[u8]) {
        let Encoding::Utf16 { big_endian } = self.encoding else {
            return;
        };
        let unit = |pair: [u8; 2]| if big_endian { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) };
        if let Some(&lo) = self.carry.first() {
            let Some((&b, rest)) = bytes.split_first() else {
                return;
            };
            self.carry.clear();
            self.unit(unit([lo, b]));
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        for p in &mut pairs {
            self.unit(unit([p[0], p[1]]));
        }
        self.carry.extend_from_slice(pairs.remainder());
    }

    fn unit(&mut self, u: u16) {
        let c = match (self.high.take(), u) {
            (None, 0xD800..=0xDBFF) => {
                self.high = Some(u);
                return;
            }
            (Some(h), 0xDC00..=0xDFFF) => {
                char::from_u32(0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            (Some(_), _) => {
                // An unpaired high surrogate, then this unit on its own.
                self.push_char(char::REPLACEMENT_CHARACTER);
                return self.unit(u);
            }
            (None, _) => char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER),
        };
        self.push_char(c);
    }

    fn push_char(&mut self, c: char) {
        self.out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

/// How much of the start is checked to tell UTF-16 from bytes that only
/// begin like a byte order mark.
const CHECK: usize = 4096;

/// Whether `start`, the first bytes of a file or stream, is UTF-16 with a
/// byte order mark: `Some(true)` for big-endian. The mark alone is not
/// enough (binary junk and invalid UTF-8 can begin `FF FE`): what follows it
/// must read as text, with no NUL and no unpaired surrogate, and at least a
/// quarter ASCII (the errors errsig finds are ASCII; a log holding them is
/// not all CJK).
pub fn utf16(start: &[u8]) -> Option<bool> {
    let big_endian = match start {
        [0xFF, 0xFE, ..] => false,
        [0xFE, 0xFF, ..] => true,
        _ => return None,
    };
    let body = &start[2..start.len().min(CHECK)];
    let mut units: Vec<u16> = body
        .chunks_exact(2)
        .map(|p| {
            let pair = [p[0], p[1]];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        })
        .collect();
    // A surrogate pair cut by the end of the sample is not a fault.
    if units.last().is_some_and(|u| (0xD800..=0xDBFF).contains(u)) {
        units.pop();
    }
    let (mut ascii, mut total) = (0usize, 0usize);
    for r in char::decode_utf16(units) {
        match r {
            Ok('\0') | Err(_) => return None,
            Ok(c) => {
                total += 1;
                ascii += usize::from(c.is_ascii());
            }
        }
    }
    (ascii * 4 >= total).then_some(big_endian)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, big_endian: bool) -> Vec<u8> {
        let mut v = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in text.encode_utf16() {
            v.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        v
    }

    fn decode_in_chunks(raw: &[u8], size: usize) -> Vec<u8> {
        let mut d = Decoder::default();
        let mut out = Vec::new();
        for c in raw.chunks(size) {
            out.extend_from_slice(d.push(c));
        }
        out.extend(d.finish());
        out
    }

    #[test]
    fn utf16_in_any_chunks_decodes_to_the_same_text() {
        let text = "API Error: 403 · Please run /login\r\n😀 ok\n";
        for be in [false, true] {
            let raw = encode(text, be);
            for size in [1, 2, 3, 5, 64] {
                assert_eq!(String::from_utf8(decode_in_chunks(&raw, size)).unwrap(), text, "{be} {size}");
            }
        }
    }

    #[test]
    fn other_input_passes_unchanged() {
        let junk = b"\xff\xfe\x00 API Error: 403 \xc3\x28 \x00\x00 {\"type\":\"error\xe2\x82\"}\n";
        for raw in [&b""[..], b"x", b"plain\n", b"\xff\xff\xfe", b"\xef\xbb\xbfutf8 bom\n", junk] {
            for size in [1, 2, 7] {
                assert_eq!(decode_in_chunks(raw, size), raw);
            }
        }
    }

    #[test]
    fn broken_utf16_becomes_replacement_characters() {
        // Past the part that is checked, a fault is decoded, not a reason to
        // stop decoding.
        let text = "ok\n".repeat(3000);
        let mut raw = encode(&text, false);
        raw.extend_from_slice(&[0x00, 0xD8, b'a', 0, b'b']);
        for size in [1, 4096, 1 << 20] {
            assert_eq!(String::from_utf8(decode_in_chunks(&raw, size)).unwrap(), format!("{text}\u{FFFD}a\u{FFFD}"));
        }
        assert_eq!(utf16(&[0xFF, 0xFE, 0x00, 0xD8, b'a', 0]), None, "an unpaired surrogate at the start");
        assert_eq!(utf16(&[0xFF, 0xFE, 0, 0]), None, "NUL");
        assert_eq!(utf16(&encode("日本語のログ", true)), None, "not a quarter ASCII");
        assert_eq!(utf16(&encode("API Error: 403 😀", true)), Some(true));
        assert_eq!(utf16(&encode("API Error: 403 😀", false)[..17]), Some(false), "a pair cut by the end");
    }
}
