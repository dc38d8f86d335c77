//! The rule file format and its validation.
//!
//! ```toml
//! [[rule]]
//! id = "403-permission-denied"
//! title = "…"
//! severity = "error"          # error | warning | info
//! priority = "specific"       # a tier (below), or a number: higher wins among matching rules
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
//! `priority` names a [`Tier`] (`catch-all`, `status`, `specific`,
//! `more-specific`, `most-specific`) or gives its number (`0`, `10`, `20`,
//! `25`, `30`, or any other integer, as user rules always could).
//!
//! Every problem of a file is reported with its line (all of them, not just
//! the first), once the file parses as TOML of this shape: ids, statuses,
//! regexes, actions, producers and anchor literals. An anchor shorter than
//! [`MIN_ANCHOR`] bytes would make nearly every line a candidate.

use super::{Action, ContextNote, Matcher, Rule, RuleError, Samples};
pub use crate::scan::user_anchors::MIN_ANCHOR;
use crate::scan::user_anchors::{Span, UserAnchor};
use crate::scan::{Platform, Producer};
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use toml::Spanned;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
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

/// The named priority tiers: how much of an event a rule pins down. Among
/// the rules that match an event the highest priority wins, so a rule for a
/// known wording beats the generic rule for its status, which beats the
/// catch-all for its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// A class or range of statuses (`5xx-server-error`): 0.
    CatchAll,
    /// One status, whatever its wording (`403-generic`, `429-rate-limit`): 10.
    Status,
    /// A known variant of a status: its error type, wording or platform
    /// (`403-permission-denied`, `403-gateway`, `403-bedrock`): 20.
    Specific,
    /// A variant that another `specific` rule's event can also be: a
    /// wording the platform's rule covers too (`403-request-not-allowed`,
    /// which a gateway may relay, over `403-gateway`): 25.
    MoreSpecific,
    /// A wording that names its cause outright, whatever the status and
    /// type it comes with (the OAuth rules): 30.
    MostSpecific,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 5] = [Tier::CatchAll, Tier::Status, Tier::Specific, Tier::MoreSpecific, Tier::MostSpecific];

    /// The name rule files write.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::CatchAll => "catch-all",
            Tier::Status => "status",
            Tier::Specific => "specific",
            Tier::MoreSpecific => "more-specific",
            Tier::MostSpecific => "most-specific",
        }
    }

    /// The priority it stands for. The numbers are the ones rule files
    /// wrote before the tiers had names, so numeric user rules rank among
    /// the built-in ones as they always did.
    pub fn priority(self) -> i32 {
        match self {
            Tier::CatchAll => 0,
            Tier::Status => 10,
            Tier::Specific => 20,
            Tier::MoreSpecific => 25,
            Tier::MostSpecific => 30,
        }
    }
}

/// `priority` as written: a tier's name or a number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PriorityDef(i32);

impl<'de> Deserialize<'de> for PriorityDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = PriorityDef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an integer or a tier: {}", Tier::ALL.map(Tier::as_str).join(", "))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PriorityDef, E> {
                i32::try_from(v).map(PriorityDef).map_err(|_| E::custom(format!("priority {v} is out of range")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PriorityDef, E> {
                Tier::ALL.into_iter().find(|t| t.as_str() == v).map(|t| PriorityDef(t.priority())).ok_or_else(|| {
                    E::custom(format!(
                        "unknown priority tier `{v}`, expected a number or one of {}",
                        Tier::ALL.map(Tier::as_str).join(", ")
                    ))
                })
            }
        }
        d.deserialize_any(Visit)
    }
}

/// How well a cause is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
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
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    /// The cause and how to recognise it (markdown).
    pub text: String,
    /// How well it is established.
    pub confidence: Confidence,
}

/// A documentation link.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Link text.
    pub title: String,
    /// Address.
    pub url: String,
}

/// An errsig rule file: `[[rule]]` tables (`--rules FILE`; the same tables
/// go in `.errsig.toml`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "errsig rule file")]
pub(crate) struct File {
    /// The rules. One whose id is already known replaces the earlier one.
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// One `[[rule]]` table as written.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Stable id: letters, digits, `-`, `_` or `.` (`403-permission-denied`).
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9._-]+$"))]
    id: Spanned<String>,
    /// One-line title.
    title: String,
    /// Default severity.
    severity: Severity,
    /// Higher wins among matching rules: a tier or a number.
    #[serde(default)]
    priority: PriorityDef,
    /// One self-contained sentence.
    #[serde(default)]
    summary: String,
    /// What the error means (markdown).
    #[serde(default)]
    meaning: String,
    /// Ordered fix steps (markdown).
    #[serde(default)]
    fixes: Vec<String>,
    /// How to know the fix worked (markdown).
    #[serde(default)]
    verify: String,
    /// Fix actions that apply (the registry in ARCHITECTURE.md).
    #[serde(default)]
    #[schemars(with = "Vec<Action>")]
    actions: Vec<Spanned<String>>,
    /// What it matches: every condition given must hold.
    #[serde(default, rename = "match")]
    matcher: MatchDef,
    /// Possible causes, most likely first.
    #[serde(default)]
    causes: Vec<Cause>,
    /// Notes shown when a nearby line matches.
    #[serde(default)]
    context: Vec<ContextDef>,
    /// Documentation links.
    #[serde(default)]
    links: Vec<Link>,
    /// Texts that must and must not yield this rule (checked by the tests).
    #[serde(default)]
    samples: SamplesDef,
    /// Wordings the built-in recognisers do not know.
    #[serde(default)]
    anchors: Vec<AnchorDef>,
}

/// An anchor literal: a wording that starts a printing.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AnchorDef {
    /// The literal, case-sensitive, found anywhere in a line: at least 4
    /// bytes besides blanks, no line break.
    #[schemars(with = "String", length(min = 4))]
    text: Spanned<String>,
    /// The status it implies (reported as inferred).
    #[schemars(with = "u16", range(min = 100, max = 599))]
    status: Spanned<u16>,
    /// What the message is.
    #[serde(default)]
    message: SpanDef,
    /// Who prints it (default `unknown`).
    #[schemars(with = "Option<Producer>")]
    producer: Option<Spanned<String>>,
}

/// Which text of an anchor's line is the finding's message.
#[derive(Deserialize, Default, Clone, Copy, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum SpanDef {
    /// The literal itself.
    Literal,
    /// The rest of the line, up to a ` · ` hint.
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

/// The problem with an unknown producer name, naming the known ones.
pub(crate) fn unknown_producer(name: &str) -> String {
    format!("unknown producer `{name}`, expected one of {}", Producer::ALL.map(Producer::as_str).join(", "))
}

/// The anchors of every rule of a file, each problem added to `errors`
/// with its position, in file order.
fn anchors(file: &str, text: &str, defs: &[RuleDef], errors: &mut Vec<RuleError>) -> Vec<Vec<UserAnchor>> {
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
                    fail(p.span(), unknown_producer(p.get_ref()));
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
    out
}

/// A file's problems as one error, in file order: the first, with the
/// rest in `also`.
fn all(mut errors: Vec<RuleError>) -> Result<(), RuleError> {
    errors.sort_by_key(|e| (e.line, e.column));
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.also = errors.collect();
            Err(first)
        }
    }
}

/// What a rule matches; every condition given must hold.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MatchDef {
    /// Statuses (empty: any).
    #[serde(default)]
    #[schemars(with = "Vec<StatusDef>")]
    status: Vec<Spanned<StatusDef>>,
    /// Error types as shown (`permission_error`; empty: any).
    #[serde(default)]
    error_type: Vec<String>,
    /// A regex over the message.
    #[schemars(with = "Option<String>")]
    message: Option<Spanned<String>>,
    /// Who refused the request (empty: any).
    #[serde(default)]
    platform: Vec<Platform>,
    /// Who printed it (empty: any).
    #[serde(default)]
    #[schemars(with = "Vec<Producer>")]
    producer: Vec<Spanned<String>>,
}

/// A status: a code, a class or a range.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
enum StatusDef {
    /// A code (`403`).
    Code(u16),
    /// A class (`"5xx"`) or a range (`"500-599"`).
    Range(#[schemars(regex(pattern = r"^([1-5]xx|\s*\d+\s*-\s*\d+\s*)$"))] String),
}

/// A note shown when a nearby line matches.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ContextDef {
    /// A regex over the lines near the printing.
    #[schemars(with = "String")]
    when: Spanned<String>,
    /// The note (markdown).
    text: String,
}

/// Sample texts checked through the engine by the tests.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SamplesDef {
    /// Texts that must yield this rule.
    #[serde(default, rename = "match")]
    matching: Vec<String>,
    /// Texts that must not yield this rule.
    #[serde(default)]
    no_match: Vec<String>,
}

impl JsonSchema for PriorityDef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Priority".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let tiers: Vec<serde_json::Value> = Tier::ALL
            .into_iter()
            .map(|t| {
                serde_json::json!({
                    "const": t.as_str(),
                    "description": format!("priority {}", t.priority()),
                })
            })
            .collect();
        schemars::json_schema!({
            "description": "A tier (catch-all, status, specific, more-specific, most-specific) or any integer; higher wins.",
            "anyOf": [{ "type": "integer", "format": "int32" }, { "oneOf": tiers }],
        })
    }
}

/// The JSON Schema of a rule file.
pub(crate) fn file_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<File>()
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

/// Validate rule tables read from `text` (for positions in errors). Every
/// problem is reported, in file order within each check; nothing of a file
/// with a problem is returned.
pub fn build(file: &str, text: &str, defs: Vec<RuleDef>) -> Result<Vec<Rule>, RuleError> {
    let mut errors = Vec::new();
    let mut anchors = anchors(file, text, &defs, &mut errors).into_iter();
    let mut err =
        |span: std::ops::Range<usize>, message: String| errors.push(error_at(file, text, Some(span), message));
    let mut out = Vec::new();
    for d in defs {
        let id = d.id.get_ref().clone();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
            err(d.id.span(), format!("rule id `{id}` must be letters, digits, `-`, `_` or `.`"));
        }
        let mut status = Vec::new();
        for s in &d.matcher.status {
            let range = match s.get_ref() {
                StatusDef::Code(c) => Some((*c, *c)),
                StatusDef::Range(r) => parse_range(r),
            };
            match range {
                Some(r) => status.push(r),
                None => err(s.span(), "status must be a code (403), a class (\"5xx\") or a range (\"500-599\")".into()),
            }
        }
        let mut regex = |s: &Spanned<String>| match Regex::new(s.get_ref()) {
            Ok(re) => Some(re),
            Err(e) => {
                err(s.span(), format!("invalid regex: {}", e.to_string().lines().last().unwrap_or("syntax error")));
                None
            }
        };
        let message = d.matcher.message.as_ref().and_then(&mut regex);
        let context: Vec<ContextNote> = d
            .context
            .iter()
            .filter_map(|c| Some(ContextNote { when: regex(&c.when)?, text: c.text.clone() }))
            .collect();
        let mut actions = Vec::new();
        for a in &d.actions {
            match Action::from_name(a.get_ref()) {
                Some(x) => actions.push(x),
                None => err(a.span(), Action::unknown(a.get_ref())),
            }
        }
        let mut producer = Vec::new();
        for p in &d.matcher.producer {
            match Producer::from_name(p.get_ref()) {
                Some(x) => producer.push(x),
                None => err(p.span(), unknown_producer(p.get_ref())),
            }
        }
        out.push(Rule {
            id,
            title: d.title,
            severity: d.severity,
            priority: d.priority.0,
            summary: d.summary,
            meaning: d.meaning,
            causes: d.causes,
            context,
            fixes: d.fixes,
            verify: d.verify,
            actions,
            links: d.links,
            matcher: Matcher {
                status,
                error_type: d.matcher.error_type,
                message,
                platform: d.matcher.platform,
                producer,
            },
            samples: Samples { matching: d.samples.matching, not_matching: d.samples.no_match },
            source: file.to_owned(),
            advice: Vec::new(),
            anchors: anchors.next().unwrap_or_default(),
        });
    }
    all(errors)?;
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
