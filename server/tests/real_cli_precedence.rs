//! Which `ANTHROPIC_API_KEY` does the real Claude Code send when the shell
//! and a settings file's `env` block both set one — and does the doctor say
//! the same? The pinned CLI (the capture script's version) runs against
//! the mock API inside a loopback-only network namespace (`unshare -n`);
//! the mock logs a SHA-256 prefix of the credential it received, never the
//! credential. Skips, saying why, only when it cannot run here (not root,
//! no `unshare`, or the CLI cannot be installed).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Claude Code version `tests/capture/capture.sh` pins (CC21).
const VERSION: &str = "2.1.332";
const FILL: &str = "FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789FAKE";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn key(tag: &str) -> String {
    format!("sk-ant-api03-{tag}{}AA", &FILL[..93 - tag.len()])
}

/// The pinned CLI, installed into the capture cache when missing.
fn claude() -> Result<PathBuf, String> {
    let dir = root().join("tests/capture/.cache/cc-2.1");
    let bin = dir.join("node_modules/.bin/claude");
    let version = |b: &Path| {
        Command::new(b).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    if version(&bin).is_some_and(|v| v.starts_with(VERSION)) {
        return Ok(bin);
    }
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&dir)
        .arg(format!("@anthropic-ai/claude-code@{VERSION}"))
        .status()
        .map_err(|e| format!("npm cannot run: {e}"))?;
    if !status.success() {
        return Err(format!("npm could not install @anthropic-ai/claude-code@{VERSION}"));
    }
    match version(&bin) {
        Some(v) if v.starts_with(VERSION) => Ok(bin),
        other => Err(format!("the installed CLI reports {other:?}, not {VERSION}")),
    }
}

/// One case: the shell's variables, and settings files (scope, variable,
/// value); which credential must arrive, in which header, and what the
/// doctor must say `claude -p` sends.
struct Case {
    name: &'static str,
    shell: Vec<(&'static str, String)>,
    files: Vec<(&'static str, &'static str, String)>,
    arrives: String,
    auth: &'static str,
    says: String,
}

#[test]
fn the_key_that_arrives_is_the_one_the_doctor_names() {
    let claude = match runnable() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED real_cli_precedence: {why}");
            return;
        }
    };
    let base = std::env::temp_dir().join(format!("errsig-real-precedence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    for case in cases() {
        let dir = base.join(case.name);
        let (home, ws) = (dir.join("home"), dir.join("ws"));
        let stdout = run(&case, &claude, &dir, &home, &ws);
        let requests = std::fs::read_to_string(dir.join("requests.jsonl")).unwrap_or_default();
        let says =
            case.says.replace("HOME/", &format!("{}/", home.display())).replace("WS/", &format!("{}/", ws.display()));
        check(&case, &stdout, &requests, &says);
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// The pinned CLI, when this machine can run the test; else why not.
fn runnable() -> Result<PathBuf, String> {
    // SAFETY: geteuid(2) has no preconditions and touches no memory.
    #[allow(unsafe_code)]
    let euid = unsafe { libc::geteuid() };
    if euid != 0 {
        return Err("needs root for `unshare -n` (a loopback-only network namespace)".into());
    }
    if Command::new("unshare").args(["-n", "true"]).status().map_or(true, |s| !s.success()) {
        return Err("`unshare -n` is not available here".into());
    }
    claude().map_err(|why| format!("the pinned Claude Code {VERSION} cannot be installed: {why}"))
}

/// Where each key may be set, and which one Claude Code sends.
fn cases() -> Vec<Case> {
    let (shell_key, settings_key, project_key) = (key("SHELL"), key("SETTINGS"), key("PROJECT"));
    // A gateway's token (not an Anthropic key's shape), sent as Bearer.
    let token = format!("gw-{}", &FILL[..40]);
    let key_in = |scope: &'static str| vec![(scope, "ANTHROPIC_API_KEY", settings_key.clone())];
    let shell = vec![("ANTHROPIC_API_KEY", shell_key.clone())];
    let from_file = |f: &str| format!("ANTHROPIC_API_KEY from the env block of {f}");
    vec![
        Case {
            name: "shell-only",
            shell: shell.clone(),
            files: vec![],
            arrives: shell_key.clone(),
            auth: "x-api-key",
            says: "ANTHROPIC_API_KEY from the environment".into(),
        },
        Case {
            name: "user",
            shell: shell.clone(),
            files: key_in("user"),
            arrives: settings_key.clone(),
            auth: "x-api-key",
            says: from_file("HOME/.claude/settings.json"),
        },
        Case {
            name: "project",
            shell: shell.clone(),
            files: key_in("project"),
            arrives: settings_key.clone(),
            auth: "x-api-key",
            says: from_file("WS/.claude/settings.json"),
        },
        Case {
            name: "local",
            shell: shell.clone(),
            files: key_in("local"),
            arrives: settings_key.clone(),
            auth: "x-api-key",
            says: from_file("WS/.claude/settings.local.json"),
        },
        // Between files: .claude/settings.local.json over .claude/settings.json.
        Case {
            name: "local-over-project",
            shell,
            files: vec![
                ("project", "ANTHROPIC_API_KEY", project_key),
                ("local", "ANTHROPIC_API_KEY", settings_key.clone()),
            ],
            arrives: settings_key,
            auth: "x-api-key",
            says: from_file("WS/.claude/settings.local.json"),
        },
        // ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY both: Claude Code sends
        // both headers (the mock fingerprints x-api-key when both are
        // there), and the doctor says so.
        Case {
            name: "auth-token-and-key",
            shell: vec![("ANTHROPIC_API_KEY", shell_key.clone()), ("ANTHROPIC_AUTH_TOKEN", token)],
            files: vec![],
            arrives: shell_key,
            auth: "x-api-key",
            says: "ANTHROPIC_AUTH_TOKEN from the environment".into(),
        },
    ]
}

/// Inside a loopback-only namespace: the mock, the real CLI once, the doctor
/// once. Returns the doctor's report; the mock logs to `dir/requests.jsonl`.
fn run(case: &Case, claude: &Path, dir: &Path, home: &Path, ws: &Path) -> String {
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::create_dir_all(ws.join(".claude")).unwrap();
    let path_of = |scope: &str| match scope {
        "user" => home.join(".claude/settings.json"),
        "project" => ws.join(".claude/settings.json"),
        _ => ws.join(".claude/settings.local.json"),
    };
    for (scope, var, value) in &case.files {
        std::fs::write(path_of(scope), format!("{{\"env\":{{\"{var}\":\"{value}\"}}}}")).unwrap();
    }
    let script = r#"
        set -u
        ip link set lo up
        python3 "$MOCK" --port 8791 --scenario permission_denied --log "$LOG" --fingerprint >/dev/null 2>&1 &
        M=$!
        for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/8791) 2>/dev/null && break; sleep 0.1; done
        cd "$WS"
        timeout 90 "$CLAUDE" -p hello </dev/null >/dev/null 2>&1
        "$ERRSIG" doctor --format json
        kill $M
    "#;
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", "bash", "-c", script]).env_clear();
    for (k, v) in &case.shell {
        cmd.env(k, v);
    }
    let out = cmd
        .env("HOME", home)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("MOCK", root().join("tests/capture/mock_api.py"))
        .env("LOG", dir.join("requests.jsonl"))
        .env("WS", ws)
        .env("CLAUDE", claude)
        .env("ERRSIG", env!("CARGO_BIN_EXE_errsig"))
        .env("ERRSIG_DOCTOR_MANAGED_SETTINGS", dir.join("no-managed-settings.json"))
        .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:8791")
        .env("CLAUDE_CODE_MAX_RETRIES", "0")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The SHA-256 prefix the mock logs for a credential.
fn fingerprint(k: &str) -> String {
    let o = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(k.as_bytes())?;
            c.wait_with_output()
        });
    String::from_utf8_lossy(&o.unwrap().stdout)[..12].to_owned()
}

/// What arrived is the case's credential, in its header, and the doctor's
/// report (`stdout`) names where `claude -p` takes it from (`says`).
fn check(case: &Case, stdout: &str, requests: &str, says: &str) {
    let name = case.name;
    assert!(!stdout.contains("FAKE0123"), "{name}: the doctor printed a key or token");
    let messages: Vec<serde_json::Value> = requests
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/v1/messages")))
        .collect();
    let arrived: Vec<String> = messages.iter().filter_map(|r| r["credential"].as_str().map(str::to_owned)).collect();
    assert!(!arrived.is_empty(), "{name}: the CLI sent no request to the mock:\n{requests}");
    let expected = fingerprint(&case.arrives);
    assert!(arrived.iter().all(|a| *a == expected), "{name}: arrived {arrived:?}, expected {expected}");
    assert!(messages.iter().all(|r| r["auth"] == case.auth), "{name}: not sent as {}: {messages:?}", case.auth);
    // What the doctor says `claude -p` sends.
    let report: serde_json::Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{name}: {e}\n{stdout}"));
    let checks = report["checks"].as_array().unwrap();
    let print = checks.iter().find(|c| c["id"] == "credential.print").unwrap();
    let found = print["found"].as_str().unwrap();
    assert!(found.contains(&format!("`claude -p` uses {says}")), "{name}: {found}");
    if case.shell.iter().any(|(k, _)| *k == "ANTHROPIC_AUTH_TOKEN") {
        let both = checks.iter().find(|c| c["id"] == "credential.both-headers");
        assert!(
            both.is_some_and(|c| c["found"].as_str().unwrap_or("").contains("Claude Code sends both")),
            "{name}: {stdout}"
        );
    }
    // A settings value over the shell's says so.
    if !case.files.is_empty() {
        let shape = checks.iter().find(|c| c["id"] == "env.ANTHROPIC_API_KEY").unwrap();
        assert!(
            shape["found"].as_str().unwrap().contains("the shell's ANTHROPIC_API_KEY is not used"),
            "{name}: {shape}"
        );
    }
}
