//! Advice that fits who printed the error (`server/rules/advice.toml`).
//!
//! A rule's causes, fixes and actions are written for Claude Code, which
//! picks its credential by its own precedence (`/login`, `ANTHROPIC_API_KEY`,
//! `apiKeyHelper`, …). Another program sends the key it is given: its
//! client's constructor argument, its own configuration, or
//! `ANTHROPIC_API_KEY` in its environment. For a finding printed by one of
//! those programs, the rule's advice is *fitted*: the family's cause and
//! fix come first, the rule's causes and fixes that are about Claude Code's
//! own login and settings are left out, and so are the actions that act on
//! them. Claude Code's findings, and those of an unknown producer, keep the
//! rule's advice as written.
//!
//! ```toml
//! [[family]]
//! id = "anthropic-sdk"
//! producers = ["python-sdk", "ts-sdk"]   # `Producer` names; each in at most one family
//! name = "the Anthropic SDK"             # `{program}` in the texts below
//! key = "the `api_key` given to …"        # `{key}`: where that program's key comes from
//! without_actions = ["auth-status"]      # actions about Claude Code's own credential, not offered
//! actions = []                           # offered first (e.g. `aws-identity` for AWS clients)
//! runs_claude_code = false               # true: the rule's own advice follows whole (the Agent SDKs)
//!
//! [[advice]]
//! rule = "403-permission-denied"
//! cause = "**The key {program} sends …**" # first cause (markdown; a name never starts a sentence:
//!                                        # `pydantic-ai`, `instructor` are written in lower case)
//! confidence = "inferred"
//! fix = "Check the key {program} sends: {key} …"
//! without_causes = [1]                   # the rule's causes (1-based) about Claude Code only
//! restates_cause = 2                     # the rule's cause the first cause says again, for this program
//! without_fixes = [1, 2]                 # the rule's fixes (1-based) about Claude Code only
//! ```
//!
//! Everything is checked when the catalog loads: every family, producer,
//! rule, action and placeholder must exist, and every number must name one
//! of the rule's causes or fixes; all problems are reported, each with its
//! line. The advice is attached to the built-in rules it names; a user rule
//! that replaces one of them by id has its own texts and no fitted advice.

use super::schema::{line_col, unknown_producer, Cause, Confidence};
use super::{Action, Rule, RuleError};
use crate::scan::Producer;
use serde::Deserialize;
use std::sync::Arc;
use toml::Spanned;

/// A producer family: programs that get their key the same way.
#[derive(Debug, Clone)]
pub struct Family {
    /// Stable id (`anthropic-sdk`).
    pub id: String,
    /// The producers in it.
    pub producers: Vec<Producer>,
    /// The program, for people (`the Anthropic SDK`).
    pub name: String,
    /// Where its key comes from (markdown).
    pub key: String,
    /// Actions of the rule that are not offered for its findings.
    pub without_actions: Vec<Action>,
    /// Actions offered first for its findings.
    pub actions: Vec<Action>,
    /// It runs Claude Code (the Agent SDKs): Claude Code's precedence picks
    /// the credential, so the rule's own advice follows the family's first
    /// cause and fix whole.
    pub runs_claude_code: bool,
}

/// The fitted advice of one rule for one family.
#[derive(Debug, Clone)]
pub struct Advice {
    /// Whose findings it fits.
    pub family: Arc<Family>,
    /// The first cause, placeholders filled in.
    pub cause: Option<Cause>,
    /// The first fix, placeholders filled in.
    pub fix: Option<String>,
    /// The rule's causes left out (0-based): Claude Code's own.
    pub without_causes: Vec<usize>,
    /// The rule's cause the family's first cause says again, for this
    /// program (0-based), left out too.
    pub restates_cause: Option<usize>,
    /// The rule's fixes left out (0-based).
    pub without_fixes: Vec<usize>,
}

/// What a finding's explanation says, fitted to who printed it: the causes
/// most likely first, the fix steps in order, the actions in order.
#[derive(Debug, Clone)]
pub struct Fitted<'a> {
    /// The causes.
    pub causes: Vec<&'a Cause>,
    /// The fix steps (markdown).
    pub fixes: Vec<&'a str>,
    /// The actions.
    pub actions: Vec<Action>,
    /// The family whose advice this is, when not the rule's own.
    pub family: Option<&'a Family>,
}

impl Rule {
    /// The advice for a finding printed by `producer`, when it has its own.
    pub fn advice_for(&self, producer: Producer) -> Option<&Advice> {
        self.advice.iter().find(|a| a.family.producers.contains(&producer)).map(|a| a.as_ref())
    }

    /// The causes, fixes and actions for a finding printed by `producer`.
    pub fn fitted(&self, producer: Producer) -> Fitted<'_> {
        let Some(a) = self.advice_for(producer) else {
            return Fitted {
                causes: self.causes.iter().collect(),
                fixes: self.fixes.iter().map(String::as_str).collect(),
                actions: self.actions.clone(),
                family: None,
            };
        };
        // A family that runs Claude Code keeps all of the rule's advice.
        let keep = |list: &[usize], i: usize| a.family.runs_claude_code || !list.contains(&i);
        let restated = |i: usize| a.restates_cause == Some(i);
        let causes = a
            .cause
            .iter()
            .chain(
                self.causes
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| keep(&a.without_causes, i) && !restated(i))
                    .map(|(_, c)| c),
            )
            .collect();
        let fixes = a
            .fix
            .iter()
            .map(String::as_str)
            .chain(self.fixes.iter().enumerate().filter(|&(i, _)| keep(&a.without_fixes, i)).map(|(_, f)| f.as_str()))
            .collect();
        let mut actions = a.family.actions.clone();
        for &x in &self.actions {
            if !a.family.without_actions.contains(&x) && !actions.contains(&x) {
                actions.push(x);
            }
        }
        Fitted { causes, fixes, actions, family: Some(&a.family) }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    family: Vec<Spanned<FamilyDef>>,
    #[serde(default)]
    advice: Vec<Spanned<AdviceDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyDef {
    id: String,
    producers: Vec<Spanned<String>>,
    name: String,
    key: String,
    #[serde(default)]
    without_actions: Vec<Spanned<String>>,
    #[serde(default)]
    actions: Vec<Spanned<String>>,
    #[serde(default)]
    runs_claude_code: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdviceDef {
    rule: Spanned<String>,
    /// The families it applies to (default: every family).
    families: Option<Vec<Spanned<String>>>,
    cause: Option<Spanned<String>>,
    confidence: Option<Confidence>,
    fix: Option<Spanned<String>>,
    #[serde(default)]
    without_causes: Vec<Spanned<usize>>,
    restates_cause: Option<Spanned<usize>>,
    #[serde(default)]
    without_fixes: Vec<Spanned<usize>>,
}

/// Read an advice file and attach its advice to `rules`. Every problem is
/// reported, in file order.
pub fn attach(file: &str, text: &str, rules: &mut [Arc<Rule>]) -> Result<(), Vec<RuleError>> {
    let parsed: File = toml::from_str(text).map_err(|e| vec![at(file, text, e.span(), e.message().to_owned())])?;
    let mut p = Problems { file, text, errors: Vec::new() };
    let mut families: Vec<Arc<Family>> = Vec::new();
    for f in parsed.family {
        let family = read_family(f, &families, &mut p);
        families.push(Arc::new(family));
    }
    let mut attached: Vec<(usize, Advice)> = Vec::new();
    for a in parsed.advice {
        read_advice(a, rules, &families, &mut attached, &mut p);
    }
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    for (ri, a) in attached {
        Arc::make_mut(&mut rules[ri]).advice.push(Arc::new(a));
    }
    Ok(())
}

/// The problems found in one advice file, each with its position.
struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<RuleError>,
}

impl Problems<'_> {
    fn add(&mut self, span: std::ops::Range<usize>, message: String) {
        self.errors.push(at(self.file, self.text, Some(span), message));
    }
}

/// One `[[family]]`, checked against the families before it: an id and a
/// producer belong to one family only.
fn read_family(f: Spanned<FamilyDef>, before: &[Arc<Family>], p: &mut Problems) -> Family {
    let span = f.span();
    let f = f.into_inner();
    if before.iter().any(|x| x.id == f.id) {
        p.add(span, format!("family `{}` is defined twice", f.id));
    }
    let mut producers = Vec::new();
    for name in &f.producers {
        match Producer::from_name(name.get_ref()) {
            Some(Producer::ClaudeCode | Producer::Unknown) => p.add(
                name.span(),
                format!("producer `{}` keeps the rules' own advice and belongs to no family", name.get_ref()),
            ),
            Some(x) if before.iter().any(|g| g.producers.contains(&x)) => {
                p.add(name.span(), format!("producer `{}` is already in another family", name.get_ref()));
            }
            Some(x) => producers.push(x),
            None => p.add(name.span(), unknown_producer(name.get_ref())),
        }
    }
    let without_actions = actions(&f.without_actions, p);
    let actions = actions(&f.actions, p);
    Family {
        id: f.id,
        producers,
        name: f.name,
        key: f.key,
        without_actions,
        actions,
        runs_claude_code: f.runs_claude_code,
    }
}

/// The actions a list names; an unknown one is a problem.
fn actions(list: &[Spanned<String>], p: &mut Problems) -> Vec<Action> {
    let mut out = Vec::new();
    for a in list {
        match Action::from_name(a.get_ref()) {
            Some(x) => out.push(x),
            None => p.add(a.span(), Action::unknown(a.get_ref())),
        }
    }
    out
}

/// One `[[advice]]`: the rule's advice for each family it names, added to
/// `attached` (rule index, advice) unless that rule has advice for that
/// family already.
fn read_advice(
    a: Spanned<AdviceDef>,
    rules: &[Arc<Rule>],
    families: &[Arc<Family>],
    attached: &mut Vec<(usize, Advice)>,
    p: &mut Problems,
) {
    let span = a.span();
    let a = a.into_inner();
    let Some(ri) = rules.iter().position(|r| r.id == *a.rule.get_ref()) else {
        p.add(a.rule.span(), format!("unknown rule `{}`", a.rule.get_ref()));
        return;
    };
    let rule = &rules[ri];
    let without_causes = numbered(&a.without_causes, rule, rule.causes.len(), "causes", p);
    let without_fixes = numbered(&a.without_fixes, rule, rule.fixes.len(), "fixes", p);
    let restates_cause = numbered(a.restates_cause.as_slice(), rule, rule.causes.len(), "causes", p).first().copied();
    if a.cause.is_some() != a.confidence.is_some() {
        p.add(span.clone(), "a cause needs its confidence (documented, reported or inferred), and only a cause".into());
    }
    let which: Vec<Arc<Family>> = match &a.families {
        None => families.to_vec(),
        Some(ids) => ids
            .iter()
            .filter_map(|id| {
                let f = families.iter().find(|f| f.id == *id.get_ref()).cloned();
                if f.is_none() {
                    p.add(id.span(), format!("unknown family `{}`", id.get_ref()));
                }
                f
            })
            .collect(),
    };
    for fam in which {
        if attached.iter().any(|(i, x)| *i == ri && x.family.id == fam.id) {
            p.add(span.clone(), format!("`{}` already has advice for family `{}`", rule.id, fam.id));
            continue;
        }
        let cause = a
            .cause
            .as_ref()
            .map(|c| Cause { text: fill(c, &fam, p), confidence: a.confidence.unwrap_or(Confidence::Inferred) });
        let fix = a.fix.as_ref().map(|f| fill(f, &fam, p));
        attached.push((
            ri,
            Advice {
                family: fam,
                cause,
                fix,
                without_causes: without_causes.clone(),
                restates_cause,
                without_fixes: without_fixes.clone(),
            },
        ));
    }
}

/// The 0-based indices of a list of 1-based numbers into the rule's `of`
/// causes or fixes; a number past them is a problem.
fn numbered(list: &[Spanned<usize>], rule: &Rule, of: usize, what: &str, p: &mut Problems) -> Vec<usize> {
    let mut out = Vec::new();
    for n in list {
        match *n.get_ref() {
            k @ 1.. if k <= of => out.push(k - 1),
            k => p.add(n.span(), format!("`{}` has {of} {what}: there is no {what} {k}", rule.id)),
        }
    }
    out
}

/// A text with the family's placeholders filled; an unknown placeholder is
/// a problem.
fn fill(t: &Spanned<String>, fam: &Family, p: &mut Problems) -> String {
    match expand(t.get_ref(), fam) {
        Ok(s) => s,
        Err(bad) => {
            p.add(t.span(), format!("unknown placeholder `{{{bad}}}`, expected {{program}} or {{key}}"));
            String::new()
        }
    }
}

/// `text` with `{program}` and `{key}` filled in; the name of
/// an unknown placeholder otherwise. Other braces (`{ apiKey }` in a code
/// span) are kept: a placeholder is a brace around letters only.
fn expand(text: &str, f: &Family) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after.len());
        if name_len == 0 || !after[name_len..].starts_with('}') {
            out.push('{');
            rest = after;
            continue;
        }
        let name = &after[..name_len];
        match name {
            "program" => out.push_str(&f.name),
            "key" => out.push_str(&f.key),
            other => return Err(other.to_owned()),
        }
        rest = &after[name_len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn at(file: &str, text: &str, span: Option<std::ops::Range<usize>>, message: String) -> RuleError {
    let (line, column) = span.map_or((1, 1), |s| line_col(text, s.start));
    RuleError { file: file.to_owned(), line, column, message, also: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Catalog;

    fn attach_to_builtin(text: &str) -> Result<(), Vec<RuleError>> {
        let c = Catalog::builtin();
        let mut rules: Vec<Arc<Rule>> = c.rules().to_vec();
        attach("mine.toml", text, &mut rules)
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = r#"
[[family]]
id = "sdk"
producers = ["python-sdk", "claude-code", "nope"]
name = "the SDK"
key = "its key"
without_actions = ["rm-rf"]

[[advice]]
rule = "403-permission-denied"
cause = "**{program} sends {secret}.**"
confidence = "inferred"
without_fixes = [99]

[[advice]]
rule = "no-such-rule"
"#;
        let errs = attach_to_builtin(text).unwrap_err();
        let got: Vec<(usize, bool)> = errs.iter().map(|e| (e.line, e.file == "mine.toml")).collect();
        assert_eq!(got, [(4, true), (4, true), (7, true), (13, true), (11, true), (16, true)], "{errs:#?}");
        assert!(errs[1].message.contains("unknown producer `nope`"), "{}", errs[1]);
        assert!(errs[3].message.contains("no fixes 99"), "{}", errs[3]);
        assert!(errs[4].message.contains("`{secret}`"), "{}", errs[4]);
    }

    #[test]
    fn placeholders_are_filled_and_code_braces_kept() {
        let f = Family {
            id: "ai-sdk".into(),
            producers: vec![Producer::AiSdk],
            name: "the AI SDK".into(),
            key: "`createAnthropic({ apiKey })`".into(),
            without_actions: vec![],
            actions: vec![],
            runs_claude_code: false,
        };
        assert_eq!(
            expand("{program} sends {key}; {program} {x", &f).as_deref(),
            Ok("the AI SDK sends `createAnthropic({ apiKey })`; the AI SDK {x")
        );
        assert_eq!(expand("a {nope} b", &f), Err("nope".to_owned()));
    }

    /// What only Claude Code's own login and settings answer.
    const CLAUDE_CODE_ONLY: &[&str] =
        &["claude auth status", "/login", "/status", "/logout", "claude setup-token", "claude -p", "apiKeyHelper"];

    /// The numbers in `advice.toml` name what they mean to: every cause or
    /// fix left out for another program is about Claude Code's own
    /// credential (a rule edited under them fails here, not silently), and a
    /// restated cause begins as the family's first cause does.
    #[test]
    fn what_is_left_out_is_claude_codes_own() {
        let c = Catalog::builtin();
        let mut checked = 0;
        for r in c.rules() {
            for a in &r.advice {
                let gone = a
                    .without_causes
                    .iter()
                    .map(|&i| &r.causes[i].text)
                    .chain(a.without_fixes.iter().map(|&i| &r.fixes[i]));
                for t in gone {
                    let cc = CLAUDE_CODE_ONLY
                        .iter()
                        // Removing the key helps only where a login takes over: Claude Code's.
                        .chain(&[
                            "subscription",
                            "Claude Code",
                            "`claude`",
                            "login",
                            "OAuth session",
                            "unset ANTHROPIC_API_KEY",
                        ])
                        .any(|m| t.contains(m));
                    assert!(cc, "{} ({}): left out, but not about Claude Code: {t}", r.id, a.family.id);
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "{checked}");
        for r in c.rules() {
            for a in r.advice.iter().filter(|a| a.restates_cause.is_some()) {
                let old = &r.causes[a.restates_cause.unwrap_or(0)].text;
                let new = a.cause.as_ref().map_or("", |c| c.text.as_str());
                let words = |t: &str| {
                    t.split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.len() > 5)
                        .map(str::to_lowercase)
                        .collect::<Vec<_>>()
                };
                let shared = words(old).iter().filter(|w| words(new).contains(w)).count();
                assert!(shared >= 2, "{} ({}): restates {old:?} as {new:?}?", r.id, a.family.id);
            }
        }
    }

    /// For every built-in rule, a finding printed by a program that does
    /// not run Claude Code gets no step and no action about Claude Code's
    /// own login: the advice file covers every rule that has one.
    #[test]
    fn no_program_is_told_to_sign_in_to_claude_code() {
        let c = Catalog::builtin();
        let programs = Producer::ALL.into_iter().filter(|p| {
            c.rules()
                .iter()
                .flat_map(|r| &r.advice)
                .any(|a| a.family.producers.contains(p) && !a.family.runs_claude_code)
        });
        let programs: Vec<Producer> = programs.collect();
        assert!(programs.len() >= 12, "{programs:?}");
        // By design: these rules are about Claude Code's own OAuth login,
        // which only a program given that login's token can print.
        let oauth =
            ["oauth-token-revoked", "403-oauth-scope", "403-oauth-org-not-allowed", "400-claude-code-only-credential"];
        for r in c.rules().iter().filter(|r| !oauth.contains(&r.id.as_str())) {
            for &p in &programs {
                let fit = r.fitted(p);
                for f in &fit.fixes {
                    for m in CLAUDE_CODE_ONLY {
                        assert!(!f.contains(m), "{} for {}: a fix says {m:?}: {f}", r.id, p.as_str());
                    }
                }
                for a in [
                    Action::AuthStatus,
                    Action::Login,
                    Action::SetupToken,
                    Action::MoveCredentials,
                    Action::UnsetShadowingEnv,
                ] {
                    assert!(!fit.actions.contains(&a), "{} for {}: action {a}", r.id, p.as_str());
                }
            }
            // Claude Code's findings keep everything as written.
            let own = r.fitted(Producer::ClaudeCode);
            assert_eq!(own.fixes, r.fixes.iter().map(String::as_str).collect::<Vec<_>>(), "{}", r.id);
            assert_eq!(own.actions, r.actions, "{}", r.id);
            assert_eq!(r.fitted(Producer::Unknown).fixes, own.fixes, "{}", r.id);
        }
    }
}
