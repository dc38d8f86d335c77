//! The rule file format and its validation.
//!
//! ```toml
//! [[rule]]
//! id = "403-permission-denied"
//! title = "…"
//! severity = "error"          # error | warning | info
//! priority = 20               # higher wins among matching rules
//! summary = "…"
//! meaning = "…"
//! fixes = ["…"]
//! verify = "…"
//! actions = ["auth-status"]   # ids from the action registry (ARCHITECTURE.md)
//! [rule.match]                # every condition given must hold
//! status = [403, "5xx", "500-599"]
//! error_type = ["permission_error"]
//! message = '(?i)^permission denied'
//! platform = ["anthropic"]    # anthropic | bedrock | vertex | gateway
//! producer = ["claude-code"]  # any of `Producer::ALL` (claude-code, python-sdk, litellm, …)
//! [[rule.causes]]
//! text = "…"
//! confidence = "documented"   # documented | reported | inferred
//! [[rule.context]]
//! when = 'SecKeychainSearchCopyNext'
//! text = "…"
//! [[rule.links]]
//! title = "…"
//! url = "https://…"
//! [rule.samples]
//! match = ["…"]
//! no_match = ["…"]
//! [[rule.anchors]]            # a wording the built-in recognisers do not know
//! text = "Quota exhausted for"  # the literal, case-sensitive, at least 4 bytes
//! status = 429                # the status it implies (reported as inferred)
//! message = "rest"            # rest (of the line, up to a ` · ` hint) | literal
//! producer = "unknown"        # who prints it (default unknown)
//! ```
//!
//! Anchor literals are checked when the file loads, each problem reported
//! with its line (all of them, not just the first): an anchor shorter than
//! [`MIN_ANCHOR`] bytes would make nearly every line a candidate.

use super::{ContextNote, Matcher, Rule, RuleError, Samples};
pub use crate::scan::user_anchors::MIN_ANCHOR;
use crate::scan::user_anchors::{Span, UserAnchor};
use crate::scan::{Platform, Producer};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use toml::Spanned;

/// The fix actions a rule may name. The registry with each action's effect
/// and implementer is in ARCHITECTURE.md.
pub const ACTIONS: &[&str] = &[
    "explain",
    "auth-status",
    "login",
    "setup-token",
    "doctor",
    "probe",
    "unset-shadowing-env",
    "move-credentials",
    "check-base-url",
    "aws-identity",
    "gcloud-adc",
    "report",
    "suppress",
];

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Worth a look; often transient.
    Warning,
    /// The request failed and will keep failing until something changes.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// How well a cause is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Stated in official documentation.
    Documented,
    /// Reported by users or maintainers.
    Reported,
    /// Our reading of the evidence.
    Inferred,
}

/// A possible cause.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    /// The cause and how to recognise it (markdown).
    pub text: String,
    /// How well it is established.
    pub confidence: Confidence,
}

/// A documentation link.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Link text.
    pub title: String,
    /// Address.
    pub url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// One `[[rule]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    id: Spanned<String>,
    title: String,
    severity: Severity,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    meaning: String,
    #[serde(default)]
    fixes: Vec<String>,
    #[serde(default)]
    verify: String,
    #[serde(default)]
    actions: Vec<Spanned<String>>,
    #[serde(default, rename = "match")]
    matcher: MatchDef,
    #[serde(default)]
    causes: Vec<Cause>,
    #[serde(default)]
    context: Vec<ContextDef>,
    #[serde(default)]
    links: Vec<Link>,
    #[serde(default)]
    samples: SamplesDef,
    #[serde(default)]
    anchors: Vec<AnchorDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorDef {
    text: Spanned<String>,
    status: Spanned<u16>,
    #[serde(default)]
    message: SpanDef,
    producer: Option<Spanned<String>>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum SpanDef {
    Literal,
    #[default]
    Rest,
}

/// Why a literal cannot be an anchor, if it cannot: the one check for user
/// rules' `[[rule.anchors]]` and the built-in catalog's own literals
/// (`rules/texts.toml`, `rules/producers.toml`, tested).
pub fn anchor_problem(text: &str) -> Option<String> {
    if text.trim().len() < MIN_ANCHOR {
        return Some(format!(
            "anchor `{text}` is {} bytes without its blanks; an anchor needs at least {MIN_ANCHOR}, or nearly every line would be a candidate",
            text.trim().len()
        ));
    }
    if text.contains('\n') {
        return Some(format!(
            "anchor `{}` holds a line break; an anchor is found within one line",
            text.escape_debug()
        ));
    }
    None
}

/// The anchors of every rule of a file, each problem reported with its
/// position: all of them, in file order.
fn anchors(file: &str, text: &str, defs: &[RuleDef]) -> Result<Vec<Vec<UserAnchor>>, RuleError> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for d in defs {
        let mut mine = Vec::new();
        for a in &d.anchors {
            let mut ok = true;
            let mut fail = |span: std::ops::Range<usize>, m: String| {
                errors.push(error_at(file, text, Some(span), format!("rule `{}`: {m}", d.id.get_ref())));
                ok = false;
            };
            if let Some(p) = anchor_problem(a.text.get_ref()) {
                fail(a.text.span(), p);
            }
            if !(100..=599).contains(a.status.get_ref()) {
                fail(a.status.span(), format!("status {} is not an HTTP error status (100-599)", a.status.get_ref()));
            }
            let producer = match &a.producer {
                None => Producer::Unknown,
                Some(p) => Producer::from_name(p.get_ref()).unwrap_or_else(|| {
                    fail(
                        p.span(),
                        format!(
                            "unknown producer `{}`, expected one of {}",
                            p.get_ref(),
                            Producer::ALL.map(Producer::as_str).join(", ")
                        ),
                    );
                    Producer::Unknown
                }),
            };
            if ok {
                mine.push(UserAnchor {
                    text: a.text.get_ref().clone(),
                    status: *a.status.get_ref(),
                    message: match a.message {
                        SpanDef::Literal => Span::Literal,
                        SpanDef::Rest => Span::Rest,
                    },
                    producer,
                });
            }
        }
        out.push(mine);
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(out),
        Some(mut first) => {
            first.also = errors.collect();
            Err(first)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MatchDef {
    #[serde(default)]
    status: Vec<Spanned<StatusDef>>,
    #[serde(default)]
    error_type: Vec<String>,
    message: Option<Spanned<String>>,
    #[serde(default)]
    platform: Vec<Platform>,
    #[serde(default)]
    producer: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StatusDef {
    Code(u16),
    Range(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextDef {
    when: Spanned<String>,
    text: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SamplesDef {
    #[serde(default, rename = "match")]
    matching: Vec<String>,
    #[serde(default)]
    no_match: Vec<String>,
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "anthropic" => Ok(Platform::Anthropic),
            "bedrock" => Ok(Platform::Bedrock),
            "vertex" => Ok(Platform::Vertex),
            "gateway" => Ok(Platform::Gateway),
            other => Err(serde::de::Error::custom(format!(
                "unknown platform `{other}`, expected one of anthropic, bedrock, vertex, gateway"
            ))),
        }
    }
}

/// Parse and validate the rules of one file.
pub fn parse(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let parsed: File = toml::from_str(text).map_err(|e| error_at(file, text, e.span(), e.message().to_owned()))?;
    build(file, text, parsed.rule)
}

/// A [`RuleError`] at a byte span of `text`.
pub fn error_at(file: &str, text: &str, span: Option<std::ops::Range<usize>>, message: String) -> RuleError {
    let (line, column) = span.map_or((1, 1), |s| line_col(text, s.start));
    RuleError { file: file.to_owned(), line, column, message, also: Vec::new() }
}

/// Validate rule tables read from `text` (for positions in errors).
pub fn build(file: &str, text: &str, defs: Vec<RuleDef>) -> Result<Vec<Rule>, RuleError> {
    let err = |span: Option<std::ops::Range<usize>>, message: String| error_at(file, text, span, message);
    let mut anchors = anchors(file, text, &defs)?.into_iter();
    let mut out = Vec::new();
    for d in defs {
        let id = d.id.get_ref().clone();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
            return Err(err(Some(d.id.span()), format!("rule id `{id}` must be letters, digits, `-`, `_` or `.`")));
        }
        let mut status = Vec::new();
        for s in &d.matcher.status {
            let range = match s.get_ref() {
                StatusDef::Code(c) => Some((*c, *c)),
                StatusDef::Range(r) => parse_range(r),
            };
            match range {
                Some(r) => status.push(r),
                None => {
                    return Err(err(
                        Some(s.span()),
                        "status must be a code (403), a class (\"5xx\") or a range (\"500-599\")".into(),
                    ))
                }
            }
        }
        let regex = |s: &Spanned<String>| {
            Regex::new(s.get_ref()).map_err(|e| {
                err(
                    Some(s.span()),
                    format!("invalid regex: {}", e.to_string().lines().last().unwrap_or("syntax error")),
                )
            })
        };
        let message = d.matcher.message.as_ref().map(regex).transpose()?;
        let mut context = Vec::new();
        for c in &d.context {
            context.push(ContextNote { when: regex(&c.when)?, text: c.text.clone() });
        }
        for a in &d.actions {
            if !ACTIONS.contains(&a.get_ref().as_str()) {
                return Err(err(
                    Some(a.span()),
                    format!("unknown action `{}`, expected one of {}", a.get_ref(), ACTIONS.join(", ")),
                ));
            }
        }
        for p in &d.matcher.producer {
            if crate::scan::Producer::from_name(p.get_ref()).is_none() {
                return Err(err(
                    Some(p.span()),
                    format!(
                        "unknown producer `{}`, expected one of {}",
                        p.get_ref(),
                        crate::scan::Producer::ALL.map(crate::scan::Producer::as_str).join(", ")
                    ),
                ));
            }
        }
        out.push(Rule {
            id,
            title: d.title,
            severity: d.severity,
            priority: d.priority,
            summary: d.summary,
            meaning: d.meaning,
            causes: d.causes,
            context,
            fixes: d.fixes,
            verify: d.verify,
            actions: d.actions.into_iter().map(Spanned::into_inner).collect(),
            links: d.links,
            matcher: Matcher {
                status,
                error_type: d.matcher.error_type,
                message,
                platform: d.matcher.platform,
                producer: d.matcher.producer.into_iter().map(Spanned::into_inner).collect(),
            },
            samples: Samples { matching: d.samples.matching, not_matching: d.samples.no_match },
            source: file.to_owned(),
            advice: Vec::new(),
            anchors: anchors.next().unwrap_or_default(),
        });
    }
    Ok(out)
}

fn parse_range(r: &str) -> Option<(u16, u16)> {
    if let Some(class) = r.strip_suffix("xx") {
        let d: u16 = class.parse().ok().filter(|d| (1..=5).contains(d))?;
        return Some((d * 100, d * 100 + 99));
    }
    let (lo, hi) = r.split_once('-')?;
    let (lo, hi): (u16, u16) = (lo.trim().parse().ok()?, hi.trim().parse().ok()?);
    (lo <= hi).then_some((lo, hi))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
