//! Terminal interpretation (`ansi::normalise`) and wrapping
//! (`wrap::Assembler`): no panic, and every byte of every row and logical
//! line maps back into the line it came from.
#![no_main]

use errsig::scan::ansi::{self, MAX_LINE_BYTES};
use errsig::scan::text::Row;
use errsig::scan::wrap::{Assembler, MAX_BLOCK_ROWS};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, doc)) = data.split_first() else { return };
    let columns = match ctl % 4 {
        0 => None,
        1 => Some(40),
        2 => Some(80),
        _ => Some(1 + (ctl as usize >> 2)),
    };
    let mut asm = Assembler::new(columns);
    let mut logical = Vec::new();
    let mut raws: Vec<Arc<[u8]>> = Vec::new();
    for (number, line) in doc.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let raw: Arc<[u8]> = Arc::from(&line[..line.len().min(MAX_LINE_BYTES)]);
        raws.push(raw.clone());
        let rows = ansi::normalise(line);
        assert!(!rows.is_empty(), "a line always yields a row");
        for norm in rows {
            if !norm.orig.is_empty() {
                assert_eq!(norm.orig.len(), norm.text.len() + 1, "one offset per byte, plus the end");
            }
            for i in 0..=norm.text.len() {
                assert!(norm.orig_at(i) as usize <= raw.len(), "offset {} past the line", norm.orig_at(i));
            }
            assert!(norm.width <= ansi::MAX_COLUMNS * 2, "width {}", norm.width);
            let row = Arc::new(Row { number: number as u32, raw: raw.clone(), norm });
            let _ = row.pos(u32::MAX);
            asm.push(row, &mut logical);
        }
    }
    asm.finish(&mut logical);
    for l in &logical {
        assert_eq!(l.map.len(), l.text.len() + 1, "one location per byte, plus the end");
        assert!(l.rows.len() <= MAX_BLOCK_ROWS + 1, "{} rows joined", l.rows.len());
        for loc in &l.map {
            let raw = &raws[loc.line as usize];
            assert!(loc.byte as usize <= raw.len(), "{loc:?} past its line of {} bytes", raw.len());
            let _ = l.pos(*loc);
        }
        let half = l.text.len() / 2;
        if l.text.is_char_boundary(half) {
            let s = l.slice(half, l.text.len());
            assert_eq!(s.map.len(), s.text.len() + 1);
        }
    }
});
