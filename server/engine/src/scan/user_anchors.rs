//! Anchor literals declared by user rules (`[[rule.anchors]]` in a `--rules`
//! file or `.errsig.toml`): a wording the built-in recognisers do not know,
//! found like the built-in fixed texts (`rules/texts.toml`) — the status it
//! implies, how much of the line is the message, who prints it.
//!
//! The catalog builds one [`UserAnchors`] from every rule's literals when it
//! loads (each literal at least [`MIN_ANCHOR`] bytes, checked there, so no
//! rule can make every line a candidate) and hands it to the scanner through
//! [`super::ScanConfig::anchors`]: the scanner's hot path asks it, besides
//! its own searchers, whether a chunk holds a line worth reading.

use super::anchors::{Anchor, BodyKind};
use super::vocab::Producer;
use aho_corasick::AhoCorasick;

/// The shortest literal a rule may declare.
pub const MIN_ANCHOR: usize = 4;

/// How much of the line is the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Span {
    /// The literal itself.
    Literal,
    /// The rest of the line, up to a ` · ` hint.
    #[default]
    Rest,
}

/// One declared literal.
#[derive(Debug, Clone)]
pub struct UserAnchor {
    /// The literal (case-sensitive).
    pub text: String,
    /// The status it implies (reported as inferred).
    pub status: u16,
    /// How much of the line is the message.
    pub message: Span,
    /// Who prints it.
    pub producer: Producer,
}

/// Every literal of a catalog, with one searcher.
#[derive(Debug)]
pub struct UserAnchors {
    anchors: Vec<UserAnchor>,
    automaton: AhoCorasick,
}

impl UserAnchors {
    /// The searcher of `anchors`; `None` when there are none (the scanner
    /// then costs nothing more) or the automaton cannot be built.
    pub fn new(anchors: Vec<UserAnchor>) -> Option<UserAnchors> {
        if anchors.is_empty() {
            return None;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(anchors.iter().map(|a| a.text.as_bytes()))
            .ok()?;
        Some(UserAnchors { anchors, automaton })
    }

    /// The literals, in load order.
    pub fn anchors(&self) -> &[UserAnchor] {
        &self.anchors
    }

    /// Whether a (raw or normalised) line holds a literal.
    pub fn is_match(&self, line: &[u8]) -> bool {
        self.automaton.is_match(line)
    }

    /// Where the first literal at or after `at` starts (the scanner's jump
    /// remembers it until passed).
    pub fn find_at(&self, bytes: &[u8], at: usize) -> Option<usize> {
        self.automaton.find(&bytes[at..]).map(|m| at + m.start())
    }

    /// The anchors of a line of normalised text, leftmost first.
    pub fn find(&self, text: &str) -> Vec<Anchor> {
        self.automaton
            .find_iter(text)
            .filter(|m| text.is_char_boundary(m.start()) && text.is_char_boundary(m.end()))
            .map(|m| {
                let u = &self.anchors[m.pattern().as_usize()];
                let rest = text[m.start()..].trim_end();
                let hint = rest.find(" · ");
                let message_end = m.start()
                    + match u.message {
                        Span::Literal => m.len(),
                        Span::Rest => hint.unwrap_or(rest.len()),
                    };
                let end = m.start() + if hint.is_some() { rest.len() } else { message_end - m.start() };
                let mut a = Anchor::bare(m.start());
                a.body = end.max(message_end);
                a.kind = BodyKind::None;
                a.status = Some(u.status);
                a.inferred = true;
                // The rule's author says the wording is this error's.
                a.strong = true;
                a.producer = u.producer;
                a.message = Some(text[m.start()..message_end].trim_end().to_owned());
                a.hints = text[message_end..end.max(message_end)]
                    .split(" · ")
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_owned)
                    .collect();
                a
            })
            .collect()
    }
}

/// Add a line's user anchors to the built-in ones found in it. Only those
/// ending before the first built-in anchor count: a literal inside a
/// printing the built-in recognisers read (its body, its message) is that
/// printing's text, and must not cut it short. Leftmost first.
pub fn merge(found: &mut Vec<Anchor>, user: Vec<Anchor>) {
    let first = found.iter().map(|a| a.start).min();
    let mut keep: Vec<Anchor> = user.into_iter().filter(|u| first.is_none_or(|s| u.body <= s)).collect();
    if keep.is_empty() {
        return;
    }
    keep.append(found);
    keep.sort_by_key(|a| a.start);
    *found = keep;
}
