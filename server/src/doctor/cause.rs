//! The reasoning step: from the [`Facts`] to the one most likely cause.
//!
//! Every candidate cause is a sentence with its *because*, the evidence
//! (which facts), the one fix and how to confirm it, and a score:
//!
//! 1. **Base score**, by how surely the fact breaks a request: the shape of
//!    the credential actually sent (quotes, a line break, truncated, an admin
//!    key, a token in the key's variable) 100; a broken `apiKeyHelper` in use
//!    95; a cloud provider missing its region, project or credentials 95; a
//!    stored login that cannot be renewed or read 90; `CLAUDE_CONFIG_DIR`
//!    without the login `~/.claude` has 90; a login rule the stored login
//!    breaks 85; no credential at all 80; a key or token shadowing a stored
//!    login 60; a gateway base URL 50 (60 when one settings file overrides
//!    another's); a settings file that does not parse 45; a proxy 35. Some
//!    causes start at 0 and count only when an error or the probe points
//!    at them (a cloud's refusal, a well-formed key the API refuses).
//! 2. **The error**, when one is given (`--for`, `--rule`, the hover): each
//!    kind of error adds to the causes that produce it and takes from those
//!    that cannot (an HTML 403 with no request id comes from a gateway or
//!    proxy, a 401 from the key's shape or a revoked login, an OAuth scope
//!    403 from the stored login, a Bedrock denial from the AWS side). A
//!    malformed key is refused with a 401, so a 403 `permission_error` or
//!    "Request not allowed" takes 50 from it. An OAuth error proves an
//!    OAuth token was sent: when `claude -p` sends a key, the stored login
//!    of interactive `claude` is the one refused. A rate limit, an overload,
//!    a request too large or a server error (`ErrorKind::Service`) is the
//!    API's answer to a credential it accepted: every local cause takes 200
//!    (nothing here explains it; the best unrelated one is information).
//! 3. **The probe** is evidence, not a cause: it strengthens the causes it
//!    agrees with (an HTML answer → the gateway or proxy; a refusal by the
//!    API → the credential) and weakens the others (the API's own refusal,
//!    with its request id, through a base URL takes 40 from the gateway:
//!    it passed the refusal on).
//!
//! The highest score is the cause; the next few are "also possible". What
//! cannot cause an error (a token Claude Code will refresh, the one-time
//! prompt for an unapproved key) is information, never a cause. For an error
//! printed by another program (an SDK, a wrapper), only what that program
//! reads counts: its environment's `ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN`,
//! `ANTHROPIC_BASE_URL` and proxies — not Claude Code's settings or login.

use super::checks::credentials::Credential;
use super::checks::settings::{HelperState, Origin};
use super::facts::Facts;
use super::fix::FixId;
use errsig::rules::Rule;
use errsig::scan::{Event, Platform, Producer};
use serde::Serialize;

/// What kind of error the causes are ranked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// 401: the credential is not accepted.
    Unauthorized,
    /// The OAuth token was revoked.
    OauthRevoked,
    /// 403 `permission_error` from the API.
    Permission,
    /// 403: the OAuth token lacks a scope.
    OauthScope,
    /// 403: the organization does not allow OAuth.
    OauthOrg,
    /// 403 `forbidden` "Request not allowed" (edge, subscription, proxy).
    RequestNotAllowed,
    /// A gateway or proxy answered (HTML, bare text, no request id).
    Gateway,
    /// 400: the organization is disabled.
    OrgDisabled,
    /// 400: an OAuth credential used outside Claude Code.
    ClaudeCodeOnly,
    /// Amazon Bedrock refused.
    Bedrock,
    /// Google Vertex AI refused.
    Vertex,
    /// The service's answer to a request it accepted (rate limit, overload,
    /// a request too large, a server error): no credential, login or
    /// setting on this machine causes it.
    Service,
    /// Anything else.
    Other,
}

/// The error a diagnosis is for.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorContext {
    /// The rule that matched.
    pub rule: String,
    /// Its kind.
    pub kind: ErrorKind,
    /// The status, when known.
    pub status: Option<u16>,
    /// Printed by Claude Code (its precedence applies); otherwise by a
    /// program that reads only its environment.
    pub claude_code: bool,
    /// Who printed it (`claude-code`, `python-sdk`, …).
    pub producer: &'static str,
    /// The finding's headline (redacted).
    pub headline: String,
}

fn kind_of(rule: &str, platform: Platform, request_id: bool) -> ErrorKind {
    match rule {
        "401-authentication" => ErrorKind::Unauthorized,
        "oauth-token-revoked" => ErrorKind::OauthRevoked,
        "403-permission-denied" => ErrorKind::Permission,
        "403-oauth-scope" => ErrorKind::OauthScope,
        "403-oauth-org-not-allowed" => ErrorKind::OauthOrg,
        "403-request-not-allowed" => ErrorKind::RequestNotAllowed,
        "403-gateway" => ErrorKind::Gateway,
        "400-organization-disabled" => ErrorKind::OrgDisabled,
        "400-claude-code-only-credential" => ErrorKind::ClaudeCodeOnly,
        "403-bedrock" => ErrorKind::Bedrock,
        "403-vertex" => ErrorKind::Vertex,
        "400-invalid-request"
        | "404-not-found"
        | "409-conflict"
        | "413-request-too-large"
        | "429-rate-limit"
        | "500-api-error"
        | "504-timeout"
        | "529-overloaded"
        | "5xx-server-error" => ErrorKind::Service,
        _ => match platform {
            Platform::Gateway => ErrorKind::Gateway,
            Platform::Bedrock => ErrorKind::Bedrock,
            Platform::Vertex => ErrorKind::Vertex,
            // A 403 the API did not sign with a request id may be anyone's.
            Platform::Anthropic if rule == "403-generic" && !request_id => ErrorKind::Gateway,
            Platform::Anthropic if rule == "403-generic" => ErrorKind::Permission,
            Platform::Anthropic => ErrorKind::Other,
        },
    }
}

impl ErrorContext {
    /// For a finding.
    pub fn for_finding(rule: &Rule, ev: &Event) -> ErrorContext {
        ErrorContext {
            rule: rule.id.clone(),
            kind: kind_of(&rule.id, ev.platform, ev.request_id.is_some()),
            status: ev.status,
            claude_code: ev.producer == Producer::ClaudeCode,
            producer: ev.producer.as_str(),
            headline: errsig::scan::redact(&errsig::explain::headline(rule, ev)).into_owned(),
        }
    }

    /// For a rule alone (`--rule ID`): printed by Claude Code.
    pub fn for_rule(rule: &Rule) -> ErrorContext {
        let platform = match rule.id.as_str() {
            "403-gateway" => Platform::Gateway,
            _ => Platform::Anthropic,
        };
        ErrorContext {
            rule: rule.id.clone(),
            kind: kind_of(&rule.id, platform, true),
            status: None,
            claude_code: true,
            producer: Producer::ClaudeCode.as_str(),
            headline: rule.title.clone(),
        }
    }
}

/// Which cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseId {
    /// The credential sent is malformed or the wrong kind.
    KeyShape,
    /// The `apiKeyHelper` in use gives no usable key.
    HelperBroken,
    /// The cloud provider lacks region, project or credentials.
    CloudIncomplete,
    /// The cloud provider refused (identity, model access).
    CloudDenied,
    /// `CLAUDE_CONFIG_DIR` has no login; `~/.claude` has one.
    ConfigDirWithoutLogin,
    /// The stored login cannot be read.
    LoginBroken,
    /// The stored login expired and cannot be renewed.
    LoginExpired,
    /// The stored login was refused (revoked).
    LoginRevoked,
    /// The stored login lacks a scope.
    LoginScope,
    /// The organization does not allow OAuth login.
    OrgNoOauth,
    /// `forceLoginMethod`/`forceLoginOrgUUID` against the stored login.
    ForceLogin,
    /// No credential at all.
    NoCredential,
    /// The failing run is CI's, with its secret.
    CiSecret,
    /// A key or token shadows the stored login.
    Shadowing,
    /// The API refuses the credential (revoked, another organization).
    KeyRefused,
    /// A gateway base URL.
    Gateway,
    /// A proxy.
    Proxy,
    /// Something between here and the API answered.
    Interception,
    /// A settings file does not parse.
    SettingsJson,
    /// A program other than Claude Code has an unusable credential.
    ProgramKey,
}

/// The one fix, in a form a client can run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Remedy {
    /// `errsig doctor --fix ID`.
    Fix(FixId),
    /// A command for the user's terminal.
    Run(&'static str),
    /// Something to do by hand (the text says what).
    Manual,
}

/// A cause, with its reasons.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    /// Which.
    pub id: CauseId,
    /// What is wrong, here.
    pub cause: String,
    /// Why that produces the error.
    pub because: String,
    /// The facts it rests on.
    pub evidence: Vec<String>,
    /// The one fix.
    pub fix: String,
    /// The fix, for programs and editors.
    pub remedy: Remedy,
    /// How to know it worked.
    pub confirm: String,
    /// Its rank (higher first).
    pub score: i32,
}

impl Cause {
    fn new(id: CauseId, score: i32, cause: String, because: impl Into<String>) -> Cause {
        Cause {
            id,
            cause,
            because: because.into(),
            evidence: Vec::new(),
            fix: String::new(),
            remedy: Remedy::Manual,
            confirm: "run `errsig doctor` again (no cause named), then the command that failed".into(),
            score,
        }
    }
    fn fix(mut self, text: impl Into<String>, remedy: Remedy) -> Cause {
        self.fix = text.into();
        self.remedy = remedy;
        self
    }
    fn evidence(mut self, e: impl Into<String>) -> Cause {
        self.evidence.push(e.into());
        self
    }
    fn confirm(mut self, c: impl Into<String>) -> Cause {
        self.confirm = c.into();
        self
    }

    /// One line for the hover: the cause, because, and the fix.
    pub fn sentence(&self) -> String {
        format!("{}, because {}. Fix: {}", self.cause, self.because, self.fix)
    }
}

/// The ranked causes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnosis {
    /// The most likely cause, when a check found one.
    pub cause: Option<Cause>,
    /// What else is possible, most likely first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Cause>,
    /// What is worth knowing and causes nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub info: Vec<String>,
}

/// Why a malformed credential fails, by its first problem.
fn shape_because(problems: &[String], kind: &str) -> String {
    let p = problems.first().map(String::as_str).unwrap_or("");
    if p.contains("quotes") {
        "the quotes are part of the value, so the API gets a key that does not exist and refuses it".into()
    } else if p.contains("carriage return") || p.contains("line break") || p.contains("spaces") {
        "the value carries invisible characters, so the key sent is not the key issued and the API refuses it".into()
    } else if p.contains("truncated") {
        "a cut or altered key is not a key the API knows: it answers 401".into()
    } else if p.contains("Admin API key") {
        "an Admin API key (sk-ant-admin01) manages the organization and cannot call the Messages API".into()
    } else if p.contains("OAuth token belongs") {
        "an OAuth token sent as an API key (x-api-key) is not an API key: the API refuses it".into()
    } else if p.contains("refresh token") {
        "a refresh token cannot authenticate a request; only an access token or an API key can".into()
    } else if p.contains("empty") {
        "an empty value is sent as the credential, which the API refuses".into()
    } else {
        format!("the {kind} is not a credential the API accepts ({p})")
    }
}

fn shape_fix(name: &str, origin: Option<&Origin>, problems: &[String]) -> String {
    let whence = match origin {
        Some(Origin::Settings(p)) => format!("in the env block of {}", p.display()),
        _ => "where it is set (`errsig doctor --fix unset-env` shows the shell profile line)".into(),
    };
    let p = problems.first().map(String::as_str).unwrap_or("");
    if p.contains("Admin API key") {
        format!(
            "put an API key (sk-ant-api03-…) from the Console in {name} {whence}; keep the admin key for the Admin API"
        )
    } else if p.contains("OAuth token belongs") {
        format!("move the token to CLAUDE_CODE_OAUTH_TOKEN, or remove {name} {whence} to use the stored /login")
    } else {
        format!("set {name} again {whence}, copied from the Console with no quotes, spaces or line breaks")
    }
}

/// The causes on Claude Code's side, most specific first: what is sent, the
/// helper, a cloud provider (which makes the rest moot), the configuration
/// directory, the stored login and its rules, a key over the login, no
/// credential at all, broken settings files.
fn claude_causes(f: &Facts, out: &mut Vec<Cause>, info: &mut Vec<String>) {
    shape_causes(f, out);
    helper_cause(f, out, info);
    if cloud_cause(f, out) {
        return;
    }
    config_dir_cause(f, out);
    login_causes(f, out, info);
    force_login_causes(f, out);
    shadowing_cause(f, out, info);
    no_credential_causes(f, out);
    settings_causes(f, out);
}

/// What is wrong with the key or token each mode sends.
fn shape_causes(f: &Facts, out: &mut Vec<Cause>) {
    let mut shown = Vec::new();
    for (mode, sent) in [("`claude -p`", &f.print), ("interactive `claude`", &f.interactive)] {
        let Some(s) = sent else { continue };
        let Credential::Var(name, _, origin) = &s.credential else { continue };
        let Some(shape) = s.shape.as_ref().filter(|sh| !sh.problems.is_empty()) else { continue };
        if shown.contains(&s.describe) {
            continue;
        }
        shown.push(s.describe.clone());
        out.push(
            Cause::new(
                CauseId::KeyShape,
                100,
                format!("{mode} sends {}{}, and {}", s.describe, s.over_shell, shape.problems[0]),
                shape_because(&shape.problems, shape.kind),
            )
            .evidence(format!("{}: {}", s.describe, shape.describe()))
            .fix(shape_fix(name, Some(origin), &shape.problems), Remedy::Fix(FixId::UnsetEnv))
            .confirm(format!(
                "`errsig doctor` shows {name} as an API key with no problem; then rerun the command that failed"
            )),
        );
    }
}

/// The apiKeyHelper `claude -p` takes its key from, when it gives none.
fn helper_cause(f: &Facts, out: &mut Vec<Cause>, info: &mut Vec<String>) {
    if let (Some(h), Some(Credential::Helper(_))) = (&f.helper, f.print.as_ref().map(|s| &s.credential)) {
        let whence = format!("the apiKeyHelper in {}", h.file.display());
        let broken = match &h.state {
            HelperState::Missing => Some(("its program is missing or not executable".to_owned(), format!("fix the path in apiKeyHelper ({}) or `chmod +x` the script", h.file.display()))),
            HelperState::CannotRun(e) => Some((format!("it cannot be started ({e})"), format!("run `{}` by hand and fix what stops it", h.command))),
            HelperState::TimedOut => Some(("it does not answer in time".to_owned(), format!("run `{}` by hand: it must print the key and exit quickly", h.command))),
            HelperState::Failed(code) => Some((format!("it exits with status {}", code.map_or("?".into(), |c| c.to_string())), format!("run `{}` by hand and fix its error (often an expired vault or secret-manager login)", h.command))),
            HelperState::Empty => Some(("it exits 0 but prints nothing".to_owned(), format!("run `{}` by hand: it must print the key on standard output; sign in to the vault or secret manager behind it again", h.command))),
            HelperState::Returned(s) if !s.problems.is_empty() => Some((format!("it prints {}", s.describe()), format!("make `{}` print the whole key, nothing else", h.command))),
            HelperState::Returned(_) => None,
            HelperState::NotRun(_) => {
                info.push(format!("{whence} was not run: `errsig doctor --run-helper` checks what it returns (never shown)"));
                None
            }
        };
        if let Some((what, fix)) = broken {
            out.push(
                Cause::new(CauseId::HelperBroken, 95, format!("`claude -p` takes its key from {whence}, and {what}"), "Claude Code sends whatever the helper prints, and it prints no usable key")
                    .fix(fix, Remedy::Manual)
                    .confirm("`errsig doctor --run-helper` shows the helper returning an API key; then rerun the command that failed"),
            );
        }
    }
}

/// A cloud provider Claude Code is switched to. Returns whether it is: then
/// the Anthropic credentials below are not what is refused.
fn cloud_cause(f: &Facts, out: &mut Vec<Cause>) -> bool {
    let Some(c) = &f.cloud else {
        return false;
    };
    if !c.missing.is_empty() {
        out.push(
            Cause::new(
                CauseId::CloudIncomplete,
                95,
                format!("Claude Code is switched to {} ({}=1) without {}", c.provider, c.flag, c.missing.join(", ")),
                format!(
                    "with {}=1 every request goes to {}, which cannot be reached or signed without them",
                    c.flag, c.provider
                ),
            )
            .fix(
                {
                    // What is missing is set; a profile that does not
                    // exist is created (or another one named).
                    let set: Vec<&str> =
                        c.missing.iter().filter(|m| !m.starts_with("the AWS profile")).map(String::as_str).collect();
                    let mut steps = c.to_do.clone();
                    if !set.is_empty() {
                        steps.insert(0, format!("set {} (in the shell or a settings env block)", set.join(" and ")));
                    }
                    format!("{}, or unset {} to use the Anthropic API", steps.join("; "), c.flag)
                },
                Remedy::Manual,
            ),
        );
    } else {
        let run = match c.flag {
            "CLAUDE_CODE_USE_BEDROCK" => Remedy::Run("aws sts get-caller-identity"),
            "CLAUDE_CODE_USE_VERTEX" => Remedy::Run("gcloud auth application-default login"),
            _ => Remedy::Manual,
        };
        let mut cause = Cause::new(
            CauseId::CloudDenied,
            // Only an error from the cloud makes this a cause.
            0,
            format!("Claude Code uses {} ({})", c.provider, c.has.join(", ")),
            format!(
                "a refusal comes from {}'s identity and model access, not from an Anthropic key or login",
                c.provider
            ),
        )
        .fix(
            format!("check the identity {} sees and that it may invoke the model (model access, IAM role)", c.provider),
            run,
        );
        cause.evidence = c.has.clone();
        out.push(cause);
    }
    true
}

/// A configuration directory without the login the default one has.
fn config_dir_cause(f: &Facts, out: &mut Vec<Cause>) {
    if let Some((dir, home)) = &f.config_dir_without_login {
        let score = if f.print.is_none() { 90 } else { 40 };
        out.push(
            Cause::new(
                CauseId::ConfigDirWithoutLogin,
                score,
                format!("CLAUDE_CONFIG_DIR={} has no stored login, while {} has one", dir.display(), home.display()),
                "Claude Code reads its login only from CLAUDE_CONFIG_DIR, so the login in ~/.claude is not used",
            )
            .fix(
                format!(
                    "unset CLAUDE_CONFIG_DIR, or run `claude /login` with it set to store a login in {}",
                    dir.display()
                ),
                Remedy::Manual,
            ),
        );
    }
}

/// The stored login, when it is what is sent.
fn login_causes(f: &Facts, out: &mut Vec<Cause>, info: &mut Vec<String>) {
    let login_sent = matches!(f.print.as_ref().map(|s| &s.credential), Some(Credential::Login));
    if let (true, Some(l)) = (login_sent, &f.login) {
        if let Some(b) = &l.broken {
            out.push(
                Cause::new(
                    CauseId::LoginBroken,
                    90,
                    format!("the stored login cannot be read ({b})"),
                    "Claude Code has no usable login to send",
                )
                .fix(
                    "move it aside (`errsig doctor --fix move-credentials`, restorable), then `claude /login`",
                    Remedy::Fix(FixId::MoveCredentials),
                ),
            );
        } else if let (Some(h), false) = (l.expired_hours, l.refresh) {
            out.push(
                Cause::new(
                    CauseId::LoginExpired,
                    90,
                    format!("the stored login's access token expired {h} h ago and has no refresh token"),
                    "Claude Code cannot renew it, so it sends an expired token",
                )
                .evidence(l.file.display().to_string())
                .fix("run `claude /login`", Remedy::Run("claude /login")),
            );
        } else if let Some(h) = l.expired_hours {
            info.push(format!("the stored login's access token expired {h} h ago; Claude Code renews it with the refresh token on the next request (a refused renewal — a revoked login — needs `claude /login`)"));
        }
        let missing = l.missing_scopes();
        if !missing.is_empty() {
            out.push(
                Cause::new(
                    CauseId::LoginScope,
                    40,
                    format!("the stored login lacks the {} scope", missing.join(" and ")),
                    "a token without a scope Claude Code needs is refused for what that scope covers",
                )
                .fix("run `claude /login` (no logout needed)", Remedy::Run("claude /login")),
            );
        }
    }
}

/// Login rules against the stored login.
fn force_login_causes(f: &Facts, out: &mut Vec<Cause>) {
    for (what, file) in &f.force_login {
        out.push(
            Cause::new(
                CauseId::ForceLogin,
                85,
                format!("{what} ({})", file.display()),
                "Claude Code refuses a login that its managed or project rule does not allow",
            )
            .fix(
                format!(
                    "run `claude /logout`, then `claude /login` with the method and organization {} allows",
                    file.display()
                ),
                Remedy::Run("claude /login"),
            ),
        );
    }
}

/// A key or token over a stored login, or a clean key the API may still refuse.
fn shadowing_cause(f: &Facts, out: &mut Vec<Cause>, info: &mut Vec<String>) {
    if let Some(s) = &f.print {
        let shadowing = f.has_login && matches!(s.credential, Credential::Var(..) | Credential::Helper(_));
        let clean = s.shape.as_ref().is_none_or(|sh| sh.problems.is_empty());
        if shadowing && clean {
            let interactive = match &f.interactive {
                Some(i) if i.describe != s.describe => format!(" (interactive `claude` uses {})", i.describe),
                _ => String::new(),
            };
            let remedy = match s.credential {
                Credential::Helper(_) => Remedy::Manual,
                _ => Remedy::Fix(FixId::UnsetEnv),
            };
            let fix = match &s.credential {
                Credential::Helper(_) => "remove apiKeyHelper from the settings file that sets it, to use the stored /login".to_owned(),
                Credential::Var(name, _, Origin::Settings(p)) => format!("remove {name} from the env block of {} (`errsig doctor --fix unset-env`)", p.display()),
                Credential::Var(name, ..) => format!("unset {name} and delete it from your shell profile (`errsig doctor --fix unset-env` shows the line)"),
                _ => String::new(),
            };
            out.push(
                Cause::new(
                    CauseId::Shadowing,
                    60,
                    format!("`claude -p` sends {}{}, not your stored /login{interactive}", s.describe, s.over_shell),
                    "a key or token set anywhere outranks the login, and a stale one (revoked, or another organization's) is refused",
                )
                .evidence(format!("{} shadows the stored /login", s.describe))
                .fix(fix, remedy),
            );
        } else if clean && !f.has_login && matches!(s.credential, Credential::Var(..)) {
            out.push(
                Cause::new(
                    CauseId::KeyRefused,
                    0,
                    format!("`claude -p` sends {}{}, and the API may not accept it", s.describe, s.over_shell),
                    "a well-formed key can still be revoked or belong to another organization",
                )
                .fix("create a new key in the Console and set it where this one is set", Remedy::Manual)
                .confirm("`errsig doctor --probe` gets HTTP 200 with the new key"),
            );
        }
    }
    if f.key_unapproved && f.interactive.as_ref().is_none_or(|i| i.describe != "ANTHROPIC_API_KEY") {
        info.push("ANTHROPIC_API_KEY is not approved for interactive use: interactive Claude Code asks once whether to use it".into());
    }
}

/// No credential at all (on this machine; CI passes its own).
fn no_credential_causes(f: &Facts, out: &mut Vec<Cause>) {
    if f.print.is_none() {
        if let Some(ci) = f.ci.first() {
            out.push(
                Cause::new(
                    CauseId::CiSecret,
                    70,
                    format!("this machine has no credential, so the failing run is CI's, which passes {ci}"),
                    "in CI Claude Code has no /login: it uses only what the workflow passes",
                )
                .evidence(f.ci.join("; "))
                .fix(
                    "replace that repository secret with a current key (or token from `claude setup-token`)",
                    Remedy::Manual,
                ),
            );
        }
        out.push(
            Cause::new(
                CauseId::NoCredential,
                80,
                "Claude Code has no credential on this machine: no key, token, helper or stored login".into(),
                "a request without a credential is refused",
            )
            .fix("run `claude /login`, or set ANTHROPIC_API_KEY to a Console API key", Remedy::Run("claude /login")),
        );
    }
}

/// Settings files that are not valid JSON.
fn settings_causes(f: &Facts, out: &mut Vec<Cause>) {
    for e in &f.settings_errors {
        out.push(
            Cause::new(
                CauseId::SettingsJson,
                45,
                format!("a settings file is not valid JSON: {e}"),
                "Claude Code ignores or rejects the whole file, with every credential and env value in it",
            )
            .fix("fix the JSON at that line and column", Remedy::Manual),
        );
    }
}

fn network_causes(f: &Facts, program: bool, out: &mut Vec<Cause>) {
    let base = if program {
        f.program.base_url.clone().map(|h| (h, Origin::Environment, Vec::new(), false, false))
    } else {
        f.base_url.clone().map(|b| (b.host, b.origin, b.overrides, b.from_project, b.managed))
    };
    if let Some((host, origin, overrides, from_project, managed)) = base {
        if host != "api.anthropic.com" {
            let mut cause =
                format!("requests go to {host} (ANTHROPIC_BASE_URL from {}), not to Anthropic", origin.describe());
            let mut score = 50;
            let (fix, remedy) = match (&origin, overrides.first()) {
                // The administrator's file: not the user's to edit.
                (Origin::Settings(p), _) if managed => (
                    format!("the managed settings file {} is your administrator's and overrides every other setting: check the gateway's logs, or ask the administrator", p.display()),
                    Remedy::Manual,
                ),
                (Origin::Settings(p), Some((other, o))) => {
                    score = 60;
                    cause.push_str(&format!("; this value overrides {other} from {}", o.describe()));
                    (
                        format!("remove ANTHROPIC_BASE_URL from {} — the file it comes from — so {other} from {} applies", p.display(), o.describe()),
                        if from_project { Remedy::Fix(FixId::UnsetBaseUrl) } else { Remedy::Manual },
                    )
                }
                (Origin::Settings(p), None) => (
                    format!("remove ANTHROPIC_BASE_URL from {} to test against the API directly, or check the gateway's logs", p.display()),
                    if from_project { Remedy::Fix(FixId::UnsetBaseUrl) } else { Remedy::Manual },
                ),
                (Origin::Environment, _) => (
                    "unset ANTHROPIC_BASE_URL to test against the API directly, or check the gateway's logs".to_owned(),
                    Remedy::Fix(FixId::UnsetBaseUrl),
                ),
            };
            out.push(
                Cause::new(
                    CauseId::Gateway,
                    score,
                    cause,
                    "a gateway answers with its own policy, which a new key or `/login` does not change",
                )
                .fix(fix, remedy)
                .confirm("the same request without the gateway succeeds, or the gateway's log names the refusal"),
            );
        }
    }
    if !f.proxies.is_empty() {
        out.push(
            Cause::new(
                CauseId::Proxy,
                35,
                format!("a proxy is in the path: {}", f.proxies.join("; ")),
                "a proxy can refuse the request with its own page before it reaches the API",
            )
            .fix(
                "retry with the proxy unset (or api.anthropic.com in NO_PROXY), or ask the proxy's owner",
                Remedy::Manual,
            ),
        );
    }
}

fn program_causes(f: &Facts, out: &mut Vec<Cause>) {
    let p = &f.program;
    let name = if p.auth_token.is_some() && p.api_key.is_none() { "ANTHROPIC_AUTH_TOKEN" } else { "ANTHROPIC_API_KEY" };
    match p.api_key.as_ref().or(p.auth_token.as_ref()) {
        None => out.push(
            Cause::new(CauseId::ProgramKey, 70, "the program finds no ANTHROPIC_API_KEY in this environment".into(), "an SDK or tool reads its key from its own environment (or its own config), never from Claude Code's settings or login")
                .fix("export ANTHROPIC_API_KEY with a Console API key where the program runs", Remedy::Manual),
        ),
        Some(s) if s.kind.starts_with("OAuth") => out.push(
            Cause::new(CauseId::ProgramKey, 100, format!("the program reads {name} from its environment, and it is {} {}", if s.kind.starts_with('O') { "an" } else { "a" }, s.kind), "an OAuth token from a Claude subscription only works in Claude Code; other programs need a Console API key")
                .evidence(format!("{name} in its environment is {}", s.describe()))
                .fix(format!("give the program a Console API key (sk-ant-api03-…) in {name}"), Remedy::Manual),
        ),
        Some(s) if !s.problems.is_empty() => out.push(
            Cause::new(CauseId::ProgramKey, 100, format!("the program reads {name} from its environment, and {}", s.problems[0]), shape_because(&s.problems, s.kind))
                .evidence(format!("{name} in its environment is {}", s.describe()))
                .fix(format!("set {name} again, copied from the Console with no quotes, spaces or line breaks"), Remedy::Manual),
        ),
        Some(_) => {}
    }
}

/// How well a cause explains an error of this kind.
fn fit(kind: ErrorKind, id: CauseId) -> i32 {
    use CauseId as C;
    use ErrorKind as K;
    match (kind, id) {
        (K::Gateway, C::Gateway | C::Proxy | C::Interception) => 100,
        (K::Gateway, _) => -40,
        (K::RequestNotAllowed, C::Proxy | C::Gateway) => 40,
        (K::Unauthorized, C::KeyShape | C::LoginExpired | C::LoginRevoked | C::KeyRefused | C::ProgramKey) => 40,
        (K::Unauthorized, C::HelperBroken | C::Shadowing) => 30,
        (K::Unauthorized, C::Proxy | C::CloudDenied | C::CloudIncomplete) => -40,
        (K::OauthRevoked, C::LoginRevoked) => 100,
        (K::OauthRevoked, C::LoginExpired | C::Shadowing) => 40,
        (K::OauthRevoked, C::KeyShape | C::Proxy | C::Gateway) => -40,
        (K::Permission, C::Shadowing | C::KeyRefused) => 50,
        (K::Permission, C::ForceLogin) => 40,
        // A malformed key is refused with a 401 before any permission is
        // weighed: a 403 came from a credential the API accepted.
        (K::Permission | K::RequestNotAllowed, C::KeyShape) => -50,
        (K::Permission, C::Proxy) => -30,
        (K::Permission, C::Gateway) => -10,
        (K::OauthScope, C::LoginScope) => 100,
        (K::OauthScope, _) => -40,
        (K::OauthOrg, C::OrgNoOauth) => 100,
        (K::OauthOrg, _) => -40,
        (K::OrgDisabled, C::Shadowing) => 80,
        (K::OrgDisabled, C::KeyRefused | C::CiSecret) => 60,
        (K::ClaudeCodeOnly, C::ProgramKey) => 50,
        (K::Bedrock | K::Vertex, C::CloudIncomplete) => 50,
        (K::Bedrock | K::Vertex, C::CloudDenied) => 80,
        (K::Bedrock | K::Vertex, _) => -60,
        // The API accepted the credential and answered for itself.
        (K::Service, _) => -200,
        _ => 0,
    }
}

/// Causes that only an error names (nothing local shows them).
fn error_causes(f: &Facts, kind: ErrorKind, out: &mut Vec<Cause>) {
    let login_sent = matches!(f.print.as_ref().map(|s| &s.credential), Some(Credential::Login));
    // An OAuth error proves an OAuth token was sent: when `claude -p` sends
    // a key, the error came from interactive `claude` and its stored login.
    let interactive_login =
        !login_sent && matches!(f.interactive.as_ref().map(|s| &s.credential), Some(Credential::Login));
    let whose = if interactive_login {
        format!(
            "interactive `claude` sends the stored /login (`claude -p` sends {}), and ",
            f.print.as_ref().map_or(String::new(), |s| s.describe.clone())
        )
    } else {
        String::new()
    };
    let token_var = f.print.as_ref().and_then(|s| match &s.credential {
        Credential::Var(n @ "CLAUDE_CODE_OAUTH_TOKEN", _, o) => Some((*n, o.describe())),
        _ => None,
    });
    match kind {
        ErrorKind::OauthRevoked | ErrorKind::Unauthorized
            if login_sent || (kind == ErrorKind::OauthRevoked && interactive_login) => out.push(
            Cause::new(CauseId::LoginRevoked, 60, format!("{whose}the stored /login was refused: revoked (signed out elsewhere, password changed) or its refresh no longer works"), "an expired login and a revoked one look the same on disk; the error says the API no longer accepts it")
                .fix("run `claude /login`", Remedy::Run("claude /login")),
        ),
        ErrorKind::OauthRevoked => {
            if let Some((n, o)) = token_var {
                out.push(
                    Cause::new(CauseId::LoginRevoked, 60, format!("`claude -p` sends {n} from {o}, and that token was revoked"), "a long-lived token stays revoked; the stored /login is not used while it is set")
                        .fix("create a new one with `claude setup-token` and replace it, or unset it to use /login", Remedy::Run("claude setup-token")),
                );
            }
        }
        ErrorKind::OauthScope if login_sent || interactive_login => out.push(
            Cause::new(CauseId::LoginScope, 60, format!("{whose}the stored /login's token predates a scope the request needs"), "a token keeps the scopes it was issued with until the next login")
                .fix("run `claude /login` (no logout needed)", Remedy::Run("claude /login")),
        ),
        ErrorKind::OauthOrg if login_sent || interactive_login || token_var.is_some() => out.push(
            Cause::new(CauseId::OrgNoOauth, 60, "your organization does not allow subscription (OAuth) login for this use".into(), "the refusal is the organization's setting; `/login` again gets the same answer")
                .fix("use a Console API key (ANTHROPIC_API_KEY), or ask the organization's admin", Remedy::Manual),
        ),
        _ => {}
    }
}

/// The probe as evidence.
fn weigh_probe(f: &Facts, out: &mut Vec<Cause>) {
    let Some(p) = &f.probe else { return };
    match p.status {
        None => {
            for c in out.iter_mut().filter(|c| matches!(c.id, CauseId::Gateway | CauseId::Proxy)) {
                c.score += 20;
                c.evidence.push(format!("the probe got no answer from {}", p.host));
            }
        }
        Some(s) if !p.api_body && p.request_id.is_none() && s >= 400 => {
            let e = format!("the probe got HTTP {s} from {} with no API error and no request id: something other than the API answered", p.host);
            let mut any = false;
            for c in out.iter_mut().filter(|c| matches!(c.id, CauseId::Gateway | CauseId::Proxy)) {
                c.score += 100;
                c.evidence.push(e.clone());
                any = true;
            }
            if !any {
                out.push(
                    Cause::new(CauseId::Interception, 90, format!("something between this machine and {} answers instead of the API", p.host), "an HTML or bare 403 without a request id is a proxy's, firewall's or gateway's page, not the API's, whatever the role")
                        .evidence(e)
                        .fix("find the proxy or TLS-inspecting firewall in the path (NODE_EXTRA_CA_CERTS, the network's proxy) and ask its owner", Remedy::Manual),
                );
            }
        }
        Some(s @ (401 | 403)) => {
            let e = format!(
                "the probe got HTTP {s}{}{} from the API{}",
                p.error_type.as_deref().map(|t| format!(" {t}")).unwrap_or_default(),
                p.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(),
                p.request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default()
            );
            let mut any = false;
            for c in out.iter_mut().filter(|c| {
                matches!(
                    c.id,
                    CauseId::KeyShape
                        | CauseId::Shadowing
                        | CauseId::KeyRefused
                        | CauseId::HelperBroken
                        | CauseId::LoginExpired
                )
            }) {
                c.score += 30;
                c.evidence.push(e.clone());
                if c.id == CauseId::KeyRefused {
                    c.cause = c.cause.replace("the API may not accept it", "the API refuses it");
                }
                any = true;
            }
            // The API's own error, with its request id, came through the
            // gateway or proxy: they passed the refusal on, not made it.
            let signed = p.request_id.is_some();
            for c in out.iter_mut().filter(|c| signed && matches!(c.id, CauseId::Gateway | CauseId::Proxy)) {
                c.score -= 40;
                c.evidence.push(format!("{e}: the gateway or proxy passed the API's refusal on"));
            }
            if !any {
                out.push(
                    Cause::new(
                        CauseId::KeyRefused,
                        75,
                        "the API refuses the credential `claude -p` sends".into(),
                        "it is well formed, so it was revoked or belongs to an organization without access",
                    )
                    .evidence(e)
                    .fix(
                        "create a new key in the Console (or `claude /login`) and set it where this one is set",
                        Remedy::Manual,
                    ),
                );
            }
        }
        Some(200..=299) => {
            for c in out.iter_mut().filter(|c| matches!(c.id, CauseId::Shadowing | CauseId::KeyRefused)) {
                c.score -= 40;
                c.evidence.push(format!("the probe with this credential got HTTP 200 from {}", p.host));
            }
        }
        _ => {}
    }
}

/// Rank the causes.
pub fn diagnose(f: &Facts, error: Option<&ErrorContext>) -> Diagnosis {
    let mut out = Vec::new();
    let mut info = Vec::new();
    let program = error.is_some_and(|e| !e.claude_code);
    if program {
        program_causes(f, &mut out);
        info.push("the error was printed by a program other than Claude Code: only its environment (ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL, proxies) and its own configuration count".into());
    } else {
        claude_causes(f, &mut out, &mut info);
        if let Some(e) = error {
            error_causes(f, e.kind, &mut out);
        }
    }
    network_causes(f, program, &mut out);
    // A gateway's or proxy's answer (HTML, no request id) with neither a
    // base URL nor a proxy set here: something in the network answered.
    let in_path = |c: &Cause| matches!(c.id, CauseId::Gateway | CauseId::Proxy);
    if error.is_some_and(|e| e.kind == ErrorKind::Gateway) && !out.iter().any(in_path) {
        out.push(
            Cause::new(
                CauseId::Interception,
                60,
                "something between this machine and api.anthropic.com answered instead of the API (no base URL or proxy is set here)".into(),
                "an HTML or bare 403 without a request id is a proxy's, firewall's or gateway's page, not the API's, whatever the role",
            )
            .evidence("the error has no API error body and no request id")
            .fix("find the transparent proxy, VPN or TLS-inspecting firewall in the path (NODE_EXTRA_CA_CERTS often names its certificate) and ask its owner; a new key or `/login` does not change its answer", Remedy::Manual)
            .confirm("the same request from another network succeeds, or the network's proxy log names the refusal"),
        );
    }
    weigh_probe(f, &mut out);
    if let Some(e) = error {
        if e.kind == ErrorKind::Service {
            info.push(format!(
                "{} is the API's answer to a request it accepted: no credential, login or setting on this machine causes it",
                e.status.map_or("this error".to_owned(), |s| format!("a {s}"))
            ));
            if let Some(best) = out.iter().filter(|c| c.score > 0).min_by_key(|c| -c.score) {
                info.push(format!(
                    "unrelated to this error, but worth fixing: {} (`errsig doctor` without --for has the fix)",
                    best.cause
                ));
            }
        }
        for c in &mut out {
            c.score += fit(e.kind, c.id);
            // An error on a machine without a credential happened where
            // there was one: CI, when it passes one.
            if c.id == CauseId::CiSecret {
                c.score += 30;
            }
        }
    }
    out.retain(|c| c.score > 0);
    // Stable: equal scores keep the order of the list above.
    out.sort_by_key(|c| -c.score);
    let mut it = out.into_iter();
    let cause = it.next();
    Diagnosis { cause, also: it.take(3).collect(), info }
}
