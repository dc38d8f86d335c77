//! The live key check (opt-in only): one `GET /v1/models` to the base URL
//! Claude Code would use, with the credential `claude -p` would use and the
//! header it would send. Never any other host, a short timeout, no
//! redirects; a base URL that comes from a project file needs consent.

use super::checks::credentials::{Credential, Credentials, Header};
use super::checks::environment::url_host;
use super::checks::settings::{Origin, Sources};
use super::host::Host;
use super::{Check, Options, Status};
use errsig::scan::{classify, parse_loose};
use serde_json::Value;
use std::time::Duration;

/// The whole request, connection included, must finish in this time.
const TIMEOUT: Duration = Duration::from_secs(8);
/// The default API host.
pub const DEFAULT_BASE: &str = "https://api.anthropic.com";

/// What a probe needs before it may run.
pub struct Target {
    /// Base URL (without a trailing slash).
    pub base: String,
    /// Where the base URL came from.
    pub origin: Option<Origin>,
    /// Whether that is a project file (needs consent).
    pub from_project: bool,
}

/// The base URL Claude Code would use, and where it comes from.
pub fn target(host: &Host, sources: &Sources) -> Target {
    match sources.effective(host, "ANTHROPIC_BASE_URL") {
        Some((url, origin)) => {
            let from_project = match &origin {
                Origin::Settings(p) => sources.files.iter().any(|f| f.project && &f.path == p),
                Origin::Environment => false,
            };
            Target { base: url.trim_end_matches('/').to_owned(), origin: Some(origin), from_project }
        }
        None => Target { base: DEFAULT_BASE.into(), origin: None, from_project: false },
    }
}

fn secret(host: &Host, c: &Credential, options: &Options) -> Result<(String, Header), String> {
    match c {
        Credential::Var(_, v, _) => Ok((v.trim().to_owned(), c.header().unwrap_or(Header::ApiKey))),
        Credential::Helper(cmd) if options.run_helper => {
            let r = host
                .run(std::path::Path::new("sh"), &["-c", cmd], Duration::from_secs(10))
                .map_err(|e| e.to_string())?;
            if r.code != Some(0) {
                return Err("the apiKeyHelper failed".into());
            }
            Ok((r.stdout.trim().to_owned(), Header::ApiKey))
        }
        Credential::Helper(_) => {
            Err("the credential comes from an apiKeyHelper: add --run-helper to let the probe run it".into())
        }
        Credential::Login => {
            let file = host.claude_dir().join(".credentials.json");
            let v: Value = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .ok_or("the stored login is not in a readable .credentials.json (the Keychain is never read)")?;
            let token = v
                .pointer("/claudeAiOauth/accessToken")
                .and_then(Value::as_str)
                .ok_or("no access token in .credentials.json")?;
            Ok((token.to_owned(), Header::Bearer))
        }
        Credential::Cloud(_) => Err("a cloud provider is configured: the probe only talks to the Anthropic API".into()),
    }
}

/// What the probe saw: evidence for or against a cause, not a cause.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The HTTP status (`None`: no answer).
    pub status: Option<u16>,
    /// The body is the API's error envelope (or a success).
    pub api_body: bool,
    /// The request id the answer carried.
    pub request_id: Option<String>,
    /// The error type.
    pub error_type: Option<String>,
    /// The message (redacted).
    pub message: Option<String>,
    /// The host asked.
    pub host: String,
}

/// The probe's check and what it saw.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// As a check.
    pub check: Check,
    /// What it saw, when it ran.
    pub seen: Option<Seen>,
}

/// The probe, as a check.
pub fn check(host: &Host, sources: &Sources, creds: &Credentials, options: &Options) -> Check {
    run(host, sources, creds, options).check
}

/// Run the probe (only with `--probe`).
pub fn run(host: &Host, sources: &Sources, creds: &Credentials, options: &Options) -> Outcome {
    let id = "probe";
    let skip = |c: Check| Outcome { check: c, seen: None };
    if !options.probe {
        return skip(Check::new(id, Status::Skipped, "live key check not run (opt-in: --probe)"));
    }
    let Some(cred) = creds.print_mode() else {
        return skip(Check::new(id, Status::Skipped, "no credential to check"));
    };
    let t = target(host, sources);
    let h = url_host(&t.base);
    if t.from_project && !options.yes {
        let file = t.origin.as_ref().map_or(String::new(), Origin::describe);
        return skip(
            Check::new(id, Status::Skipped, format!("the base URL {h} comes from {file}, a project file"))
                .next(format!("Re-run with --probe --yes to send one request to {h}, if you trust it.")),
        );
    }
    let (key, header) = match secret(host, cred, options) {
        Ok(s) => s,
        Err(why) => return skip(Check::new(id, Status::Skipped, why)),
    };
    // Tests shorten the timeout to exercise a host that does not answer.
    let timeout = host.hooks.probe_timeout.unwrap_or(TIMEOUT);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let url = format!("{}/v1/models", t.base);
    let req = agent
        .get(&url)
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", concat!("errsig/", env!("CARGO_PKG_VERSION")));
    let req = match header {
        Header::ApiKey => req.header("x-api-key", &key),
        Header::Bearer => req.header("authorization", &format!("Bearer {key}")),
    };
    let sent = format!(
        "GET {h}/v1/models ({} sent {})",
        cred.describe(),
        match header {
            Header::ApiKey => "in the x-api-key header",
            Header::Bearer => "as a bearer token",
        }
    );
    let mut resp = match req.call() {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                check: Check::new(
                    id,
                    Status::Warn,
                    format!("{sent} → no answer ({})", errsig::scan::redact(&e.to_string())),
                )
                .next("The host did not answer in time or refused the connection: a proxy, a firewall or a wrong base URL."),
                seen: Some(Seen { host: h, ..Seen::default() }),
            };
        }
    };
    let status = resp.status().as_u16();
    let request_id = resp.headers().get("request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = resp.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
    let parsed = parse_loose(&body).map(|(v, _)| classify(&v)).unwrap_or_default();
    let request_id = request_id.or(parsed.request_id.clone());
    let mut found = format!("{sent} → HTTP {status}");
    if let Some(t) = &parsed.error_type {
        found.push_str(&format!(" {t}"));
    }
    if let Some(m) = &parsed.message {
        found.push_str(&format!(": {m}"));
    }
    if let Some(r) = &request_id {
        found.push_str(&format!(" (request id {r})"));
    }
    let found = errsig::scan::redact(&found).into_owned();
    let api_body = parsed.shape.is_some() || (200..300).contains(&status);
    let seen = Seen {
        status: Some(status),
        api_body,
        request_id: request_id.clone(),
        error_type: parsed.error_type.clone(),
        message: parsed.message.as_deref().map(|m| errsig::scan::redact(m).into_owned()),
        host: h,
    };
    let check = match status {
        200..=299 => Check::new(id, Status::Ok, found).next(
            "This proves the credential can list models at this host. It does not prove more: an OAuth token may still be refused outside Claude Code, and /v1/models is not /v1/messages (a model or feature can still be denied).",
        ),
        // No envelope and no request id: the API did not write this answer.
        _ if !api_body && request_id.is_none() => Check::new(id, Status::Warn, format!("{found}; the body is not an API error and has no request id")).next("Something other than the API answered — a proxy or gateway in the path — so this says nothing about the credential: see the base URL and proxy checks."),
        401 => Check::new(id, Status::Fail, found).next("The credential itself is rejected: replace it (a new key from the Console, or `claude /login`)."),
        403 => Check::new(id, Status::Fail, found).next("The credential is known but not allowed here: see which credential wins above, and the account's role and organization."),
        _ if !api_body => Check::new(id, Status::Warn, format!("{found}; the body is not an API error")).next("Something other than the API answered: a gateway or proxy."),
        _ => Check::new(id, Status::Warn, found),
    };
    Outcome { check, seen: Some(seen) }
}
