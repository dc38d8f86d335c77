//! The rule catalog: what each error means, why it happens and how to fix it.
//!
//! Rules are data. The built-in catalog is the TOML files in `server/rules/`,
//! embedded in the binary; users extend or override it with their own files
//! (`--rules FILE`, the `[[rule]]` tables of `.errsig.toml`). A rule whose id
//! is already known replaces the earlier one. Loading never panics: a broken
//! file is an error naming the file, line, column and problem.
//!
//! Matching picks, for each event, the matching rule with the highest
//! `priority` (the earliest loaded among equals): specific variants beat the
//! generic rule for their status, which beats the catch-alls ([`Tier`]).

mod action;
mod advice;
mod schema;

pub use action::Action;
pub use advice::{Advice, Family, Fitted};
pub(crate) use schema::file_schema;
pub use schema::{anchor_problem, error_at, line_col, Cause, Confidence, Link, RuleDef, Severity, Tier, MIN_ANCHOR};

use crate::scan::user_anchors::{UserAnchor, UserAnchors};
use crate::scan::{Event, Platform, Producer};
use regex::{Regex, RegexSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The built-in rule files, embedded at build time.
const BUILTIN: &[(&str, &str)] = &[
    ("rules/403.toml", include_str!("../../../rules/403.toml")),
    ("rules/gateway.toml", include_str!("../../../rules/gateway.toml")),
    ("rules/cloud.toml", include_str!("../../../rules/cloud.toml")),
    ("rules/400.toml", include_str!("../../../rules/400.toml")),
    ("rules/401.toml", include_str!("../../../rules/401.toml")),
    ("rules/4xx.toml", include_str!("../../../rules/4xx.toml")),
    ("rules/5xx.toml", include_str!("../../../rules/5xx.toml")),
];

/// The built-in advice for findings printed by programs other than Claude
/// Code (`rules/advice.toml`), attached to the built-in rules it names.
const ADVICE: (&str, &str) = ("rules/advice.toml", include_str!("../../../rules/advice.toml"));

/// A problem in a rule file (and the file's other problems of the same
/// check, when it reports them all: anchor literals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The file's name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The file's further problems, in file order (one per line of the
    /// message).
    pub also: Vec<RuleError>,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)?;
        for e in &self.also {
            write!(f, "\n{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleError {}

/// What a rule matches.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// Statuses (empty: any).
    pub status: Vec<(u16, u16)>,
    /// Error types as shown (empty: any).
    pub error_type: Vec<String>,
    /// Message pattern.
    pub message: Option<Regex>,
    /// Platforms (empty: any).
    pub platform: Vec<Platform>,
    /// Producers (empty: any).
    pub producer: Vec<Producer>,
}

impl Matcher {
    /// Whether an event satisfies every condition.
    pub fn matches(&self, ev: &Event) -> bool {
        let status_ok = self.status.is_empty()
            || ev.status.is_some_and(|s| self.status.iter().any(|&(lo, hi)| (lo..=hi).contains(&s)));
        let type_ok = self.error_type.is_empty()
            || ev.error_type.as_ref().is_some_and(|t| self.error_type.iter().any(|x| x == t));
        let msg_ok = self.message.as_ref().is_none_or(|re| ev.message.as_deref().is_some_and(|m| re.is_match(m)));
        let platform_ok = self.platform.is_empty() || self.platform.contains(&ev.platform);
        let producer_ok = self.producer.is_empty() || self.producer.contains(&ev.producer);
        status_ok && type_ok && msg_ok && platform_ok && producer_ok
    }
}

/// A note shown when a nearby line matches.
#[derive(Debug, Clone)]
pub struct ContextNote {
    /// The pattern over nearby lines.
    pub when: Regex,
    /// The note (markdown).
    pub text: String,
}

/// Sample texts checked by the tests.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// Texts that must yield this rule.
    pub matching: Vec<String>,
    /// Texts that must not yield this rule.
    pub not_matching: Vec<String>,
}

/// One rule of the catalog.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id (`403-permission-denied`).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Higher wins among matching rules (a [`Tier`]'s number, or the
    /// rule file's own).
    pub priority: i32,
    /// One self-contained sentence.
    pub summary: String,
    /// What the error means (markdown).
    pub meaning: String,
    /// Causes, most likely first.
    pub causes: Vec<Cause>,
    /// Notes for nearby lines.
    pub context: Vec<ContextNote>,
    /// Ordered fix steps (markdown).
    pub fixes: Vec<String>,
    /// How to know the fix worked (markdown).
    pub verify: String,
    /// Fix actions (see the registry in ARCHITECTURE.md).
    pub actions: Vec<Action>,
    /// Documentation links.
    pub links: Vec<Link>,
    /// What it matches.
    pub matcher: Matcher,
    /// Samples for the tests.
    pub samples: Samples,
    /// The file it came from.
    pub source: String,
    /// Its advice for findings printed by other programs than Claude Code,
    /// by producer family (`rules/advice.toml`; see [`Rule::fitted`]).
    pub advice: Vec<Arc<Advice>>,
    /// Anchor literals it declares (`[[rule.anchors]]`): wordings the
    /// built-in recognisers do not know.
    pub anchors: Vec<UserAnchor>,
}

/// The rules, in load order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    rules: Vec<Arc<Rule>>,
    /// The context patterns compiled once, shared by every engine of this
    /// catalog: compiling them costs milliseconds and ~100 KB, which a
    /// language server opening thousands of documents must not pay per
    /// document. Cleared whenever rules change.
    context: OnceLock<Arc<RegexSet>>,
    /// Every rule's anchor literals with one searcher, for the scanner's
    /// hot path; built on first use, cleared whenever rules change.
    anchors: OnceLock<Option<Arc<UserAnchors>>>,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.id, self.severity, self.title)
    }
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Catalog {
        let mut c = Catalog::default();
        for (name, text) in BUILTIN {
            // The built-in files are checked by the tests (their context
            // patterns together too); a broken one is a bug of this binary,
            // not of the user's input. Their context set is compiled on
            // first use, not once per file.
            match schema::parse(name, text) {
                Ok(rules) => c.merge(rules),
                Err(e) => panic!("built-in rule file is invalid: {e}"),
            }
        }
        if let Err(errors) = advice::attach(ADVICE.0, ADVICE.1, &mut c.rules) {
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("built-in advice file is invalid:\n{}", all.join("\n"));
        }
        c
    }

    /// Add (or replace, by id) the `[[rule]]` tables of a TOML text.
    ///
    /// # Errors
    ///
    /// Every problem of the text (TOML, the rule format, a regex, an
    /// action, a producer, an anchor), each at its line and column; or the
    /// catalog's context patterns failing to compile together. Nothing of
    /// the text is added then.
    pub fn add_toml(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let rules = schema::parse(file, text)?;
        self.add(file, rules)
    }

    /// Add (or replace, by id) rule tables already read from `text`.
    ///
    /// # Errors
    ///
    /// As [`Catalog::add_toml`].
    pub fn add_defs(&mut self, file: &str, text: &str, defs: Vec<RuleDef>) -> Result<(), RuleError> {
        let rules = schema::build(file, text, defs)?;
        self.add(file, rules)
    }

    /// Add checked rules, and check what no single rule can show: that every
    /// context pattern of the catalog compiles into one set (each compiles
    /// alone, but together they can pass the regex size limit). A set that
    /// does not compile would keep no line as context, silently; so it is
    /// the file's error instead, and the set compiled here is the one the
    /// engines share.
    fn add(&mut self, file: &str, rules: Vec<Rule>) -> Result<(), RuleError> {
        // A project file without rules changes nothing (and keeps the set
        // compiled lazily, once, for the shared built-in catalog).
        if rules.is_empty() {
            return Ok(());
        }
        let mut next = Catalog { rules: self.rules.clone(), ..Catalog::default() };
        next.merge(rules);
        let set = RegexSet::new(next.patterns()).map_err(|e| RuleError {
            file: file.to_owned(),
            line: 1,
            column: 1,
            message: format!(
                "the context patterns (`[[rule.context]] when`) of the rules together do not compile: {}",
                e.to_string().lines().last().unwrap_or("too large")
            ),
            also: Vec::new(),
        })?;
        next.context = OnceLock::from(Arc::new(set));
        *self = next;
        Ok(())
    }

    /// Add (or replace, by id) rules, unchecked.
    fn merge(&mut self, rules: Vec<Rule>) {
        self.context = OnceLock::new();
        self.anchors = OnceLock::new();
        for r in rules {
            let r = Arc::new(r);
            match self.rules.iter_mut().find(|x| x.id == r.id) {
                Some(slot) => *slot = r,
                None => self.rules.push(r),
            }
        }
    }

    /// Every context pattern of every rule.
    fn patterns(&self) -> Vec<&str> {
        self.rules.iter().flat_map(|r| r.context.iter().map(|c| c.when.as_str())).collect()
    }

    /// All rules, in load order.
    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    /// A rule by id.
    pub fn get(&self, id: &str) -> Option<&Arc<Rule>> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The best rule for an event.
    pub fn best(&self, ev: &Event) -> Option<&Arc<Rule>> {
        let mut best: Option<&Arc<Rule>> = None;
        for r in &self.rules {
            if r.matcher.matches(ev) && best.is_none_or(|b| r.priority > b.priority) {
                best = Some(r);
            }
        }
        best
    }

    /// Every context pattern of every rule, for the scanner to keep nearby
    /// lines that match one.
    pub fn context_patterns(&self) -> RegexSet {
        // Rules added by `add_toml`/`add_defs` were checked to compile
        // together, and the built-in ones are by a test: the empty set
        // (no line kept as context) is not reached.
        RegexSet::new(self.patterns()).unwrap_or_else(|_| RegexSet::empty())
    }

    /// The anchor literals of every rule, searched by the scanner besides
    /// its built-in recognisers; `None` when no rule declares one.
    pub fn user_anchors(&self) -> Option<Arc<UserAnchors>> {
        self.anchors
            .get_or_init(|| {
                UserAnchors::new(self.rules.iter().flat_map(|r| r.anchors.iter().cloned()).collect()).map(Arc::new)
            })
            .clone()
    }

    /// [`Catalog::context_patterns`], compiled on first use (or when rules
    /// were added) and shared.
    pub fn context_set(&self) -> Arc<RegexSet> {
        self.context.get_or_init(|| Arc::new(self.context_patterns())).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_with_unique_ids() {
        let c = Catalog::builtin();
        assert!(c.rules().len() >= 20);
        let mut ids: Vec<_> = c.rules().iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        assert!(c.get("403-permission-denied").is_some());
    }

    #[test]
    fn broken_rule_files_name_file_line_and_problem() {
        let mut c = Catalog::builtin();
        let e = c.add_toml("mine.toml", "[[rule]]\nid = \"x\"\ntitle = 3\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("mine.toml", 3), "{e}");
        let e = c
            .add_toml(
                "mine.toml",
                "[[rule]]\nid = \"x\"\ntitle = \"t\"\nseverity = \"error\"\n[rule.match]\nmessage = '(unclosed'\n",
            )
            .unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("regex"), "{e}");
        let e = c.add_toml("mine.toml", "[[rule]]\nid = \"x\"\ntitle = \"t\"\nseverity = \"fatal\"\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e = c
            .add_toml("mine.toml", "[[rule]]\nid = \"x\"\ntitle = \"t\"\nseverity = \"error\"\nactions = [\"rm-rf\"]\n")
            .unwrap_err();
        assert!(e.message.contains("rm-rf"), "{e}");
    }

    /// A tier's name and its number rank a rule alike; user rules written
    /// with numbers keep loading; an unknown tier names the known ones.
    #[test]
    fn priorities_are_tiers_or_numbers() {
        let rule = |p: &str| format!("[[rule]]\nid = \"x\"\ntitle = \"t\"\nseverity = \"error\"\npriority = {p}\n");
        for t in Tier::ALL {
            let mut named = Catalog::default();
            named.add_toml("a.toml", &rule(&format!("\"{}\"", t.as_str()))).unwrap();
            let mut numbered = Catalog::default();
            numbered.add_toml("b.toml", &rule(&t.priority().to_string())).unwrap();
            assert_eq!(named.rules()[0].priority, numbered.rules()[0].priority, "{t:?}");
        }
        let mut c = Catalog::default();
        c.add_toml("c.toml", &rule("40")).unwrap();
        assert_eq!(c.rules()[0].priority, 40);
        let e = c.add_toml("d.toml", &rule("\"urgent\"")).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("unknown priority tier `urgent`") && e.message.contains("most-specific"), "{e}");
        let ranks: Vec<i32> = Tier::ALL.map(Tier::priority).into();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        // The built-in files name their tiers rather than numbers.
        for (name, text) in BUILTIN {
            assert!(
                !text
                    .lines()
                    .any(|l| l.starts_with("priority = ") && l[11..].starts_with(|c: char| c.is_ascii_digit())),
                "{name}"
            );
        }
    }

    /// Every problem of a rule file is reported, in file order, not just
    /// the first; nothing of the file is loaded.
    #[test]
    fn every_problem_of_a_rule_file_is_reported() {
        let mut c = Catalog::builtin();
        let n = c.rules().len();
        let text = "[[rule]]\nid = \"bad id\"\ntitle = \"t\"\nseverity = \"error\"\nactions = [\"rm-rf\"]\n\
                    [rule.match]\nstatus = [\"6xx\"]\nmessage = '(unclosed'\nproducer = [\"nope\"]\n\
                    [[rule.context]]\nwhen = '[z-a]'\ntext = \"n\"\n";
        let e = c.add_toml("mine.toml", text).unwrap_err();
        let lines: Vec<usize> = std::iter::once(&e).chain(&e.also).map(|e| e.line).collect();
        assert_eq!(lines, [2, 5, 7, 8, 9, 11], "{e}");
        let all = e.to_string();
        for m in ["bad id", "unknown action `rm-rf`", "status must be", "invalid regex", "unknown producer `nope`"] {
            assert!(all.contains(m), "{m}: {all}");
        }
        assert_eq!(c.rules().len(), n, "nothing of a broken file is loaded");
    }

    /// Context patterns that compile one by one but not together are the
    /// rule file's error, not context silently dropped; the built-in ones
    /// compile together.
    #[test]
    fn context_patterns_that_do_not_compile_together_are_an_error() {
        let c = Catalog::builtin();
        assert!(RegexSet::new(c.patterns()).is_ok());
        assert!(c.context_set().len() > 5);
        let big = r"\w{100}";
        assert!(Regex::new(big).is_ok(), "one alone compiles");
        let mut text = String::new();
        for i in 0..4 {
            text.push_str(&format!("[[rule]]\nid = \"c{i}\"\ntitle = \"t\"\nseverity = \"info\"\n[[rule.context]]\nwhen = '{big}'\ntext = \"n\"\n"));
        }
        let mut c = Catalog::builtin();
        let n = c.rules().len();
        let e = c.add_toml("big.toml", &text).unwrap_err();
        assert!(e.message.contains("context patterns") && e.message.contains("together"), "{e}");
        assert_eq!(c.rules().len(), n, "nothing of the file is added");
        assert_eq!(c.context_set().len(), Catalog::builtin().context_set().len());
    }

    #[test]
    fn user_rules_override_by_id() {
        let mut c = Catalog::builtin();
        let n = c.rules().len();
        c.add_toml(
            "mine.toml",
            "[[rule]]\nid = \"429-rate-limit\"\ntitle = \"Ours\"\nseverity = \"info\"\n[rule.match]\nstatus = [429]\n",
        )
        .unwrap();
        assert_eq!(c.rules().len(), n);
        assert_eq!(c.get("429-rate-limit").unwrap().title, "Ours");
    }

    /// The built-in catalog's own literals pass the check user anchors
    /// pass: the fixed texts (`rules/texts.toml`, also at least their own
    /// 12 bytes) and the wrappers' signatures (`rules/producers.toml`).
    #[test]
    fn the_builtin_literals_pass_the_anchor_check() {
        let mut n = 0;
        for t in crate::scan::texts::literals() {
            assert_eq!(anchor_problem(t), None, "texts.toml: {t}");
            n += 1;
        }
        let table: toml::Value =
            toml::from_str(include_str!("../../../rules/producers.toml")).unwrap_or(toml::Value::Boolean(false));
        let signatures: Vec<&str> = table
            .as_table()
            .into_iter()
            .flat_map(|t| t.values())
            .flat_map(|v| v.as_array().into_iter().flatten())
            .flat_map(|e| e.get("signatures").and_then(toml::Value::as_array).into_iter().flatten())
            .filter_map(toml::Value::as_str)
            .collect();
        assert!(signatures.len() > 10, "{signatures:?}");
        for s in signatures {
            assert_eq!(anchor_problem(s), None, "producers.toml: {s}");
            n += 1;
        }
        assert!(n > 40, "{n}");
        assert!(anchor_problem("abc").is_some() && anchor_problem(" ab ").is_some());
        assert_eq!(anchor_problem("abcd"), None);
    }

    #[test]
    fn every_bad_anchor_of_a_file_is_reported_with_its_rule_and_line() {
        let mut c = Catalog::builtin();
        let text = "[[rule]]\nid = \"a\"\ntitle = \"t\"\nseverity = \"error\"\n[[rule.anchors]]\ntext = \"abc\"\nstatus = 429\n\
                    [[rule]]\nid = \"b\"\ntitle = \"t\"\nseverity = \"error\"\n[[rule.anchors]]\ntext = \"fine text\"\nstatus = 7\n";
        let e = c.add_toml("mine.toml", text).unwrap_err();
        let all: Vec<(usize, &str)> =
            std::iter::once(&e).chain(&e.also).map(|e| (e.line, e.message.split(':').next().unwrap_or(""))).collect();
        assert_eq!(all, [(6, "rule `a`"), (14, "rule `b`")], "{e}");
        assert!(e.to_string().starts_with("mine.toml:6:8: rule `a`: anchor `abc` is 3 bytes"), "{e}");
        assert_eq!(e.to_string().lines().count(), 2, "{e}");
        assert!(c.user_anchors().is_none(), "nothing of a broken file is loaded");
        c.add_toml("ok.toml", "[[rule]]\nid = \"c\"\ntitle = \"t\"\nseverity = \"error\"\n[[rule.anchors]]\ntext = \"Gateway quota gone\"\nstatus = 429\n").unwrap();
        assert_eq!(c.user_anchors().map(|u| u.anchors().len()), Some(1));
    }
}
