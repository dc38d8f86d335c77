//! `errsig doctor`, hermetic: a temporary HOME and workspace, fake `claude`
//! and `security` executables on PATH, a local mock API for the live check,
//! the platform set by `ERRSIG_DOCTOR_PLATFORM`. Every scenario checks the
//! named cause, and that no secret of the fake environment is printed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str =
    "sk-ant-api03-FAKEdoctorFAKEdoctorFAKEdoctorFAKEdoctorFAKEdoctorFAKEdoctorFAKEdoctorFAKEdoctorFAKEdoctor123AA";
const TOKEN: &str = "sk-ant-oat01-FAKEoauthFAKEoauthFAKEoauthFAKEoauth";
const ADMIN: &str = "sk-ant-admin01-FAKEadminFAKEadminFAKEadmin";
const SECRETS: &[&str] = &["FAKEdoctor", "FAKEoauth", "FAKEadmin", "FAKEhelper"];

struct Machine {
    root: PathBuf,
    home: PathBuf,
    ws: PathBuf,
    bin: PathBuf,
    env: BTreeMap<String, String>,
}

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[cfg(unix)]
fn executable(p: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(p, script);
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

impl Machine {
    fn new(name: &str) -> Machine {
        let root = std::env::temp_dir().join(format!("errsig-doctor-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (home, ws, bin) = (root.join("home"), root.join("ws"), root.join("bin"));
        for d in [&home, &ws, &bin] {
            std::fs::create_dir_all(d).unwrap();
        }
        // A fake `claude`: a version, and `auth status` that answers from a file.
        executable(
            &bin.join("claude"),
            "#!/bin/sh\ncase \"$1\" in\n--version) echo '2.1.332 (Claude Code)';;\nauth) exit $(cat \"$HOME/.fake-auth-status\" 2>/dev/null || echo 1);;\nesac\n",
        );
        let mut env = BTreeMap::new();
        env.insert("HOME".into(), home.display().to_string());
        env.insert("PATH".into(), format!("{}:/usr/bin:/bin", bin.display()));
        env.insert("ERRSIG_DOCTOR_PLATFORM".into(), "linux".into());
        env.insert("ERRSIG_DOCTOR_MANAGED_SETTINGS".into(), root.join("managed-settings.json").display().to_string());
        Machine { root, home, ws, bin, env }
    }

    fn set(&mut self, k: &str, v: &str) -> &mut Self {
        self.env.insert(k.into(), v.into());
        self
    }

    fn login(&self, expires_in_ms: i64, refresh: bool) {
        let refresh = if refresh { "\"refreshToken\":\"sk-ant-ort01-FAKEoauthREFRESH\"," } else { "" };
        let text = format!(
            "{{\"claudeAiOauth\":{{\"accessToken\":\"{TOKEN}\",{refresh}\"expiresAt\":{},\"scopes\":[\"user:inference\",\"user:profile\"],\"subscriptionType\":\"max\"}}}}",
            now_ms() + expires_in_ms
        );
        let p = self.home.join(".claude/.credentials.json");
        write(&p, &text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    fn doctor(&self, args: &[&str]) -> (i32, String) {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_errsig"))
            .arg("doctor")
            .args(args)
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.ws)
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for s in SECRETS {
            assert!(!text.contains(s), "a secret ({s}) was printed:\n{text}");
        }
        (out.status.code().unwrap_or(-1), text)
    }

    /// The line of a check in the human report.
    fn check(&self, args: &[&str], id: &str) -> String {
        let (_, text) = self.doctor(args);
        let mut lines = text.lines().skip_while(|l| !l.contains(&format!(" {id}: "))).take_while(|l| !l.is_empty());
        let first = lines.next().unwrap_or_else(|| panic!("no check {id} in:\n{text}")).to_owned();
        let rest: Vec<&str> = lines.take_while(|l| l.starts_with("        ")).collect();
        format!("{first}\n{}", rest.join("\n"))
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn a_stale_key_shadowing_a_valid_login_is_named() {
    let mut m = Machine::new("shadow");
    m.login(3_600_000, true);
    write(&m.home.join(".bashrc"), &format!("alias ll='ls -l'\nexport ANTHROPIC_API_KEY={KEY}\n"));
    m.set("ANTHROPIC_API_KEY", KEY);
    let (code, text) = m.doctor(&[]);
    assert_eq!(code, 1);
    assert!(text.contains("most likely cause: credential.print — `claude -p` uses ANTHROPIC_API_KEY from the environment, which shadows the stored /login"), "{text}");
    let c = m.check(&[], "credential.print");
    assert!(c.starts_with("warn"), "{c}");
    assert!(c.contains("fix:  errsig doctor --fix unset-env"), "{c}");
    // The key is not approved for interactive use: interactive claude uses the login.
    assert!(m.check(&[], "credential.interactive").contains("interactive `claude` uses the stored /login"));
    // The fix names where the key is set, without its value, and changes nothing itself.
    let (code, text) = m.doctor(&["--fix", "unset-env"]);
    assert_eq!(code, 0);
    assert!(text.contains("run `unset ANTHROPIC_API_KEY` in this shell"), "{text}");
    assert!(text.contains(&format!("{}:2", m.home.join(".bashrc").display())), "{text}");
    // The markdown and JSON reports name it too, still without secrets.
    let (_, md) = m.doctor(&["--format", "markdown"]);
    assert!(md.starts_with("# errsig doctor report\n"));
    assert!(md.contains("**Most likely cause:** `credential.print`"));
    let (_, json) = m.doctor(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "credential.print").unwrap()["status"],
        "warn"
    );
}

#[test]
fn a_gateway_base_url_is_named() {
    let mut m = Machine::new("gateway");
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", "https://user:pw@llm-gateway.corp.example/anthropic/");
    let c = m.check(&[], "env.base-url");
    assert!(c.starts_with("warn"), "{c}");
    assert!(c.contains("points at llm-gateway.corp.example"), "{c}");
    assert!(!c.contains("user:pw"), "credentials in a URL are not shown");
    assert!(c.contains("a 403 may be that gateway's policy"));
}

#[test]
fn token_times_read_as_days_for_people_and_hours_for_programs() {
    let m = Machine::new("long-token");
    m.login((3 * 24 + 5) * 3_600_000 + 1_800_000, true);
    let c = m.check(&[], "stored.credentials-file");
    assert!(c.contains("access token valid for 3 days 5 h more"), "{c}");
    let (_, json) = m.doctor(&["--format", "json"]);
    assert!(json.contains("access token valid for 77 more hours"), "{json}");
}

#[test]
fn an_expired_login_is_named_and_moving_it_aside_can_be_undone() {
    let m = Machine::new("expired");
    m.login(-48 * 3_600_000, false);
    let file = m.home.join(".claude/.credentials.json");
    let original = std::fs::read(&file).unwrap();
    let c = m.check(&[], "stored.credentials-file");
    assert!(c.starts_with("FAIL"), "{c}");
    assert!(c.contains("access token expired 2 days ago") && c.contains("no refresh token"), "{c}");
    assert!(c.contains("--fix move-credentials"), "{c}");
    // Dry run: nothing moves.
    let (code, text) = m.doctor(&["--fix", "move-credentials"]);
    assert_eq!(code, 0);
    assert!(text.contains("dry run: nothing changed"), "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), original);
    // Applied: moved aside, never deleted.
    let (code, text) = m.doctor(&["--fix", "move-credentials", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert!(!file.exists());
    let backup = text
        .lines()
        .find_map(|l| l.strip_prefix("done: moved ").and_then(|l| l.split(" to ").nth(1)))
        .unwrap()
        .to_owned();
    assert_eq!(std::fs::read(&backup).unwrap(), original);
    // Restored byte for byte.
    let (code, text) = m.doctor(&["--restore", &backup]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), original);
    assert!(!Path::new(&backup).exists());
}

#[test]
fn a_broken_api_key_helper_is_named() {
    let m = Machine::new("helper");
    write(&m.home.join(".claude/settings.json"), "{\"apiKeyHelper\": \"~/bin/get-key.sh\"}");
    let c = m.check(&[], "settings.api-key-helper");
    assert!(c.starts_with("FAIL") && c.contains("missing or not executable"), "{c}");
    executable(&m.home.join("bin/get-key.sh"), "#!/bin/sh\necho 'vault: permission denied' >&2\nexit 3\n");
    let c = m.check(&[], "settings.api-key-helper");
    assert!(c.starts_with("ok") && c.contains("(not run)"), "not run without consent: {c}");
    let c = m.check(&["--run-helper"], "settings.api-key-helper");
    assert!(c.starts_with("FAIL") && c.contains("exited with status 3"), "{c}");
    executable(&m.home.join("bin/get-key.sh"), "#!/bin/sh\necho 'sk-ant-api03-FAKEhelperTRUNCATED'\n");
    let c = m.check(&["--run-helper"], "settings.api-key-helper");
    assert!(c.starts_with("FAIL") && c.contains("truncated"), "{c}");
    // The helper wins over a login.
    m.login(3_600_000, true);
    assert!(m.check(&[], "credential.print").contains("uses the apiKeyHelper, which shadows the stored /login"));
}

#[test]
fn an_admin_key_is_the_wrong_kind() {
    let mut m = Machine::new("admin");
    m.set("ANTHROPIC_API_KEY", ADMIN);
    let c = m.check(&[], "env.ANTHROPIC_API_KEY");
    assert!(c.starts_with("FAIL"), "{c}");
    assert!(c.contains("Admin API key (sk-ant-admin01)") && c.contains("cannot call the Messages API"), "{c}");
    let mut m = Machine::new("quoted");
    m.set("ANTHROPIC_API_KEY", &format!("\"{KEY}\"\n"));
    let c = m.check(&[], "env.ANTHROPIC_API_KEY");
    assert!(c.contains("quotes") && c.contains("line break"), "{c}");
}

#[test]
fn ci_files_and_the_keychain_on_macos() {
    let mut m = Machine::new("ci");
    write(
        &m.ws.join(".github/workflows/review.yml"),
        "jobs:\n  review:\n    steps:\n      - run: claude -p review\n        env:\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}\n",
    );
    let c = m.check(&[], "ci.files");
    assert!(c.contains(".github/workflows/review.yml:6: ANTHROPIC_API_KEY from secret ANTHROPIC_API_KEY"), "{c}");
    // macOS: the Keychain is asked for presence only; the fix never runs `security delete`.
    m.set("ERRSIG_DOCTOR_PLATFORM", "macos");
    let log = m.root.join("security.log");
    executable(&m.bin.join("security"), &format!("#!/bin/sh\necho \"$@\" >> {}\nexit 0\n", log.display()));
    let c = m.check(&[], "stored.keychain");
    assert!(c.contains("has a \"Claude Code-credentials\" item (its secret was not read)"), "{c}");
    let (code, text) = m.doctor(&["--fix", "keychain", "--yes"]);
    assert_eq!(code, 0);
    assert!(text.contains("security delete-generic-password -s \"Claude Code-credentials\""), "{text}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.lines().all(|l| l.starts_with("find-generic-password") && !l.contains("-w")), "{calls}");
}

#[test]
fn unset_env_edits_only_a_project_settings_file_with_a_backup() {
    let m = Machine::new("unset");
    let file = m.ws.join(".claude/settings.local.json");
    // Both variables in one file: one backup of the file as it was.
    let original = format!(
        "{{\n  \"env\": {{ \"ANTHROPIC_API_KEY\": \"{KEY}\", \"ANTHROPIC_AUTH_TOKEN\": \"{TOKEN}\", \"OTHER\": \"1\" }}\n}}\n"
    );
    write(&file, &original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (code, text) = m.doctor(&["--fix", "unset-env", "--yes"]);
    assert_eq!(code, 0, "{text}");
    let now = std::fs::read_to_string(&file).unwrap();
    assert!(
        !now.contains("ANTHROPIC_API_KEY") && !now.contains("ANTHROPIC_AUTH_TOKEN") && now.contains("OTHER"),
        "{now}"
    );
    let backups: Vec<&str> = text.lines().filter_map(|l| l.split("(backup ").nth(1)).collect();
    assert_eq!(backups.len(), 1, "{text}");
    let backup = backups[0].trim_end_matches(')').to_owned();
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600, "the backup stays private");
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (code, _) = m.doctor(&["--restore", &backup]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original, "byte for byte");
}

/// A request as the mock saw it: `METHOD /path` and lowercased headers.
type Seen = (String, BTreeMap<String, String>);

/// A mock Anthropic API on 127.0.0.1 that records every request.
struct Mock {
    url: String,
    requests: Arc<Mutex<Vec<Seen>>>,
}

fn mock(status: u16, body: &'static str, delay: Duration) -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let rec = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut headers = BTreeMap::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            rec.lock().unwrap().push((format!("{} {path}", line.split_whitespace().next().unwrap_or("")), headers));
            std::thread::sleep(delay);
            let resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nrequest-id: req_011CDoctorMockAbCdEfGhJk\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes());
        }
    });
    Mock { url, requests }
}

#[test]
fn the_probe_sends_one_request_to_the_configured_host_only() {
    let api = mock(
        403,
        r#"{"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CDoctorMockAbCdEfGhJk"}"#,
        Duration::ZERO,
    );
    let mut m = Machine::new("probe");
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", &api.url);
    // Not without --probe.
    assert!(m.check(&[], "probe").starts_with("skipped"));
    assert!(api.requests.lock().unwrap().is_empty());
    let c = m.check(&["--probe"], "probe");
    assert!(c.starts_with("FAIL"), "{c}");
    assert!(
        c.contains("HTTP 403 permission_error: Permission denied (request id req_011CDoctorMockAbCdEfGhJk)"),
        "{c}"
    );
    let reqs = api.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1, "exactly one request");
    let (line, h) = &reqs[0];
    assert_eq!(line, "GET /v1/models");
    assert_eq!(h["x-api-key"], KEY, "the credential, in the header Claude Code sends");
    assert_eq!(h["anthropic-version"], "2023-06-01");
    assert!(!h.contains_key("authorization"));
    assert_eq!(h["host"], api.url.trim_start_matches("http://"));

    // A token goes as a bearer token, and a success says what it does not prove.
    let ok = mock(200, r#"{"data":[{"id":"claude-opus-5-5"}]}"#, Duration::ZERO);
    let mut m = Machine::new("probe-token");
    m.set("ANTHROPIC_AUTH_TOKEN", TOKEN).set("ANTHROPIC_BASE_URL", &ok.url);
    let c = m.check(&["--probe"], "probe");
    assert!(c.starts_with("ok") && c.contains("/v1/models is not /v1/messages"), "{c}");
    let reqs = ok.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].1["authorization"], format!("Bearer {TOKEN}"));
    assert!(!reqs[0].1.contains_key("x-api-key"));
}

#[test]
fn the_probe_survives_slow_garbage_and_asks_before_a_project_base_url() {
    let slow = mock(200, "{}", Duration::from_secs(3));
    let mut m = Machine::new("probe-slow");
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", &slow.url).set("ERRSIG_DOCTOR_PROBE_TIMEOUT_MS", "500");
    let c = m.check(&["--probe"], "probe");
    assert!(c.starts_with("warn") && c.contains("no answer"), "{c}");

    let garbage = mock(502, "<html>bad gateway</html>", Duration::ZERO);
    let mut m = Machine::new("probe-garbage");
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", &garbage.url);
    let c = m.check(&["--probe"], "probe");
    assert!(c.starts_with("warn") && c.contains("HTTP 502") && c.contains("not an API error"), "{c}");

    let api = mock(200, "{}", Duration::ZERO);
    let mut m = Machine::new("probe-project");
    m.set("ANTHROPIC_API_KEY", KEY);
    write(&m.ws.join(".claude/settings.json"), &format!("{{\"env\":{{\"ANTHROPIC_BASE_URL\":\"{}\"}}}}", api.url));
    let c = m.check(&["--probe"], "probe");
    assert!(c.starts_with("skipped") && c.contains("a project file") && c.contains("--probe --yes"), "{c}");
    assert!(api.requests.lock().unwrap().is_empty(), "nothing sent without consent");
    let c = m.check(&["--probe", "--yes"], "probe");
    assert!(c.starts_with("ok"), "{c}");
    assert_eq!(api.requests.lock().unwrap().len(), 1);
}

#[test]
fn a_tool_that_leaves_children_behind_does_not_hang_the_doctor() {
    let mut m = Machine::new("hang");
    m.set("ERRSIG_DOCTOR_RUN_TIMEOUT_MS", "300");
    // `claude` starts a long sleep that keeps the output pipe open, then sleeps.
    executable(&m.bin.join("claude"), "#!/bin/sh\nsleep 300 &\nsleep 300\n");
    let start = std::time::Instant::now();
    let c = m.check(&[], "tools.claude");
    // A hang would be 300 s per run; the bound is far from any speed target.
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
    assert!(c.contains("(version unknown)"), "{c}");
    let c = m.check(&[], "tools.auth-status");
    assert!(c.starts_with("skipped") && c.contains("did not answer"), "{c}");
}
