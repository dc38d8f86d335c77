//! The stored login: `~/.claude/.credentials.json` (Linux, Windows) or the
//! macOS Keychain item (whose secret is never read).

use super::super::host::{Host, Platform};
use super::super::{Check, Status};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The Keychain service Claude Code stores its login under (observed).
pub const KEYCHAIN_SERVICE: &str = "Claude Code-credentials";

/// Whether the Keychain has Claude Code's item (`security` without `-w`:
/// presence only). `None` when `security` cannot run.
pub fn keychain_has_item(host: &Host) -> Option<bool> {
    let security = host.which_all("security").into_iter().next()?;
    let r = host.run(&security, &["find-generic-password", "-s", KEYCHAIN_SERVICE], Duration::from_secs(5)).ok()?;
    Some(r.code == Some(0))
}

/// The stored-login checks.
pub fn check(host: &Host) -> Vec<Check> {
    let mut out = Vec::new();
    let file = host.claude_dir().join(".credentials.json");
    if file.is_file() {
        out.push(credentials_file(&file));
    } else if host.platform != Platform::Macos {
        out.push(Check::new(
            "stored.credentials-file",
            Status::Ok,
            format!("no {} (no stored /login)", file.display()),
        ));
    }
    if host.platform == Platform::Macos {
        out.push(match keychain_has_item(host) {
            Some(true) => Check::new("stored.keychain", Status::Ok, format!("the Keychain has a \"{KEYCHAIN_SERVICE}\" item (its secret was not read)")),
            Some(false) => Check::new("stored.keychain", Status::Ok, format!("no \"{KEYCHAIN_SERVICE}\" item in the Keychain"))
                .next("`SecKeychainSearchCopyNext: The specified item could not be found` beside an error means just this: nothing to delete. It does not cause a 403."),
            None => Check::new("stored.keychain", Status::Skipped, "`security` is not available"),
        });
    }
    out
}

fn credentials_file(file: &Path) -> Check {
    let id = "stored.credentials-file";
    let mut problems = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(file) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                problems.push(format!("its mode is {mode:o}: others can read it (should be 600)"));
            }
        }
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return Check::new(id, Status::Fail, format!("{}: cannot read: {e}", file.display())),
    };
    let v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return Check::new(id, Status::Fail, format!("{}:{}:{}: not valid JSON", file.display(), e.line(), e.column()))
                .next("Claude Code cannot read this login: move it aside (`errsig doctor --fix move-credentials`) and `/login` again.")
                .fix("move-credentials");
        }
    };
    let oauth = v.get("claudeAiOauth");
    let Some(oauth) = oauth else {
        return Check::new(id, Status::Warn, format!("{}: no claudeAiOauth entry", file.display()));
    };
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let expires = oauth.get("expiresAt").and_then(Value::as_i64);
    let scopes: Vec<&str> = oauth
        .get("scopes")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).collect());
    let sub = oauth.get("subscriptionType").and_then(Value::as_str).unwrap_or("unknown");
    let mut found = format!("{}: subscription {sub}, scopes [{}]", file.display(), scopes.join(", "));
    let mut status = Status::Ok;
    match expires {
        Some(e) if e < now_ms => {
            let hours = (now_ms - e) / 3_600_000;
            found.push_str(&format!(", access token expired {hours} h ago"));
            let refresh = oauth.get("refreshToken").and_then(Value::as_str).is_some_and(|r| !r.is_empty());
            if !refresh {
                status = Status::Fail;
                problems.push("expired, with no refresh token to renew it".into());
            } else {
                status = Status::Warn;
                problems.push("expired (Claude Code refreshes it if the refresh token still works)".into());
            }
        }
        Some(e) => {
            let minutes = (e - now_ms) / 60_000;
            if minutes < 120 {
                found.push_str(&format!(", access token valid for {minutes} more minutes"));
            } else {
                found.push_str(&format!(", access token valid for {} more hours", minutes / 60));
            }
        }
        None => problems.push("no expiry recorded".into()),
    }
    if !scopes.is_empty() && !scopes.contains(&"user:inference") {
        problems.push("the user:inference scope is missing".into());
        status = status.max(Status::Warn);
    }
    if !problems.is_empty() {
        status = status.max(Status::Warn);
        found.push_str(&format!(" — {}", problems.join("; ")));
        return Check::new(id, status, found)
            .next("Run `claude /login` again. If the old login keeps coming back, move it aside first: `errsig doctor --fix move-credentials` (a backup is kept, `--restore` undoes it).")
            .fix("move-credentials");
    }
    Check::new(id, status, found)
}
