//! The rules' context patterns, matched fast and exactly.
//!
//! The patterns (`[[rule.context]] when = …`) use `\b`, which the regex
//! crate reads as a *Unicode* word boundary. Its fast engines (the lazy DFA)
//! cannot decide a Unicode boundary next to a non-ASCII byte, so on a line
//! holding ` · ` or a TUI mark every pattern fell back to the slow engines:
//! the dense benchmark spent ~90 % of its time there (BENCHMARKS.md).
//!
//! A Unicode and an ASCII word boundary differ only next to a non-ASCII
//! *word* character (a letter, a digit, a mark). Most non-ASCII text in a
//! terminal is punctuation and symbols (` · `, `⎿`, `●`, box drawing,
//! quotes, arrows, emoji), so this module keeps a second set with every
//! `\b`/`\B` made ASCII (`(?-u:\b)`) and uses it on the lines whose
//! non-ASCII characters are all known non-word characters. On any other
//! line the original set answers: the result is the same either way.

use regex::{Regex, RegexSet};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// The context patterns with their fast twin (built on first use).
#[derive(Debug, Clone)]
pub(crate) struct ContextSet {
    unicode: Arc<RegexSet>,
    ascii: Arc<OnceLock<Option<Arc<RegexSet>>>>,
}

impl ContextSet {
    pub(crate) fn new(unicode: Arc<RegexSet>) -> Self {
        ContextSet { unicode, ascii: Arc::new(OnceLock::new()) }
    }

    /// Whether any pattern matches `text`: exactly `RegexSet::is_match` of
    /// the original patterns.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if self.unicode.is_empty() {
            return false;
        }
        if boundaries_agree(text) {
            if let Some(ascii) = self.ascii.get_or_init(|| ascii_twin(&self.unicode)) {
                return ascii.is_match(text);
            }
        }
        self.unicode.is_match(text)
    }
}

/// A pattern as written and, when it has word boundaries, its twin with
/// ASCII ones ([`ascii_boundaries`]). The regex crate's fast engines cannot
/// decide a Unicode `\b` next to a non-ASCII byte; the twin answers every
/// line where the two agree ([`boundaries_agree`]), with the same matches
/// on the lazy DFA, and other lines get the pattern as written.
///
/// The pattern as written is compiled when a line first needs it: Unicode
/// word classes make it the costlier of the two to build (half of a
/// one-finding scan's instructions went to compiling both), and most runs
/// never meet a line the twin cannot answer.
pub(crate) struct Twin {
    pattern: &'static str,
    unicode: OnceLock<Regex>,
    ascii: Option<Regex>,
}

impl Twin {
    /// Compile the twin (the pattern as written too when there is none).
    ///
    /// # Panics
    ///
    /// When `pattern` does not compile: the patterns are the program's own.
    pub(crate) fn new(pattern: &'static str) -> Self {
        let rewritten = ascii_boundaries(pattern);
        let ascii = if rewritten == pattern { None } else { Regex::new(&rewritten).ok() };
        let twin = Twin { pattern, unicode: OnceLock::new(), ascii };
        if twin.ascii.is_none() {
            twin.as_written();
        }
        twin
    }

    fn as_written(&self) -> &Regex {
        self.unicode.get_or_init(|| Regex::new(self.pattern).expect("the program's own pattern is valid"))
    }

    /// The regex that answers for `text`, with the pattern's matches.
    pub(crate) fn on(&self, text: &str) -> &Regex {
        #[cfg(test)]
        if AS_WRITTEN.with(std::cell::Cell::get) {
            return self.as_written();
        }
        match &self.ascii {
            Some(ascii) if boundaries_agree(text) => ascii,
            _ => self.as_written(),
        }
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.on(text).is_match(text)
    }

    pub(crate) fn captures<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        self.on(text).captures(text)
    }

    pub(crate) fn captures_iter<'r, 't>(&'r self, text: &'t str) -> regex::CaptureMatches<'r, 't> {
        self.on(text).captures_iter(text)
    }

    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        self.on(text).find(text)
    }
}

#[cfg(test)]
thread_local! {
    /// Every [`Twin`] answers with its pattern as written (the twins' tests).
    pub(crate) static AS_WRITTEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The set with ASCII word boundaries, compiled once per distinct pattern
/// list in the process (the language server makes an engine per document,
/// all with the same catalog). `None` when nothing needs rewriting or the
/// rewrite does not compile: the original set is then used.
fn ascii_twin(set: &RegexSet) -> Option<Arc<RegexSet>> {
    /// Pattern lists and their twins.
    type Memo = Vec<(Vec<String>, Option<Arc<RegexSet>>)>;
    static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);
    let patterns = set.patterns();
    let mut memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, twin)) = memo.iter().find(|(p, _)| p.as_slice() == patterns) {
        return twin.clone();
    }
    let rewritten: Vec<String> = patterns.iter().map(|p| ascii_boundaries(p)).collect();
    let twin = if rewritten.as_slice() == patterns { None } else { RegexSet::new(&rewritten).ok().map(Arc::new) };
    // A few catalogs at most (built-in, a project's, a --rules file): keep
    // the memo bounded anyway.
    if memo.len() >= 8 {
        memo.remove(0);
    }
    memo.push((patterns.to_vec(), twin.clone()));
    twin
}

/// `\b` and `\B` (not `\b{…}`) made ASCII word boundaries; everything else,
/// escapes included, unchanged.
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b @ ('b' | 'B')) if chars.peek() != Some(&'{') => {
                out.push_str("(?-u:\\");
                out.push(b);
                out.push(')');
            }
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Whether every non-ASCII character of `text` is one the regex crate's
/// Unicode `\w` excludes (punctuation and symbols terminals print), so that
/// Unicode and ASCII word boundaries agree everywhere in it. Conservative: a
/// character not listed counts as a possible word character.
pub(crate) fn boundaries_agree(text: &str) -> bool {
    // Jump from one non-ASCII byte to the next: the recognisers ask this of
    // every line they read, and most of a line is ASCII.
    let mut rest = text;
    while let Some(at) = first_non_ascii(rest.as_bytes()) {
        let Some(c) = rest[at..].chars().next() else { return true };
        if !known_non_word(c) {
            return false;
        }
        rest = &rest[at + c.len_utf8()..];
    }
    true
}

/// The first byte of `bytes` beyond ASCII, eight bytes a step.
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let w = u64::from_ne_bytes(w.try_into().unwrap_or([0; 8]));
        if w & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|b| !b.is_ascii()).map(|i| at + i)
}

fn known_non_word(c: char) -> bool {
    matches!(c as u32,
        // Latin-1 punctuation and symbols, without ª µ º (letters).
        0xA0..=0xA9 | 0xAB..=0xB4 | 0xB6..=0xB9 | 0xBB..=0xBF | 0xD7 | 0xF7
        // General punctuation (dashes, quotes, bullets, ellipsis), without
        // the joiners U+200C/U+200D, which `\w` includes.
        | 0x2000..=0x200B | 0x200E..=0x203E | 0x2041..=0x2053 | 0x2055..=0x205F
        // Arrows, mathematical operators, technical symbols (`⎿`, `⏺`), box
        // drawing, blocks, geometric shapes (`●`), symbols, dingbats (`✻`).
        | 0x2190..=0x23FF | 0x2500..=0x27BF
        // Braille (spinners), supplemental arrows and punctuation (without
        // U+2E2F, a modifier letter).
        | 0x2800..=0x28FF | 0x2900..=0x2BFF | 0x2E00..=0x2E2E | 0x2E30..=0x2E7F
        // CJK and full-width punctuation.
        | 0x3000..=0x3004 | 0x3008..=0x3020 | 0xFF01..=0xFF0F
        // The replacement character (invalid UTF-8 shown lossily).
        | 0xFFFD
        // Emoji and pictographs, without the regional indicators.
        | 0x1F300..=0x1FAFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_rewritten_and_other_escapes_kept() {
        assert_eq!(ascii_boundaries(r"\bAWS_PROFILE\b"), r"(?-u:\b)AWS_PROFILE(?-u:\b)");
        assert_eq!(ascii_boundaries(r"a\\b\B\b{start}\d"), r"a\\b(?-u:\B)\b{start}\d");
    }

    #[test]
    fn the_first_byte_beyond_ascii_is_found_wherever_it_is() {
        for len in 0..40 {
            let ascii = "a".repeat(len);
            assert_eq!(first_non_ascii(ascii.as_bytes()), None);
            for at in 0..=len {
                let text = format!("{}·{}", &ascii[..at], &ascii[at..]);
                assert_eq!(first_non_ascii(text.as_bytes()), Some(at), "{text}");
            }
        }
        assert!(boundaries_agree("⎿  API Error: 403 · Please run /login ●"));
        assert!(!boundaries_agree("API Error: 403 · é"));
    }

    #[test]
    fn both_sets_agree_on_every_line() {
        let patterns = [
            r"\bANTHROPIC_(API_KEY|AUTH_TOKEN)\b|apiKeyHelper",
            r"(?:^|\s)claude\s+(?:.*\s)?(?:-p|--print)\b",
            r"(?i)\b(HTTPS?_PROXY|ALL_PROXY)\b",
            r"\bAWS_PROFILE\b",
        ];
        let set = ContextSet::new(Arc::new(RegexSet::new(patterns).unwrap()));
        let unicode = RegexSet::new(patterns).unwrap();
        for line in [
            "export ANTHROPIC_API_KEY=x",
            "éANTHROPIC_API_KEY",
            "ANTHROPIC_API_KEYé",
            "µAWS_PROFILE",
            "· AWS_PROFILE ·",
            "⎿  claude -p hi",
            "claude -pé",
            "claude -p·",
            "HTTPS_PROXY\u{200D}",
            "nothing here · at all",
        ] {
            assert_eq!(set.is_match(line), unicode.is_match(line), "{line}");
        }
    }
}
