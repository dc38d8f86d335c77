//! The engine's vocabulary: what a finding says, independent of how it was
//! found. A leaf module: it imports nothing of the scanner, so data flows one
//! way (text → anchors → candidate → event builder → event).

use super::text::Pos;
use serde::{Deserialize, Serialize};

/// Who printed an error.
///
/// Its names (`claude-code`, `python-sdk`, …) are serde's, one spelling for
/// every output format and every data file: [`Producer::as_str`] and
/// [`Producer::from_name`] agree with them (tested).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(description = "Who printed an error.")]
pub enum Producer {
    /// The Claude Code CLI (print mode, TUI, JSON output, debug log).
    ClaudeCode,
    /// The Python SDK (`anthropic`).
    PythonSdk,
    /// The TypeScript SDK (`@anthropic-ai/sdk`).
    TsSdk,
    /// A raw HTTP response (curl `-i`/`-v`, proxies, dumps).
    Http,
    /// An AWS SDK printing a Bedrock error.
    Bedrock,
    /// A Google client printing a Vertex AI error.
    Vertex,
    /// LiteLLM (Python), wrapping the provider's error.
    Litellm,
    /// LangChain (Python or JS), wrapping the Anthropic SDKs.
    Langchain,
    /// The Vercel AI SDK (`ai`, `@ai-sdk/anthropic`).
    AiSdk,
    /// pydantic-ai.
    PydanticAi,
    /// instructor.
    Instructor,
    /// Simon Willison's `llm` CLI (`llm-anthropic`).
    Llm,
    /// The OpenAI SDKs pointed at Anthropic's OpenAI-compatible endpoint.
    OpenaiSdk,
    /// The Claude Agent SDKs (Python, TypeScript), which run Claude Code.
    ClaudeAgentSdk,
    /// boto3 / botocore calling Bedrock directly.
    Boto3,
    /// Anything else: a bare error body in a log.
    #[default]
    Unknown,
}

impl Producer {
    /// Every producer, in the order of the README's table.
    pub const ALL: [Producer; 16] = [
        Producer::ClaudeCode,
        Producer::PythonSdk,
        Producer::TsSdk,
        Producer::Http,
        Producer::Bedrock,
        Producer::Vertex,
        Producer::Litellm,
        Producer::Langchain,
        Producer::AiSdk,
        Producer::PydanticAi,
        Producer::Instructor,
        Producer::Llm,
        Producer::OpenaiSdk,
        Producer::ClaudeAgentSdk,
        Producer::Boto3,
        Producer::Unknown,
    ];

    /// The name used in every output format and in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Producer::ClaudeCode => "claude-code",
            Producer::PythonSdk => "python-sdk",
            Producer::TsSdk => "ts-sdk",
            Producer::Http => "http",
            Producer::Bedrock => "bedrock",
            Producer::Vertex => "vertex",
            Producer::Litellm => "litellm",
            Producer::Langchain => "langchain",
            Producer::AiSdk => "ai-sdk",
            Producer::PydanticAi => "pydantic-ai",
            Producer::Instructor => "instructor",
            Producer::Llm => "llm",
            Producer::OpenaiSdk => "openai-sdk",
            Producer::ClaudeAgentSdk => "claude-agent-sdk",
            Producer::Boto3 => "boto3",
            Producer::Unknown => "unknown",
        }
    }

    /// The producer of a name, as rule files and `producers.toml` write it.
    pub fn from_name(name: &str) -> Option<Producer> {
        from_name(name)
    }

    /// Whether the program sends what the user configured for it (the
    /// environment's `ANTHROPIC_API_KEY`, its constructor's key, its own
    /// config), rather than Claude Code's choice of credential.
    pub fn is_claude_code(self) -> bool {
        self == Producer::ClaudeCode
    }
}

/// Who refused the request (named as [`Producer`] is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(description = "Who refused the request.")]
pub enum Platform {
    /// The Anthropic API or its edge.
    #[default]
    Anthropic,
    /// Amazon Bedrock.
    Bedrock,
    /// Google Vertex AI.
    Vertex,
    /// A gateway, proxy or CDN in front of the API (HTML pages, bare text).
    Gateway,
}

impl Platform {
    /// The platform of a name, as rule files and `texts.toml` write it.
    pub fn from_name(name: &str) -> Option<Platform> {
        from_name(name)
    }

    /// Every platform.
    pub const ALL: [Platform; 4] = [Platform::Anthropic, Platform::Bedrock, Platform::Vertex, Platform::Gateway];

    /// The name used in every output format and in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Anthropic => "anthropic",
            Platform::Bedrock => "bedrock",
            Platform::Vertex => "vertex",
            Platform::Gateway => "gateway",
        }
    }
}

/// A unit variant of a vocabulary by its serde name: the derived
/// `Deserialize` is the one list of names.
fn from_name<'de, T: Deserialize<'de>>(name: &'de str) -> Option<T> {
    T::deserialize(serde::de::value::BorrowedStrDeserializer::<serde::de::value::Error>::new(name)).ok()
}

/// A nearby line kept because a rule may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextLine {
    /// 0-based line number.
    pub line: u32,
    /// The line's normalised text, secrets redacted.
    pub text: String,
}

/// One printing of an API error. Every string is redacted.
///
/// Not `Serialize`: what a face writes of it is the face's own record (the
/// JSON record is `cli/report/json.rs`'s, versioned), so the engine's
/// vocabulary can change without changing an output format.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Where the printing starts: its first token.
    pub start: Pos,
    /// Where it ends (exclusive).
    pub end: Pos,
    /// HTTP status.
    pub status: Option<u16>,
    /// Whether `status` was inferred (from a fixed Claude Code text or the
    /// error type) rather than shown.
    pub status_inferred: bool,
    /// The error type as shown (`permission_error`, `forbidden`, …).
    pub error_type: Option<String>,
    /// The message as shown.
    pub message: Option<String>,
    /// The request id, when shown.
    pub request_id: Option<String>,
    /// Who printed it.
    pub producer: Producer,
    /// Who refused the request.
    pub platform: Platform,
    /// Hints printed with it (` · Please run /login`).
    pub hints: Vec<String>,
    /// The printing's normalised text.
    pub text: String,
    /// Nearby lines the rules may use.
    pub context: Vec<ContextLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str`, `from_name` and serde spell every name alike.
    #[test]
    fn names_round_trip_through_serde() {
        for p in Producer::ALL {
            assert_eq!(serde_json::to_value(p).ok(), Some(p.as_str().into()));
            assert_eq!(Producer::from_name(p.as_str()), Some(p));
        }
        for p in Platform::ALL {
            assert_eq!(serde_json::to_value(p).ok(), Some(p.as_str().into()));
            assert_eq!(Platform::from_name(p.as_str()), Some(p));
        }
        assert_eq!(Producer::from_name("ClaudeCode"), None);
        assert_eq!(Platform::from_name("aws"), None);
    }
}
