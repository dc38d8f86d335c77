//! The stored login: `~/.claude/.credentials.json` (Linux, Windows) or the
//! macOS Keychain item (whose secret is never read).

use super::super::fix::FixId;
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
    if file.is_file() || host.platform != Platform::Macos {
        out.push(credentials_file(&file));
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

/// The stored login, as far as it can be known without using it.
#[derive(Debug, Clone, Default)]
pub struct Login {
    /// The file it was read from.
    pub file: std::path::PathBuf,
    /// Unreadable or not JSON (`file:line:column`), when so.
    pub broken: Option<String>,
    /// Its mode lets others read it (the mode, octal).
    pub open_mode: Option<u32>,
    /// It has a `claudeAiOauth` entry.
    pub oauth: bool,
    /// Hours since the access token expired, when it has.
    pub expired_hours: Option<i64>,
    /// Minutes it stays valid, when it has not expired.
    pub valid_minutes: Option<i64>,
    /// A refresh token is there (Claude Code renews the access token with it).
    pub refresh: bool,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// `subscriptionType` (`max`, `pro`, …); `None` for a Console login.
    pub subscription: Option<String>,
}

impl Login {
    /// The scopes it lacks of those Claude Code needs.
    pub fn missing_scopes(&self) -> Vec<&'static str> {
        if self.scopes.is_empty() {
            return Vec::new();
        }
        ["user:inference", "user:profile"].into_iter().filter(|s| !self.scopes.iter().any(|x| x == s)).collect()
    }
}

/// Read the stored login file, when there is one.
pub fn read_login(file: &Path) -> Option<Login> {
    if !file.is_file() {
        return None;
    }
    let mut login = Login { file: file.to_path_buf(), ..Login::default() };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(file) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                login.open_mode = Some(mode);
            }
        }
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            login.broken = Some(format!("{}: cannot read: {e}", file.display()));
            return Some(login);
        }
    };
    let v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            login.broken = Some(format!("{}:{}:{}: not valid JSON", file.display(), e.line(), e.column()));
            return Some(login);
        }
    };
    let Some(oauth) = v.get("claudeAiOauth") else {
        return Some(login);
    };
    login.oauth = true;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    match oauth.get("expiresAt").and_then(Value::as_i64) {
        Some(e) if e < now_ms => login.expired_hours = Some((now_ms - e) / 3_600_000),
        Some(e) => login.valid_minutes = Some((e - now_ms) / 60_000),
        None => {}
    }
    login.refresh = oauth.get("refreshToken").and_then(Value::as_str).is_some_and(|r| !r.is_empty());
    login.scopes = oauth
        .get("scopes")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    login.subscription = oauth.get("subscriptionType").and_then(Value::as_str).map(str::to_owned);
    Some(login)
}

fn credentials_file(file: &Path) -> Check {
    let id = "stored.credentials-file";
    let Some(login) = read_login(file) else {
        return Check::new(id, Status::Ok, format!("no {} (no stored /login)", file.display()));
    };
    if let Some(b) = &login.broken {
        return Check::new(id, Status::Fail, b.clone())
            .next("Claude Code cannot read this login: move it aside (`errsig doctor --fix move-credentials`) and `/login` again.")
            .fix(FixId::MoveCredentials);
    }
    if !login.oauth {
        return Check::new(id, Status::Warn, format!("{}: no claudeAiOauth entry", file.display()));
    }
    let mut problems = Vec::new();
    if let Some(mode) = login.open_mode {
        problems.push(format!("its mode is {mode:o}: others can read it (should be 600)"));
    }
    let sub = login.subscription.as_deref().unwrap_or("unknown");
    let mut found = format!("{}: subscription {sub}, scopes [{}]", file.display(), login.scopes.join(", "));
    let mut status = Status::Ok;
    let mut next = None;
    match (login.expired_hours, login.valid_minutes) {
        (Some(h), _) => {
            found.push_str(&format!(", access token expired {h} h ago"));
            if login.refresh {
                // Not a problem: Claude Code renews it on its next request.
                next = Some("Claude Code renews an expired access token with its refresh token on the next request; only a refused refresh (a revoked login) needs `/login`.");
            } else {
                status = Status::Fail;
                problems.push("expired, with no refresh token to renew it".to_owned());
            }
        }
        (None, Some(m)) if m < 120 => found.push_str(&format!(", access token valid for {m} more minutes")),
        (None, Some(m)) => found.push_str(&format!(", access token valid for {} more hours", m / 60)),
        (None, None) => problems.push("no expiry recorded".to_owned()),
    }
    let missing = login.missing_scopes();
    if !missing.is_empty() {
        problems.push(format!("the {} scope is missing", missing.join(" and ")));
    }
    if !problems.is_empty() {
        status = status.max(Status::Warn);
        found.push_str(&format!(" — {}", problems.join("; ")));
        return Check::new(id, status, found)
            .next("Run `claude /login` again. If the old login keeps coming back, move it aside first: `errsig doctor --fix move-credentials` (a backup is kept, `--restore` undoes it).")
            .fix(FixId::MoveCredentials);
    }
    let c = Check::new(id, status, found);
    match next {
        Some(n) => c.next(n),
        None => c,
    }
}
