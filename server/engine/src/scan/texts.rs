//! Fixed texts that identify an error on their own (`rules/texts.toml`):
//! Claude Code's short texts and the API's own wordings, found with or
//! without an envelope, also when a user quotes them in prose.

use super::vocab::{Platform, Producer};
use aho_corasick::AhoCorasick;
use serde::Deserialize;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../../rules/texts.toml");

/// The shortest text allowed: long enough that no ordinary line holds it.
pub const MIN_TEXT: usize = 12;

/// How much of the line is the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageSpan {
    /// The text itself.
    Literal,
    /// The rest of the line, up to a ` · ` hint or the quote that closes it.
    Rest,
}

/// One fixed text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// The literal.
    pub text: String,
    /// The status it implies.
    pub status: u16,
    /// The API's error type, when it is the API's message.
    #[serde(rename = "type")]
    pub error_type: Option<String>,
    /// How much of the line is the message.
    pub message: MessageSpan,
    /// Who prints it.
    producer: String,
    /// Who refuses with it, when not the API (`bedrock`: Amazon Bedrock's
    /// own wording).
    #[serde(default)]
    platform: Option<String>,
    /// Where it was seen.
    #[allow(dead_code)]
    versions: String,
    /// A line that must give this text's finding.
    pub sample: String,
}

impl Text {
    /// Who prints it.
    pub fn producer(&self) -> Producer {
        Producer::from_name(&self.producer).unwrap_or_default()
    }

    /// Who refuses with it, when the text says.
    pub fn platform(&self) -> Option<Platform> {
        self.platform.as_deref().and_then(Platform::from_name)
    }
}

/// Claude Code's connection screen: the lines around the check's result
/// that belong to the same printing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    /// The heading above the result.
    pub heading: String,
    /// How each advice line after it starts.
    pub lines: Vec<String>,
    /// Where it was seen.
    #[allow(dead_code)]
    versions: String,
}

impl Screen {
    /// Whether a line (trimmed) is one of the screen's advice lines.
    pub fn advises(&self, trimmed: &str) -> bool {
        self.lines.iter().any(|l| trimmed.starts_with(l.as_str()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    text: Vec<Text>,
    screen: Screen,
}

/// The texts and their searcher.
#[derive(Debug)]
pub struct Texts {
    /// In file order.
    pub texts: Vec<Text>,
    /// The connection screen.
    pub screen: Screen,
    automaton: AhoCorasick,
}

fn load(table: &str) -> Result<Texts, String> {
    let file: File = toml::from_str(table).map_err(|e| format!("texts.toml: {e}"))?;
    for t in &file.text {
        if t.text.len() < MIN_TEXT {
            return Err(format!("texts.toml: `{}` is shorter than {MIN_TEXT} bytes", t.text));
        }
        if Producer::from_name(&t.producer).is_none() {
            return Err(format!("texts.toml: unknown producer `{}`", t.producer));
        }
        if t.platform.as_deref().is_some_and(|p| Platform::from_name(p).is_none()) {
            return Err(format!("texts.toml: `{}` names an unknown platform", t.text));
        }
        if !(100..=599).contains(&t.status) {
            return Err(format!("texts.toml: `{}` has no HTTP status", t.text));
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(file.text.iter().map(|t| &t.text))
        .map_err(|e| format!("texts.toml: {e}"))?;
    if file.screen.heading.len() < MIN_TEXT || file.screen.lines.iter().any(|l| l.len() < MIN_TEXT) {
        return Err(format!("texts.toml: a line of the connection screen is shorter than {MIN_TEXT} bytes"));
    }
    Ok(Texts { texts: file.text, screen: file.screen, automaton })
}

/// The built-in texts.
pub static TEXTS: LazyLock<Texts> = LazyLock::new(|| load(TABLE).expect("the built-in texts.toml is valid (tested)"));

/// A fixed text found in a line.
pub struct Found<'t> {
    /// Byte offset where it starts.
    pub start: usize,
    /// Where the message ends.
    pub message_end: usize,
    /// Where the printing's own text ends (hints after the message stay
    /// with it: ` · Please run /login`).
    pub end: usize,
    /// Which text.
    pub text: &'t Text,
}

/// Quotes and markdown emphasis (`**…**`) around a quoted text.
const QUOTES: &[(char, char)] = &[('\'', '\''), ('"', '"'), ('`', '`'), ('“', '”'), ('‘', '’'), ('«', '»'), ('*', '*')];

/// The fixed texts in a line, leftmost first.
pub fn find(line: &str) -> Vec<Found<'static>> {
    let t = &*TEXTS;
    t.automaton
        .find_iter(line)
        .map(|m| {
            let text = &t.texts[m.pattern().as_usize()];
            let from = &line[m.start()..];
            // Quoted in prose: the printing ends where the quote closes.
            let close = line[..m.start()]
                .chars()
                .next_back()
                .and_then(|open| QUOTES.iter().find(|(o, _)| *o == open))
                .and_then(|(_, c)| line[m.end()..].find(*c).map(|i| m.end() - m.start() + i));
            let upto = close.unwrap_or(from.trim_end().len());
            let hint = from[..upto].find(" · ");
            let message_end = m.start()
                + match text.message {
                    MessageSpan::Literal => m.len(),
                    MessageSpan::Rest => hint.unwrap_or(upto),
                };
            let end = m.start() + if hint.is_some() { upto } else { message_end - m.start() };
            Found { start: m.start(), message_end, end: end.max(message_end), text }
        })
        .collect()
}

/// The API's own wording (a text with an error type) that a message holds,
/// if any: evidence that the message is Anthropic's, whoever relayed it.
pub fn api_wording(message: &str) -> Option<&'static Text> {
    find(message).into_iter().map(|f| f.text).find(|t| t.error_type.is_some())
}

/// Claude Code follows some messages with advice of its own (`… This is a
/// server-side issue …`, `… Run /model to pick a different model.`): not
/// part of the message. Where the advice starts: the offset of the full
/// stop that ends the message.
pub fn advice(message: &str) -> Option<usize> {
    ADVICE.find(message).map(|m| m.start())
}

static ADVICE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"\.\s+(?:This is a server-side issue|The API is at capacity|Try again|If it persists|Please try again|Run /|Run --)",
    )
    .expect("advice pattern")
});

/// Every text, for the prefilter.
pub fn literals() -> impl Iterator<Item = &'static str> {
    TEXTS.texts.iter().map(|t| t.text.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_rejects_what_would_match_everything() {
        assert!(load(TABLE).is_ok());
        let screen = "[screen]\nheading = \"Unable to connect to Anthropic services\"\nversions = \"\"\nlines = ";
        let text = "[[text]]\ntext = \"{text}\"\nstatus = 400\nmessage = \"literal\"\nproducer = \"unknown\"\nversions = \"\"\nsample = \"\"";
        let table = |t: &str, lines: &str| format!("{}\n{screen}{lines}\n", text.replace("{text}", t));
        assert!(load(&table("Credit balance is too low", "[\"Check your internet connection\"]")).is_ok());
        assert!(load(&table("error", "[]")).unwrap_err().contains("shorter"));
        // A screen line as short would take any line that starts so.
        assert!(load(&table("Credit balance is too low", "[\"Check\"]")).unwrap_err().contains("shorter"));
    }

    /// Every sample, through the whole engine, gives its text's finding.
    #[test]
    fn every_sample_is_found_with_its_status() {
        let catalog = std::sync::Arc::new(crate::rules::Catalog::builtin());
        for t in &TEXTS.texts {
            let found = crate::scan_bytes(catalog.clone(), None, t.sample.as_bytes());
            assert!(
                found.iter().any(|f| f.event.status == Some(t.status)
                    && f.event
                        .message
                        .as_deref()
                        // Claude Code's `API Error: ` prefix is not the message.
                        .is_some_and(|m| {
                            let text = t.text.strip_prefix("API Error: ").unwrap_or(&t.text);
                            m.starts_with(text.split(" · ").next().unwrap_or(""))
                        })),
                "{}: {:?}",
                t.sample,
                found.iter().map(|f| (f.event.status, f.event.message.clone())).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn messages_end_at_hints_and_closing_quotes() {
        let f = find("  ⎿  Credit balance too low · Add funds: https://x");
        assert_eq!(f.len(), 1);
        let line = "  ⎿  Credit balance too low · Add funds: https://x";
        assert_eq!(&line[f[0].start..f[0].message_end], "Credit balance too low");
        let line = "I get “Credit balance is too low” every time";
        let f = find(line);
        assert_eq!(&line[f[0].start..f[0].message_end], "Credit balance is too low");
        let line = "There's an issue with the selected model (claude-x). It may not exist.";
        let f = find(line);
        assert_eq!(&line[f[0].start..f[0].message_end], line);
    }
}
