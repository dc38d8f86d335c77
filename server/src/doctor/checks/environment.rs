//! The environment around the credential: a gateway in the path, proxies,
//! extra CA certificates, the configuration directory, Bedrock and Vertex.

use super::super::host::Host;
use super::super::{Check, Status};
use super::settings::{Origin, Sources};

/// The host part of a URL, for showing (no user info, no path).
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit('@').next().unwrap_or(authority).to_owned()
}

/// The environment checks.
pub fn check(host: &Host, sources: &Sources) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(match super::super::facts::base_url(host, sources) {
        Some(b) => {
            let (h, official) = (b.host.clone(), b.official);
            let mut found = format!("ANTHROPIC_BASE_URL from {} points at {h}", b.origin.describe());
            for (other, o) in &b.overrides {
                found.push_str(&format!("; it overrides {other} from {}", o.describe()));
            }
            Check::new("env.base-url", if official { Status::Ok } else { Status::Warn }, found)
            .next(if official {
                "That is the API itself.".to_owned()
            } else {
                match &b.origin {
                    Origin::Settings(p) => format!("Requests go to {h}, not to Anthropic: a 403 may be that gateway's policy. Check its logs, or remove ANTHROPIC_BASE_URL from {} to test without it.", p.display()),
                    Origin::Environment => format!("Requests go to {h}, not to Anthropic: a 403 may be that gateway's policy. Check its logs, or unset ANTHROPIC_BASE_URL to test against the API directly."),
                }
            })
        }
        None => Check::new("env.base-url", Status::Ok, "ANTHROPIC_BASE_URL is not set: requests go to api.anthropic.com"),
    });
    let model = sources.effective(host, "ANTHROPIC_MODEL").map(|(m, o)| (m, o.describe())).or_else(|| {
        sources.setting("model").and_then(|(v, f)| v.as_str().map(|m| (m.to_owned(), format!("{}", f.path.display()))))
    });
    if let Some((m, whence)) = model {
        out.push(
            Check::new("env.model", Status::Ok, format!("model {m} (from {whence})"))
                .next("A 404 or a 403 can be about this model: check that the account may use it."),
        );
    }
    let proxies: Vec<String> = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter_map(|n| {
            sources.effective(host, n).map(|(v, o)| format!("{n} → {} (from {})", url_host(&v), o.describe()))
        })
        .collect();
    if !proxies.is_empty() {
        let no_proxy =
            sources.effective(host, "NO_PROXY").or_else(|| sources.effective(host, "no_proxy")).map(|(v, _)| v);
        let mut found = format!("a proxy is in the path: {}", proxies.join("; "));
        if let Some(n) = no_proxy {
            found.push_str(&format!("; NO_PROXY={n}"));
        }
        out.push(Check::new("env.proxy", Status::Warn, found).next(
            "A proxy can refuse the request with its own 403 page; compare with the proxy unset, or ask its owner.",
        ));
    }
    if let Some((path, origin)) = sources.effective(host, "NODE_EXTRA_CA_CERTS") {
        let exists = std::path::Path::new(&path).is_file();
        out.push(
            Check::new(
                "env.ca-certs",
                if exists { Status::Ok } else { Status::Fail },
                format!("NODE_EXTRA_CA_CERTS from {} = {path} ({})", origin.describe(), if exists { "exists" } else { "missing" }),
            )
            .next("Extra CA certificates usually mean a TLS-inspecting proxy: if there is one, it is in the path of every request."),
        );
    }
    if let Some((dir, _)) = sources.effective(host, "CLAUDE_CONFIG_DIR") {
        let exists = std::path::Path::new(&dir).is_dir();
        out.push(Check::new(
            "env.config-dir",
            if exists { Status::Ok } else { Status::Warn },
            format!(
                "CLAUDE_CONFIG_DIR = {dir} ({}): settings and the stored login are read from there",
                if exists { "exists" } else { "missing" }
            ),
        ));
    }
    if let Some(c) = super::super::facts::cloud(host, sources) {
        let mut found = format!("{}=1: {}", c.flag, c.provider);
        if !c.has.is_empty() {
            found.push_str(&format!("; {}", c.has.join(", ")));
        }
        out.push(if c.missing.is_empty() {
            Check::new("env.cloud", Status::Ok, found).next(format!(
                "A 403 here is {}'s: check the cloud identity and model access, not the Anthropic login.",
                c.provider
            ))
        } else {
            Check::new("env.cloud", Status::Fail, format!("{found}; missing: {}", c.missing.join("; "))).next(format!(
                "Claude Code cannot reach {} without these: set them (in the shell or a settings env block).",
                c.provider
            ))
        });
    }
    out
}
