//! Facts: what the checks found, as data the reasoning step (`cause.rs`)
//! ranks. Nothing here decides what is wrong; nothing here holds a secret
//! (values are kept only as their [`Shape`]).

use super::checks::credentials::{over_shell, var_shape, Credential, Credentials};
use super::checks::environment::url_host;
use super::checks::settings::{Helper, Origin, Sources};
use super::checks::stored::{read_login, Login};
use super::checks::{ci, shape, Shape};
use super::host::Host;
use super::probe::Seen;
use std::path::PathBuf;

/// A credential Claude Code sends, described.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Which one.
    pub credential: Credential,
    /// For people: `ANTHROPIC_API_KEY from the environment`.
    pub describe: String,
    /// The variable's shape (variables only).
    pub shape: Option<Shape>,
    /// A settings value hides the shell's (said so in the output).
    pub over_shell: String,
}

/// A cloud provider Claude Code is switched to.
#[derive(Debug, Clone)]
pub struct Cloud {
    /// `CLAUDE_CODE_USE_BEDROCK`, …
    pub flag: &'static str,
    /// `Amazon Bedrock`, …
    pub provider: &'static str,
    /// What it needs and does not have.
    pub missing: Vec<String>,
    /// What to do about each missing thing, when it is not "set it".
    pub to_do: Vec<String>,
    /// What it has (names and non-secret values: region, project, profile).
    pub has: Vec<String>,
}

/// `ANTHROPIC_BASE_URL`, where it comes from and what it hides.
#[derive(Debug, Clone)]
pub struct BaseUrl {
    /// The host it points at.
    pub host: String,
    /// Where the value in use comes from.
    pub origin: Origin,
    /// It is the API itself.
    pub official: bool,
    /// The values it overrides (host, origin).
    pub overrides: Vec<(String, Origin)>,
    /// It comes from a workspace file.
    pub from_project: bool,
    /// It comes from the managed settings (the administrator's: the user
    /// cannot override or edit them).
    pub managed: bool,
}

/// What a program other than Claude Code reads: only its own environment.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// `ANTHROPIC_API_KEY`'s shape, when set.
    pub api_key: Option<Shape>,
    /// `ANTHROPIC_AUTH_TOKEN`'s shape, when set.
    pub auth_token: Option<Shape>,
    /// `ANTHROPIC_BASE_URL`'s host, when set.
    pub base_url: Option<String>,
}

/// Everything the reasoning step may use.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// What `claude -p` sends.
    pub print: Option<Sent>,
    /// What interactive `claude` sends.
    pub interactive: Option<Sent>,
    /// `ANTHROPIC_API_KEY` is set but not approved for interactive use.
    pub key_unapproved: bool,
    /// The stored login file, when there is one.
    pub login: Option<Login>,
    /// A stored login exists (file or Keychain).
    pub has_login: bool,
    /// `CLAUDE_CONFIG_DIR`, when it has no login while `~/.claude` has one.
    pub config_dir_without_login: Option<(PathBuf, PathBuf)>,
    /// The `apiKeyHelper`.
    pub helper: Option<Helper>,
    /// The cloud provider.
    pub cloud: Option<Cloud>,
    /// The base URL.
    pub base_url: Option<BaseUrl>,
    /// Proxies (`NAME → host (from …)`).
    pub proxies: Vec<String>,
    /// `forceLoginMethod`/`forceLoginOrgUUID` against the stored login: what
    /// disagrees, with the file.
    pub force_login: Vec<(String, PathBuf)>,
    /// Settings files that do not parse.
    pub settings_errors: Vec<String>,
    /// What the workspace's CI passes.
    pub ci: Vec<String>,
    /// What another program reads.
    pub program: Program,
    /// What the probe saw.
    pub probe: Option<Seen>,
}

fn sent(host: &Host, c: &Credential) -> Sent {
    let (shape, over) = match c {
        Credential::Var(name, v, origin) => (Some(var_shape(name, v)), over_shell(host, name, origin)),
        _ => (None, String::new()),
    };
    Sent { credential: c.clone(), describe: c.describe(), shape, over_shell: over }
}

fn truthy(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// The cloud provider Claude Code is switched to, and what it lacks.
pub fn cloud(host: &Host, sources: &Sources) -> Option<Cloud> {
    let get = |n: &str| sources.effective(host, n).map(|(v, _)| v).filter(|v| !v.trim().is_empty());
    let on = |n: &str| get(n).is_some_and(|v| truthy(&v));
    let shown = |n: &str| get(n).map(|v| format!("{n}={v}"));
    let (flag, provider) = [
        ("CLAUDE_CODE_USE_BEDROCK", "Amazon Bedrock"),
        ("CLAUDE_CODE_USE_VERTEX", "Google Vertex AI"),
        ("CLAUDE_CODE_USE_FOUNDRY", "Microsoft Foundry"),
    ]
    .into_iter()
    .find(|(f, _)| on(f))?;
    let mut missing = Vec::new();
    let mut to_do = Vec::new();
    let mut has = Vec::new();
    match flag {
        "CLAUDE_CODE_USE_BEDROCK" => {
            // Claude Code does not read the region from ~/.aws/config: it
            // needs AWS_REGION.
            match shown("AWS_REGION") {
                Some(r) => has.push(r),
                None => missing.push("AWS_REGION (Claude Code does not read the region from ~/.aws/config)".into()),
            }
            let aws = host.home.join(".aws");
            let config = get("AWS_CONFIG_FILE").map_or_else(|| aws.join("config"), PathBuf::from);
            let shared = get("AWS_SHARED_CREDENTIALS_FILE").map_or_else(|| aws.join("credentials"), PathBuf::from);
            let profile = get("AWS_PROFILE");
            let creds = if get("AWS_BEARER_TOKEN_BEDROCK").is_some() {
                Some("AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key)".to_owned())
            } else if let Some(p) = profile.as_deref().filter(|p| aws_profile_defined(&config, &shared, p)) {
                Some(format!("AWS_PROFILE={p}"))
            } else if get("AWS_ACCESS_KEY_ID").is_some() {
                Some("AWS_ACCESS_KEY_ID".into())
            } else if let Some(p) = profile {
                // The AWS SDK stops at a profile it cannot find.
                missing.push(format!(
                    "the AWS profile {p} (AWS_PROFILE), which is in neither {} nor {}",
                    config.display(),
                    shared.display()
                ));
                has.push(format!("AWS_PROFILE={p}"));
                to_do.push(format!(
                    "create the profile {p} (`aws configure --profile {p}` or `aws configure sso`), or set AWS_PROFILE to one that exists"
                ));
                Some(String::new())
            } else if get("AWS_ACCESS_KEY_ID").is_some() {
                Some("AWS_ACCESS_KEY_ID".into())
            } else if aws_profile_defined(&config, &shared, "default") {
                Some(format!("the default profile in {}", aws.display()))
            } else if get("AWS_WEB_IDENTITY_TOKEN_FILE").is_some()
                || get("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
            {
                Some("a web identity or container role".into())
            } else {
                None
            };
            match creds {
                Some(c) if c.is_empty() => {}
                Some(c) => has.push(format!("credentials: {c}")),
                None => missing.push(
                    "AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_BEARER_TOKEN_BEDROCK or ~/.aws)".into(),
                ),
            }
        }
        "CLAUDE_CODE_USE_VERTEX" => {
            for n in ["ANTHROPIC_VERTEX_PROJECT_ID", "CLOUD_ML_REGION"] {
                match shown(n) {
                    Some(v) => has.push(v),
                    None => missing.push(n.into()),
                }
            }
            let adc = host.home.join(".config").join("gcloud").join("application_default_credentials.json");
            match get("GOOGLE_APPLICATION_CREDENTIALS") {
                Some(p) => has.push(format!("credentials: GOOGLE_APPLICATION_CREDENTIALS={p}")),
                None if adc.is_file() => has.push(format!("credentials: {}", adc.display())),
                None => missing.push(
                    "Google credentials (`gcloud auth application-default login`, or GOOGLE_APPLICATION_CREDENTIALS)"
                        .into(),
                ),
            }
        }
        _ => {
            match (shown("ANTHROPIC_FOUNDRY_RESOURCE"), shown("ANTHROPIC_FOUNDRY_BASE_URL")) {
                (Some(r), _) | (None, Some(r)) => has.push(r),
                (None, None) => missing.push("ANTHROPIC_FOUNDRY_RESOURCE (or ANTHROPIC_FOUNDRY_BASE_URL)".into()),
            }
            let azure = host.home.join(".azure");
            if get("ANTHROPIC_FOUNDRY_API_KEY").is_some() {
                has.push("credentials: ANTHROPIC_FOUNDRY_API_KEY".into());
            } else if azure.is_dir() || get("AZURE_CLIENT_ID").is_some() {
                has.push("credentials: Microsoft Entra ID (az login or AZURE_CLIENT_ID)".into());
            } else {
                missing.push("credentials (ANTHROPIC_FOUNDRY_API_KEY, or `az login` for Entra ID)".into());
            }
        }
    }
    Some(Cloud { flag, provider, missing, to_do, has })
}

/// Whether an AWS profile is defined: `[profile NAME]` (or `[default]`) in
/// the config file, or `[NAME]` in the shared credentials file.
fn aws_profile_defined(config: &std::path::Path, shared: &std::path::Path, name: &str) -> bool {
    let headers = |p: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')))
            .map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let in_config =
        headers(config).iter().any(|h| *h == format!("profile {name}") || (name == "default" && h == "default"));
    in_config || headers(shared).iter().any(|h| h == name)
}

/// The base URL Claude Code uses, and the values it hides.
pub fn base_url(host: &Host, sources: &Sources) -> Option<BaseUrl> {
    let mut all = sources.var(host, "ANTHROPIC_BASE_URL").into_iter();
    let (url, origin) = all.next()?;
    let h = url_host(&url);
    let from_project = matches!(&origin, Origin::Settings(p) if sources.is_project(p));
    let managed =
        matches!(&origin, Origin::Settings(p) if sources.files.iter().any(|f| f.scope == "managed" && f.path == *p));
    Some(BaseUrl {
        managed,
        official: h == "api.anthropic.com",
        host: h,
        origin,
        overrides: all.map(|(u, o)| (url_host(&u), o)).collect(),
        from_project,
    })
}

/// Gather the facts. `helper` and `probe` were computed once by the caller.
pub fn gather(
    host: &Host,
    sources: &Sources,
    creds: &Credentials,
    helper: Option<Helper>,
    probe: Option<Seen>,
) -> Facts {
    let login = read_login(&host.claude_dir().join(".credentials.json"));
    let config_dir_without_login = host.var("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()).and_then(|d| {
        let dir = PathBuf::from(d);
        let home_file = host.home.join(".claude").join(".credentials.json");
        (dir != host.home.join(".claude") && !dir.join(".credentials.json").is_file() && home_file.is_file())
            .then_some((dir, home_file))
    });
    let mut force_login = Vec::new();
    if let Some((v, f)) = sources.setting("forceLoginMethod") {
        let method = v.as_str().unwrap_or("");
        let subscription = login.as_ref().and_then(|l| l.subscription.clone());
        let stored = login.as_ref().filter(|l| l.oauth);
        let clash = match (method, stored, subscription.as_deref()) {
            ("console", Some(_), Some(sub)) => {
                Some(format!("forceLoginMethod is \"console\" but the stored login is a Claude subscription ({sub})"))
            }
            ("claudeai", Some(_), None) => {
                Some("forceLoginMethod is \"claudeai\" but the stored login has no Claude subscription".to_owned())
            }
            _ => None,
        };
        force_login.extend(clash.map(|c| (c, f.path.clone())));
    }
    if let Some((v, f)) = sources.setting("forceLoginOrgUUID") {
        let want: Vec<String> = match v {
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
            serde_json::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        };
        let stored = sources
            .state
            .as_ref()
            .and_then(|s| s.value.as_ref())
            .and_then(|s| s.pointer("/oauthAccount/organizationUuid"))
            .and_then(|o| o.as_str());
        if let Some(org) = stored {
            if !want.is_empty() && !want.iter().any(|w| w == org) {
                force_login.push((
                    format!(
                        "forceLoginOrgUUID allows {} but the stored login belongs to organization {org}",
                        want.join(", ")
                    ),
                    f.path.clone(),
                ));
            }
        }
    }
    let proxies = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter_map(|n| {
            sources.effective(host, n).map(|(v, o)| format!("{n} → {} (from {})", url_host(&v), o.describe()))
        })
        .collect();
    let env_shape = |n: &str| host.var(n).map(shape);
    Facts {
        print: creds.print_mode().map(|c| sent(host, c)),
        interactive: creds.interactive().map(|c| sent(host, c)),
        key_unapproved: creds.key_approved == Some(false),
        has_login: creds.login,
        login,
        config_dir_without_login,
        helper,
        cloud: cloud(host, sources),
        base_url: base_url(host, sources),
        proxies,
        force_login,
        settings_errors: sources.files.iter().chain(&sources.state).filter_map(|f| f.error.clone()).collect(),
        ci: ci::passes(host),
        program: Program {
            api_key: env_shape("ANTHROPIC_API_KEY"),
            auth_token: env_shape("ANTHROPIC_AUTH_TOKEN"),
            base_url: host.var("ANTHROPIC_BASE_URL").map(url_host),
        },
        probe,
    }
}
