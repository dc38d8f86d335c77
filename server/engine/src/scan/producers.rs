//! Which program printed an error, from its signatures (`rules/producers.toml`):
//! wrappers re-print the SDKs' errors, so the recogniser's guess is only a
//! start. Data, not code; loaded once.

use super::vocab::Producer;
use aho_corasick::AhoCorasick;
use serde::Deserialize;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../../rules/producers.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    producer: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    signatures: Vec<String>,
    #[allow(dead_code)]
    sample: String,
}

struct Signatures {
    automaton: AhoCorasick,
    /// The producer of each pattern.
    owner: Vec<Producer>,
}

/// The built-in table, checked: every name is a producer, every signature
/// at least 4 bytes (so no signature makes every line someone's).
fn load(text: &str) -> Result<Signatures, String> {
    let file: File = toml::from_str(text).map_err(|e| format!("producers.toml: {e}"))?;
    let mut patterns = Vec::new();
    let mut owner = Vec::new();
    for e in file.producer {
        let p = Producer::from_name(&e.name).ok_or_else(|| format!("producers.toml: unknown producer `{}`", e.name))?;
        for s in e.signatures {
            if s.len() < 4 {
                return Err(format!("producers.toml: signature `{s}` of {} is shorter than 4 bytes", e.name));
            }
            patterns.push(s);
            owner.push(p);
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(&patterns)
        .map_err(|e| format!("producers.toml: {e}"))?;
    Ok(Signatures { automaton, owner })
}

static SIGNATURES: LazyLock<Signatures> =
    LazyLock::new(|| load(TABLE).expect("the built-in producers.toml is valid (tested)"));

/// The producer whose signature occurs first in `text`, if any.
pub fn signed(text: &str) -> Option<Producer> {
    let s = &*SIGNATURES;
    s.automaton.find(text).map(|m| s.owner[m.pattern().as_usize()])
}

/// Whether a wrapper's signature on a nearby line may rename `ev`: only the
/// shapes wrappers re-print as the SDKs printed them, never Claude Code's
/// own texts, and never an exception line that names the SDK's own module
/// (`anthropic.PermissionDeniedError: …` is the SDK's printing, even in a
/// traceback whose frames are a wrapper's: the wrapper's own exception is
/// the next printing of the chain).
pub fn renamable(ev: &super::vocab::Event) -> bool {
    matches!(
        ev.producer,
        Producer::PythonSdk | Producer::TsSdk | Producer::Http | Producer::Unknown | Producer::Bedrock
    ) && !SDK_EXCEPTION.is_match(&ev.text)
}

/// The Python SDK's exception line, by its module path.
static SDK_EXCEPTION: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^anthropic\.(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception): ").expect("SDK exception pattern")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_each_sample_names_its_producer() {
        let file: File = toml::from_str(TABLE).unwrap();
        assert!(load(TABLE).is_ok());
        for e in &file.producer {
            assert_eq!(signed(&e.sample).map(Producer::as_str), Some(e.name.as_str()), "{}", e.sample);
        }
        assert_eq!(signed("anthropic.PermissionDeniedError: Error code: 403"), None);
        assert!(load("[[producer]]\nname = \"litellm\"\nsignatures = [\"ab\"]\nsample = \"\"").is_err());
        assert!(load("[[producer]]\nname = \"nobody\"\nsignatures = [\"abcd\"]\nsample = \"\"").is_err());
    }
}
