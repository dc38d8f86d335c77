//! Which credential wins, per mode of Claude Code, and what it shadows.
//!
//! Precedence, first wins: a cloud provider flag (Bedrock, Vertex, Foundry)
//! → `ANTHROPIC_AUTH_TOKEN` (sent as `Authorization: Bearer`) →
//! `ANTHROPIC_API_KEY` (`x-api-key`; in `-p` mode always used, interactively
//! only once approved in `~/.claude.json` — an unapproved key makes
//! interactive Claude Code ask once) → `apiKeyHelper` →
//! `CLAUDE_CODE_OAUTH_TOKEN` → the stored `/login`. Each variable's value is
//! the one Claude Code sees: a settings file's `env` block over the shell
//! (`settings.rs`). With both `ANTHROPIC_AUTH_TOKEN` and `ANTHROPIC_API_KEY`
//! set, Claude Code 2.1 sends both headers (observed with the real CLI):
//! the token ranks first here, and `credential.both-headers` says so.

use super::super::fix::FixId;
use super::super::host::{Host, Platform};
use super::super::{Check, Status};
use super::settings::{Origin, Sources};
use super::shape;

/// How a credential is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// `x-api-key`.
    ApiKey,
    /// `Authorization: Bearer`.
    Bearer,
}

/// One source of a credential.
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    /// A cloud provider flag: the cloud's own credentials are used.
    Cloud(&'static str),
    /// A variable (name, value, origin).
    Var(&'static str, String, Origin),
    /// An `apiKeyHelper` command (from a settings file).
    Helper(String),
    /// The stored subscription login.
    Login,
}

impl Credential {
    /// For people (never the value).
    pub fn describe(&self) -> String {
        match self {
            Credential::Cloud(flag) => format!("the cloud provider ({flag}=1)"),
            Credential::Var(name, _, origin) => format!("{name} from {}", origin.describe()),
            Credential::Helper(_) => "the apiKeyHelper".into(),
            Credential::Login => "the stored /login".into(),
        }
    }

    /// The header it is sent in, for the ones Claude Code sends itself.
    pub fn header(&self) -> Option<Header> {
        match self {
            Credential::Var("ANTHROPIC_API_KEY", ..) | Credential::Helper(_) => Some(Header::ApiKey),
            Credential::Var(..) | Credential::Login => Some(Header::Bearer),
            Credential::Cloud(_) => None,
        }
    }
}

/// Every credential present, in precedence order, and whether the
/// environment key is approved for interactive use.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Present credentials, first wins.
    pub present: Vec<Credential>,
    /// `ANTHROPIC_API_KEY` approved in `customApiKeyResponses` (interactive).
    pub key_approved: Option<bool>,
    /// A stored login exists (credentials file or Keychain item).
    pub login: bool,
}

fn truthy(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// Whether a stored login exists on this machine (file, or on macOS the
/// Keychain item; the secret itself is never read).
pub fn stored_login(host: &Host) -> bool {
    if host.claude_dir().join(".credentials.json").is_file() {
        return true;
    }
    host.platform == Platform::Macos && super::stored::keychain_has_item(host).unwrap_or(false)
}

/// Find every credential.
pub fn discover(host: &Host, sources: &Sources) -> Credentials {
    let mut present = Vec::new();
    for flag in ["CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"] {
        if sources.effective(host, flag).is_some_and(|(v, _)| truthy(&v)) {
            present.push(Credential::Cloud(flag));
        }
    }
    for name in ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"] {
        if let Some((v, o)) = sources.effective(host, name) {
            present.push(Credential::Var(name, v, o));
        }
    }
    if let Some((h, _)) = sources.api_key_helper() {
        present.push(Credential::Helper(h));
    }
    if let Some((v, o)) = sources.effective(host, "CLAUDE_CODE_OAUTH_TOKEN") {
        present.push(Credential::Var("CLAUDE_CODE_OAUTH_TOKEN", v, o));
    }
    let login = stored_login(host);
    if login {
        present.push(Credential::Login);
    }
    let key_approved = present.iter().find_map(|c| match c {
        Credential::Var("ANTHROPIC_API_KEY", v, _) => {
            let tail: String = v.chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
            let approved = sources
                .state
                .as_ref()
                .and_then(|s| s.value.as_ref())
                .and_then(|s| s.pointer("/customApiKeyResponses/approved"))
                .and_then(|a| a.as_array())
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(tail.as_str())));
            Some(approved)
        }
        _ => None,
    });
    Credentials { present, key_approved, login }
}

impl Credentials {
    /// The credential `claude -p` uses.
    pub fn print_mode(&self) -> Option<&Credential> {
        self.present.first()
    }

    /// The credential interactive `claude` uses.
    pub fn interactive(&self) -> Option<&Credential> {
        self.present
            .iter()
            .find(|c| !matches!(c, Credential::Var("ANTHROPIC_API_KEY", ..)) || self.key_approved == Some(true))
    }
}

fn verdict(id: &str, mode: &str, winner: Option<&Credential>, creds: &Credentials) -> Check {
    let Some(w) = winner else {
        if creds.key_approved == Some(false) {
            // Not "no credential": Claude Code asks once whether to use it.
            return Check::new(
                id,
                Status::Ok,
                format!(
                    "{mode} asks once whether to use ANTHROPIC_API_KEY (not approved yet); it has no other credential"
                ),
            )
            .next("Answer yes to use the key, or sign in with `claude /login`.");
        }
        return Check::new(id, Status::Fail, format!("{mode}: no credential at all"))
            .next("Sign in with `claude /login`, or set ANTHROPIC_API_KEY to a Console API key.");
    };
    let shadowed: Vec<String> =
        creds.present.iter().skip_while(|c| *c != w).skip(1).map(Credential::describe).collect();
    let mut found = format!("{mode} uses {}", w.describe());
    if !shadowed.is_empty() {
        found.push_str(&format!(", which shadows {}", shadowed.join(", ")));
    }
    let stale_over_login = creds.login && matches!(w, Credential::Var(..) | Credential::Helper(_));
    if stale_over_login {
        return Check::new(id, Status::Warn, found)
            .next(format!(
                "If you meant to use your subscription login, {} is the credential being refused: unset it (`errsig doctor --fix unset-env` shows where it is set) and retry.",
                w.describe()
            ))
            .fix(FixId::UnsetEnv);
    }
    Check::new(id, Status::Ok, found)
}

/// The shape of a credential variable's value, with what is wrong for
/// that variable (a token in the key's variable, a key in a token's).
pub fn var_shape(name: &str, value: &str) -> super::Shape {
    let mut s = shape(value);
    if name == "ANTHROPIC_API_KEY" && s.kind.starts_with("OAuth") {
        s.problems.push("an OAuth token belongs in CLAUDE_CODE_OAUTH_TOKEN, not in ANTHROPIC_API_KEY".into());
    }
    if name != "ANTHROPIC_API_KEY" && s.kind.starts_with("API key") {
        s.problems.push(format!("an API key belongs in ANTHROPIC_API_KEY, not in {name}"));
    }
    s
}

/// ` (its env block is applied over the shell's NAME, which is not used)`,
/// when a settings file's value hides the shell's.
pub fn over_shell(host: &Host, name: &str, origin: &Origin) -> String {
    match origin {
        Origin::Settings(_) if host.var(name).is_some() => {
            format!(" (a settings env block is applied over the shell: the shell's {name} is not used)")
        }
        _ => String::new(),
    }
}

/// The credential checks.
pub fn check(host: &Host, creds: &Credentials) -> Vec<Check> {
    let mut out = vec![
        verdict("credential.print", "`claude -p`", creds.print_mode(), creds),
        verdict("credential.interactive", "interactive `claude`", creds.interactive(), creds),
    ];
    if creds.key_approved == Some(false) {
        out.push(
            Check::new(
                "credential.api-key-approval",
                Status::Ok,
                "ANTHROPIC_API_KEY is set but not approved for interactive use",
            )
            .next("Interactive Claude Code asks once whether to use it; `claude -p` uses it without asking."),
        );
    }
    // Observed with the real CLI (2.1.332, `server/tests/real_cli_precedence.rs`):
    // with both set, Claude Code sends both headers, not only the token.
    let set = |n: &str| creds.present.iter().any(|c| matches!(c, Credential::Var(v, ..) if *v == n));
    if set("ANTHROPIC_AUTH_TOKEN") && set("ANTHROPIC_API_KEY") {
        out.push(
            Check::new(
                "credential.both-headers",
                Status::Warn,
                "ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY are both set: Claude Code sends both, the token as `Authorization: Bearer` and the key as `x-api-key`, and the server chooses which one counts",
            )
            .next("Keep only the one the server expects: for the API a key (unset ANTHROPIC_AUTH_TOKEN), for a gateway usually its token (unset ANTHROPIC_API_KEY).")
            .fix(FixId::UnsetEnv),
        );
    }
    for c in &creds.present {
        if let Credential::Var(name, value, origin) = c {
            let s = var_shape(name, value);
            let id = format!("env.{name}");
            let status = if s.problems.is_empty() { Status::Ok } else { Status::Fail };
            let found =
                format!("{name} from {}{}: {}", origin.describe(), over_shell(host, name, origin), s.describe());
            let mut ch = Check::new(&id, status, found);
            if status == Status::Fail {
                ch = ch
                    .next(format!("Set {name} again from the Console (no quotes, no spaces), or unset it."))
                    .fix(FixId::UnsetEnv);
            }
            out.push(ch);
        }
    }
    out
}
