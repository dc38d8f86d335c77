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

/// One case: the shell's key, and a settings file (scope) holding another.
struct Case {
    scope: Option<&'static str>,
}

#[test]
fn the_key_that_arrives_is_the_one_the_doctor_names() {
    // SAFETY: geteuid(2) has no preconditions and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED real_cli_precedence: needs root for `unshare -n` (a loopback-only network namespace)");
        return;
    }
    if Command::new("unshare").args(["-n", "true"]).status().map_or(true, |s| !s.success()) {
        eprintln!("SKIPPED real_cli_precedence: `unshare -n` is not available here");
        return;
    }
    let claude = match claude() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED real_cli_precedence: the pinned Claude Code {VERSION} cannot be installed: {why}");
            return;
        }
    };
    let errsig = env!("CARGO_BIN_EXE_errsig");
    let mock = root().join("tests/capture/mock_api.py");
    let base = std::env::temp_dir().join(format!("errsig-real-precedence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (shell_key, settings_key) = (key("SHELL"), key("SETTINGS"));
    for case in [
        Case { scope: None },
        Case { scope: Some("user") },
        Case { scope: Some("project") },
        Case { scope: Some("local") },
    ] {
        let name = case.scope.unwrap_or("shell-only");
        let (home, ws) = (base.join(name).join("home"), base.join(name).join("ws"));
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::create_dir_all(ws.join(".claude")).unwrap();
        let file = case.scope.map(|s| match s {
            "user" => home.join(".claude/settings.json"),
            "project" => ws.join(".claude/settings.json"),
            _ => ws.join(".claude/settings.local.json"),
        });
        if let Some(f) = &file {
            std::fs::write(f, format!("{{\"env\":{{\"ANTHROPIC_API_KEY\":\"{settings_key}\"}}}}")).unwrap();
        }
        let log = base.join(name).join("requests.jsonl");
        // Inside the namespace: the mock, the real CLI once, the doctor once.
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
        let out = Command::new("unshare")
            .args(["-n", "bash", "-c", script])
            .env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("MOCK", &mock)
            .env("LOG", &log)
            .env("WS", &ws)
            .env("CLAUDE", &claude)
            .env("ERRSIG", errsig)
            .env("ERRSIG_DOCTOR_MANAGED_SETTINGS", base.join("no-managed-settings.json"))
            .env("ANTHROPIC_API_KEY", &shell_key)
            .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:8791")
            .env("CLAUDE_CODE_MAX_RETRIES", "0")
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("FAKE0123"), "{name}: the doctor printed a key");
        // What arrived.
        let fp = |k: &str| {
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
        };
        let requests = std::fs::read_to_string(&log).unwrap_or_default();
        let arrived: Vec<String> = requests
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/v1/messages")))
            .filter_map(|r| r["credential"].as_str().map(str::to_owned))
            .collect();
        assert!(!arrived.is_empty(), "{name}: the CLI sent no request to the mock:\n{requests}");
        let expected = if file.is_some() { fp(&settings_key) } else { fp(&shell_key) };
        assert!(arrived.iter().all(|a| *a == expected), "{name}: arrived {arrived:?}, expected {expected}");
        // What the doctor says `claude -p` sends.
        let report: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: {e}\n{stdout}"));
        let print = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "credential.print").unwrap();
        let found = print["found"].as_str().unwrap();
        match &file {
            Some(f) => {
                assert!(
                    found.contains(&format!("ANTHROPIC_API_KEY from the env block of {}", f.display())),
                    "{name}: {found}"
                );
                let shape =
                    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "env.ANTHROPIC_API_KEY").unwrap();
                assert!(
                    shape["found"].as_str().unwrap().contains("the shell's ANTHROPIC_API_KEY is not used"),
                    "{name}: {shape}"
                );
            }
            None => assert!(found.contains("ANTHROPIC_API_KEY from the environment"), "{name}: {found}"),
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}
