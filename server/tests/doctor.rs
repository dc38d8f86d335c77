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
        let mut lines = text.lines().skip_while(|l| !l.contains(&format!(" {id} — "))).take_while(|l| !l.is_empty());
        let first = lines.next().unwrap_or_else(|| panic!("no check {id} in:\n{text}")).to_owned();
        let rest: Vec<&str> = lines.take_while(|l| l.starts_with("        ")).collect();
        format!("{first}\n{}", rest.join("\n"))
    }
}

impl Machine {
    /// The headline: (exit status, the `cause:` line, the `fix:` line, the whole text).
    fn headline(&self, args: &[&str]) -> (i32, String, String, String) {
        let (code, text) = self.doctor(args);
        let line = |p: &str| text.lines().find(|l| l.starts_with(p)).map(str::to_owned).unwrap_or_default();
        let cause = line("cause:");
        let cause = if cause.is_empty() { line("no cause:") } else { cause };
        let because = line("because:");
        (code, format!("{cause}\n{because}"), line("fix:"), text)
    }

    fn workspace_files(&self) -> Vec<PathBuf> {
        fn walk(d: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut v = Vec::new();
        walk(&self.ws, &mut v);
        v.sort();
        v
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
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("`claude -p` sends ANTHROPIC_API_KEY from the environment, not your stored /login (interactive `claude` uses the stored /login)"), "{text}");
    assert!(cause.contains("because:  a key or token set anywhere outranks the login"), "{cause}");
    assert!(fix.contains("unset ANTHROPIC_API_KEY") && text.contains("errsig doctor --fix unset-env"), "{fix}");
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
    assert!(md.contains("**Most likely cause:** `claude -p` sends ANTHROPIC_API_KEY"), "{md}");
    let (_, json) = m.doctor(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "credential.print").unwrap()["status"],
        "warn"
    );
    assert_eq!(v["diagnosis"]["cause"]["id"], "shadowing");
    assert_eq!(v["diagnosis"]["cause"]["remedy"]["fix"], "unset-env");
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
    let id = backup_id(&text);
    let store = m.home.join(".local/state/errsig/backups");
    let kept: Vec<PathBuf> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".credentials.json"))
        .collect();
    assert_eq!(kept.len(), 1, "{text}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), original);
    // Restored byte for byte, by id.
    let (code, text) = m.doctor(&["--restore", &id]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), original);
    assert!(!kept[0].exists());
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
    let backups: Vec<&str> = text.lines().filter(|l| l.contains("(backup ")).collect();
    assert_eq!(backups.len(), 1, "{text}");
    let id = backup_id(&text);
    let (_, list) = m.doctor(&["--backups"]);
    assert!(list.contains(&id) && list.contains(&file.display().to_string()), "{list}");
    let backup = m.home.join(".local/state/errsig/backups").join(format!("{id}-settings.local.json"));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600, "the backup stays private");
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (code, _) = m.doctor(&["--restore", &backup.display().to_string()]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original, "byte for byte");
}

/// The backup id a fix printed (`… (errsig doctor --restore ID)`).
fn backup_id(text: &str) -> String {
    text.lines()
        .filter(|l| l.starts_with("done: "))
        .find_map(|l| l.split("errsig doctor --restore ").nth(1))
        .map(|r| r.trim_end_matches(')').to_owned())
        .unwrap_or_else(|| panic!("no backup id in:\n{text}"))
}

/// A request as the mock saw it: `METHOD /path` and lowercased headers.
type Seen = (String, BTreeMap<String, String>);

/// A mock Anthropic API on 127.0.0.1 that records every request.
struct Mock {
    url: String,
    requests: Arc<Mutex<Vec<Seen>>>,
}

fn mock(status: u16, body: &'static str, delay: Duration) -> Mock {
    mock_with(status, body, delay, true)
}

/// `api`: answer as the API does (JSON, a `request-id` header); otherwise
/// as a proxy's HTML page, with no request id.
fn mock_with(status: u16, body: &'static str, delay: Duration, api: bool) -> Mock {
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
            let head = if api {
                "content-type: application/json\r\nrequest-id: req_011CDoctorMockAbCdEfGhJk\r\n"
            } else {
                "content-type: text/html\r\nserver: nginx\r\n"
            };
            let resp = format!(
                "HTTP/1.1 {status} X\r\n{head}content-length: {}\r\nconnection: close\r\n\r\n{body}",
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

// ---- Scenarios: one per kind of machine the issue lists; each asserts the
// headline (the cause with its because) and the one fix. ----------------------

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/real");

fn key_like(tag: &str) -> String {
    let body = format!("{tag}{}", "x".repeat(93));
    format!("sk-ant-api03-{}AA", &body[..93])
}

#[test]
fn scenario_shape_of_the_key_sent_outranks_everything() {
    // Each malformed key beside a valid login: the headline is the key's
    // shape (not the shadowing, not "no credential"), with its because.
    let cases: &[(&str, String, &str, &str)] = &[
        ("quotes", format!("\"{KEY}\""), "wrapped in quotes", "the quotes are part of the value"),
        ("cr", format!("{KEY}\r"), "carriage return", "invisible characters"),
        ("truncated", KEY[..70].to_owned(), "truncated or altered", "not a key the API knows"),
        ("admin", ADMIN.to_owned(), "Admin API key manages the organization", "cannot call the Messages API"),
        ("oauth-in-key", TOKEN.to_owned(), "belongs in CLAUDE_CODE_OAUTH_TOKEN", "is not an API key"),
    ];
    for (name, value, what, because) in cases {
        let mut m = Machine::new(&format!("shape-{name}"));
        m.login(3_600_000, true);
        m.set("ANTHROPIC_API_KEY", value);
        let (code, cause, fix, text) = m.headline(&[]);
        assert_eq!(code, 1, "{name}: {text}");
        assert!(
            cause.contains("`claude -p` sends ANTHROPIC_API_KEY from the environment") && cause.contains(what),
            "{name}: {text}"
        );
        assert!(cause.contains(because), "{name}: {cause}");
        let want = match *name {
            "admin" => "put an API key (sk-ant-api03-…) from the Console in ANTHROPIC_API_KEY",
            "oauth-in-key" => "move the token to CLAUDE_CODE_OAUTH_TOKEN",
            _ => "set ANTHROPIC_API_KEY again",
        };
        assert!(fix.contains(want), "{name}: {fix}");
        assert!(!text.contains("no credential at all"), "{name}: {text}");
    }
}

#[test]
fn scenario_an_unapproved_key_is_a_one_time_prompt_not_no_credential() {
    let mut m = Machine::new("unapproved");
    m.set("ANTHROPIC_API_KEY", &format!("\"{KEY}\""));
    let c = m.check(&[], "credential.interactive");
    assert!(c.contains("asks once whether to use ANTHROPIC_API_KEY"), "{c}");
    assert!(!c.contains("no credential at all"), "{c}");
}

#[test]
fn scenario_a_probe_401_is_evidence_not_the_headline() {
    let api = mock(
        401,
        r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        Duration::ZERO,
    );
    let mut m = Machine::new("probe-401");
    m.set("ANTHROPIC_API_KEY", &format!("{KEY}\r")).set("ANTHROPIC_BASE_URL", &api.url);
    let (code, cause, _, text) = m.headline(&["--probe"]);
    assert_eq!(code, 1);
    assert!(cause.contains("carriage return"), "{text}");
    assert!(
        text.contains("evidence: the probe got HTTP 401 authentication_error: invalid x-api-key from the API"),
        "{text}"
    );
}

#[test]
fn scenario_a_probes_html_403_is_the_proxy_not_the_role() {
    let proxy = mock_with(
        403,
        "<html><head><title>403 Forbidden</title></head><body>nginx</body></html>",
        Duration::ZERO,
        false,
    );
    let mut m = Machine::new("probe-html");
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", &proxy.url);
    let (code, cause, fix, text) = m.headline(&["--probe"]);
    assert_eq!(code, 1);
    assert!(cause.contains("requests go to 127.0.0.1") && cause.contains("not to Anthropic"), "{text}");
    assert!(cause.contains("a gateway answers with its own policy"), "{cause}");
    assert!(text.contains("no API error and no request id: something other than the API answered"), "{text}");
    assert!(fix.contains("unset ANTHROPIC_BASE_URL"), "{fix}");
    assert!(!text.contains("role and organization"), "not the role: {text}");
}

#[test]
fn scenario_a_token_claude_code_will_refresh_is_healthy() {
    let m = Machine::new("refresh");
    m.login(-5 * 3_600_000, true);
    let (code, cause, _, text) = m.headline(&[]);
    assert_eq!(code, 0, "{text}");
    assert!(cause.starts_with("no cause: nothing on this machine can cause an API error"), "{text}");
    assert!(
        text.contains("info:     the stored login's access token expired 5 h ago; Claude Code renews it"),
        "{text}"
    );
    // The same login, against an error that says it was revoked: /login.
    let (code, cause, fix, text) = m.headline(&["--rule", "oauth-token-revoked"]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("the stored /login was refused: revoked"), "{text}");
    assert!(fix.contains("run `claude /login`"), "{fix}");
}

#[test]
fn scenario_an_expired_login_without_refresh_needs_login() {
    let m = Machine::new("expired-norefresh");
    m.login(-3 * 3_600_000, false);
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(
        cause.contains("expired 3 h ago and has no refresh token") && cause.contains("Claude Code cannot renew it"),
        "{cause}"
    );
    assert!(fix.contains("run `claude /login`"), "{fix}");
}

#[test]
fn scenario_cloud_providers_without_their_settings() {
    let mut m = Machine::new("bedrock");
    m.login(3_600_000, true);
    m.set("CLAUDE_CODE_USE_BEDROCK", "1");
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(cause.contains("switched to Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK=1) without AWS_REGION"), "{text}");
    assert!(cause.contains("AWS credentials"), "{cause}");
    assert!(fix.contains("set AWS_REGION"), "{fix}");
    // Complete (a Bedrock API key and a region): a Bedrock denial is AWS's side.
    m.set("AWS_REGION", "us-east-1").set("AWS_BEARER_TOKEN_BEDROCK", "FAKEdoctorBEDROCK");
    let (code, _, _, text) = m.headline(&[]);
    assert_eq!(code, 0, "a complete Bedrock setup is healthy: {text}");
    let (code, cause, fix, text) = m.headline(&["--rule", "403-bedrock"]);
    assert_eq!(code, 1);
    assert!(cause.contains("Claude Code uses Amazon Bedrock (AWS_REGION=us-east-1"), "{text}");
    assert!(cause.contains("not from an Anthropic key or login"), "{cause}");
    assert!(text.contains("run `aws sts get-caller-identity`") && fix.contains("model access"), "{text}");

    let mut m = Machine::new("vertex");
    m.set("CLAUDE_CODE_USE_VERTEX", "1").set("CLOUD_ML_REGION", "us-east5");
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(
        cause.contains("Google Vertex AI (CLAUDE_CODE_USE_VERTEX=1) without ANTHROPIC_VERTEX_PROJECT_ID"),
        "{cause}"
    );
    assert!(fix.contains("set ANTHROPIC_VERTEX_PROJECT_ID"), "{fix}");

    let mut m = Machine::new("foundry");
    m.set("CLAUDE_CODE_USE_FOUNDRY", "1").set("ANTHROPIC_FOUNDRY_API_KEY", "FAKEdoctorFOUNDRY");
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(
        cause.contains("Microsoft Foundry (CLAUDE_CODE_USE_FOUNDRY=1) without ANTHROPIC_FOUNDRY_RESOURCE"),
        "{cause}"
    );
    assert!(fix.contains("set ANTHROPIC_FOUNDRY_RESOURCE"), "{fix}");
}

#[test]
fn scenario_login_rules_against_the_stored_login() {
    let m = Machine::new("force-method");
    m.login(3_600_000, true);
    write(&m.ws.join(".claude/settings.json"), "{\"forceLoginMethod\": \"console\"}");
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(
        cause.contains("forceLoginMethod is \"console\" but the stored login is a Claude subscription (max)"),
        "{cause}"
    );
    assert!(cause.contains("refuses a login that its managed or project rule does not allow"), "{cause}");
    assert!(fix.contains("`claude /logout`, then `claude /login`"), "{fix}");

    let m = Machine::new("force-org");
    m.login(3_600_000, true);
    write(&m.root.join("managed-settings.json"), "{\"forceLoginOrgUUID\": \"11111111-2222-3333-4444-555555555555\"}");
    write(
        &m.home.join(".claude.json"),
        "{\"oauthAccount\": {\"organizationUuid\": \"99999999-8888-7777-6666-555555555555\"}}",
    );
    let (code, cause, _, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(cause.contains("forceLoginOrgUUID allows 11111111-2222-3333-4444-555555555555 but the stored login belongs to organization 99999999"), "{cause}");
}

#[test]
fn scenario_config_dir_without_the_login_home_has() {
    let mut m = Machine::new("config-dir");
    m.login(3_600_000, true);
    let elsewhere = m.root.join("work-profile");
    std::fs::create_dir_all(&elsewhere).unwrap();
    m.set("CLAUDE_CONFIG_DIR", &elsewhere.display().to_string());
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(
        cause.contains(&format!("CLAUDE_CONFIG_DIR={} has no stored login, while", elsewhere.display())),
        "{cause}"
    );
    assert!(cause.contains("reads its login only from CLAUDE_CONFIG_DIR"), "{cause}");
    assert!(fix.contains("unset CLAUDE_CONFIG_DIR"), "{fix}");
}

#[test]
fn scenario_ci_passes_the_credential_as_the_actions_input() {
    let m = Machine::new("ci-inputs");
    write(
        &m.ws.join(".github/workflows/claude.yml"),
        "jobs:\n  claude:\n    steps:\n      - uses: anthropics/claude-code-action@v1\n        with:\n          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}\n          claude_code_oauth_token: ${{ secrets.CLAUDE_CODE_OAUTH_TOKEN }}\n",
    );
    let c = m.check(&[], "ci.files");
    assert!(
        c.contains(
            ".github/workflows/claude.yml:6: the action's input anthropic_api_key from secret ANTHROPIC_API_KEY"
        ),
        "{c}"
    );
    assert!(c.contains(":7: the action's input claude_code_oauth_token from secret CLAUDE_CODE_OAUTH_TOKEN"), "{c}");
    assert!(!c.contains("none passes"), "{c}");
    let (code, cause, fix, text) = m.headline(&["--rule", "401-authentication"]);
    assert_eq!(code, 1);
    assert!(
        cause.contains(
            "this machine has no credential, so the failing run is CI's, which passes .github/workflows/claude.yml:6"
        ),
        "{text}"
    );
    assert!(fix.contains("replace that repository secret"), "{fix}");
}

#[test]
fn scenario_paths_on_macos_and_windows() {
    // macOS: managed settings under /Library (a fake root), backups in
    // ~/Library/Application Support/errsig/backups.
    let mut m = Machine::new("macos");
    m.env.remove("ERRSIG_DOCTOR_MANAGED_SETTINGS");
    let root = m.root.join("fsroot");
    m.set("ERRSIG_DOCTOR_PLATFORM", "macos").set("ERRSIG_DOCTOR_ROOT", &root.display().to_string());
    m.set("ANTHROPIC_API_KEY", KEY);
    executable(&m.bin.join("security"), "#!/bin/sh\nexit 44\n");
    let managed = root.join("Library/Application Support/ClaudeCode/managed-settings.json");
    write(&managed, "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://llm.corp.example\"}}");
    let (_, cause, _, text) = m.headline(&[]);
    assert!(
        cause.contains(&format!(
            "requests go to llm.corp.example (ANTHROPIC_BASE_URL from the env block of {})",
            managed.display()
        )),
        "{text}"
    );
    let file = m.ws.join(".claude/settings.json");
    write(&file, &format!("{{\"env\": {{\"ANTHROPIC_API_KEY\": \"{KEY}\"}}}}"));
    let (code, text) = m.doctor(&["--fix", "unset-env", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_dir(m.home.join("Library/Application Support/errsig/backups")).unwrap().count(),
        2,
        "backup + index"
    );

    // Windows: C:\Program Files\ClaudeCode (under the fake root), USERPROFILE,
    // PowerShell profiles and the PowerShell way to unset.
    let mut m = Machine::new("windows");
    m.env.remove("ERRSIG_DOCTOR_MANAGED_SETTINGS");
    let root = m.root.join("fsroot");
    let profile = m.root.join("userprofile");
    m.set("ERRSIG_DOCTOR_PLATFORM", "windows").set("ERRSIG_DOCTOR_ROOT", &root.display().to_string());
    m.set("USERPROFILE", &profile.display().to_string()).set("ANTHROPIC_API_KEY", KEY);
    write(&root.join("Program Files/ClaudeCode/managed-settings.json"), "{\"forceLoginMethod\": \"console\"}");
    write(
        &profile.join("Documents/PowerShell/Microsoft.PowerShell_profile.ps1"),
        &format!("Set-Alias ll ls\n$env:ANTHROPIC_API_KEY = \"{KEY}\"\n"),
    );
    let c = m.check(&[], "settings.managed");
    assert!(c.contains("Program Files") && c.contains("parses"), "{c}");
    let (_, text) = m.doctor(&["--fix", "unset-env"]);
    assert!(text.contains("run `Remove-Item Env:ANTHROPIC_API_KEY` in this PowerShell"), "{text}");
    assert!(text.contains("Microsoft.PowerShell_profile.ps1:2"), "{text}");
    let c = m.check(&[], "stored.credentials-file");
    assert!(c.contains(&profile.join(".claude").display().to_string()), "the login is under USERPROFILE: {c}");
}

#[test]
fn scenario_a_local_base_url_over_the_teams_names_both_and_fixes_its_file() {
    let mut m = Machine::new("base-url-local");
    m.set("ANTHROPIC_API_KEY", KEY);
    let team = m.ws.join(".claude/settings.json");
    let local = m.ws.join(".claude/settings.local.json");
    write(&team, "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://gateway.team.example\"}}");
    write(&local, "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://old-proxy.example\", \"OTHER\": \"1\"}}");
    let (code, cause, fix, text) = m.headline(&["--rule", "403-gateway"]);
    assert_eq!(code, 1);
    assert!(
        cause.contains(&format!(
            "requests go to old-proxy.example (ANTHROPIC_BASE_URL from the env block of {})",
            local.display()
        )),
        "{text}"
    );
    assert!(
        cause.contains(&format!("this value overrides gateway.team.example from the env block of {}", team.display())),
        "{cause}"
    );
    assert!(
        fix.contains(&format!("remove ANTHROPIC_BASE_URL from {} — the file it comes from", local.display())),
        "{fix}"
    );
    assert!(text.contains("errsig doctor --fix unset-base-url"), "{text}");
    let (code, text) = m.doctor(&["--fix", "unset-base-url", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert!(!std::fs::read_to_string(&local).unwrap().contains("ANTHROPIC_BASE_URL"));
    assert!(std::fs::read_to_string(&team).unwrap().contains("gateway.team.example"), "the team's file is untouched");
}

#[test]
fn scenario_a_helper_that_prints_nothing_gets_a_next_step() {
    let m = Machine::new("helper-empty");
    m.login(3_600_000, true);
    write(&m.home.join(".claude/settings.json"), "{\"apiKeyHelper\": \"~/bin/get-key.sh\"}");
    executable(&m.home.join("bin/get-key.sh"), "#!/bin/sh\nexit 0\n");
    let c = m.check(&["--run-helper"], "settings.api-key-helper");
    assert!(
        c.contains("exited 0 but printed nothing")
            && c.contains("next: Claude Code gets an empty key from it. Run `~/bin/get-key.sh` by hand"),
        "{c}"
    );
    let (code, cause, fix, _) = m.headline(&["--run-helper"]);
    assert_eq!(code, 1);
    assert!(
        cause.contains("takes its key from the apiKeyHelper") && cause.contains("it exits 0 but prints nothing"),
        "{cause}"
    );
    assert!(fix.contains("run `~/bin/get-key.sh` by hand: it must print the key on standard output"), "{fix}");
}

#[test]
fn scenario_a_settings_env_block_wins_over_the_shell() {
    let mut m = Machine::new("precedence");
    m.login(3_600_000, true);
    let shell_key = key_like("SHELL");
    m.set("ANTHROPIC_API_KEY", &shell_key);
    let user = m.home.join(".claude/settings.json");
    write(&user, &format!("{{\"env\": {{\"ANTHROPIC_API_KEY\": \"\\\"{KEY}\\\"\"}}}}"));
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(cause.contains(&format!("`claude -p` sends ANTHROPIC_API_KEY from the env block of {} (a settings env block is applied over the shell: the shell's ANTHROPIC_API_KEY is not used), and it is wrapped in quotes", user.display())), "{text}");
    assert!(fix.contains(&format!("in the env block of {}", user.display())), "{fix}");
}

#[test]
fn scenario_output_keeps_names_and_reads_well() {
    let mut m = Machine::new("output");
    m.set("ANTHROPIC_API_KEY", "").set("ANTHROPIC_AUTH_TOKEN", "gw-FAKEdoctor-token");
    let (_, text) = m.doctor(&[]);
    assert!(text.contains("env.ANTHROPIC_API_KEY — ANTHROPIC_API_KEY from the environment: an empty value"), "{text}");
    assert!(text.contains("a value that is not an Anthropic key"), "{text}");
    assert!(!text.contains("[REDACTED] from the environment"), "{text}");
    assert!(!text.contains("a not an") && !text.contains("an empty of"), "{text}");
}

#[test]
fn scenario_backups_are_private_and_never_in_the_workspace() {
    let mut m = Machine::new("backups");
    let state = m.root.join("state");
    m.set("XDG_STATE_HOME", &state.display().to_string());
    let file = m.ws.join(".claude/settings.json");
    let original = format!("{{\"env\": {{\"ANTHROPIC_API_KEY\": \"{KEY}\"}}}}\n");
    write(&file, &original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let before = m.workspace_files();
    let (code, text) = m.doctor(&["--fix", "unset-env", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(m.workspace_files(), before, "nothing new inside the workspace");
    for f in m.workspace_files() {
        assert!(!std::fs::read_to_string(&f).unwrap().contains("FAKEdoctor"), "{} still holds the key", f.display());
    }
    let dir = state.join("errsig/backups");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
        }
    }
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index[0]["original"], file.display().to_string());
    assert_eq!(index[0]["fix"], "unset-env");
    let id = backup_id(&text);
    let (code, text) = m.doctor(&["--restore", &id]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original, "byte for byte");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o644, "its own mode back");
    }
    // A backup made by an older version, beside its original, restores too.
    let old = m.ws.join(".claude/settings.json.errsig-backup-1700000000");
    write(&old, "{\"old\": true}\n");
    let (code, text) = m.doctor(&["--restore", &old.display().to_string()]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"old\": true}\n");
    assert!(!old.exists());
    assert!(text.contains("kept the current"), "the file in its place went to the backups first: {text}");
    let (code, text) = m.doctor(&["--restore", "no-such-backup"]);
    assert_eq!(code, 2, "{text}");
}

#[test]
fn scenario_a_healthy_machine_exits_zero() {
    let m = Machine::new("healthy");
    m.login(3_600_000, true);
    std::fs::write(m.home.join(".fake-auth-status"), "0").unwrap();
    let (code, cause, _, text) = m.headline(&[]);
    assert_eq!(code, 0, "{text}");
    assert!(cause.starts_with("no cause"), "{text}");
}

#[test]
fn scenario_for_a_finding_in_a_real_capture() {
    // Claude Code printed a gateway's HTML 403: with a gateway configured,
    // that is the cause — not the key and not the role.
    let mut m = Machine::new("for-gateway");
    m.login(3_600_000, true);
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", "https://llm-gateway.corp.example");
    let at = format!("{FIXTURES}/cc-2.1-print-gateway_html.txt:1");
    let (code, cause, fix, text) = m.headline(&["--for", &at]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("for:      Gateway 403"), "{text}");
    assert!(cause.contains("requests go to llm-gateway.corp.example"), "{text}");
    assert!(fix.contains("unset ANTHROPIC_BASE_URL"), "{fix}");
    assert!(text.contains("also possible:"), "{text}");
    // A Python SDK's 401 reasons about what the SDK reads: its environment,
    // not Claude Code's settings or login.
    let mut m = Machine::new("for-sdk");
    m.login(3_600_000, true);
    write(&m.ws.join(".claude/settings.json"), &format!("{{\"env\": {{\"ANTHROPIC_API_KEY\": \"{KEY}\"}}}}"));
    m.set("ANTHROPIC_API_KEY", &KEY[..50]);
    let at = format!("{FIXTURES}/py-sdk-print-auth_401.txt:4");
    let (code, cause, fix, text) = m.headline(&["--for", &at]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("printed by python-sdk"), "{text}");
    assert!(
        cause.contains("the program reads ANTHROPIC_API_KEY from its environment") && cause.contains("truncated"),
        "{text}"
    );
    assert!(fix.contains("set ANTHROPIC_API_KEY again"), "{fix}");
    assert!(text.contains("info:     the error was printed by a program other than Claude Code"), "{text}");
    let (code, text) = m.doctor(&["--for", "/nonexistent.log:1"]);
    assert_eq!(code, 2, "{text}");
}

#[test]
fn scenario_an_unapproved_good_key_alone_is_information_not_a_cause() {
    // A well-formed key, not approved for interactive use, and no login:
    // interactive Claude Code asks once — nothing here causes an error.
    let mut m = Machine::new("unapproved-good");
    m.set("ANTHROPIC_API_KEY", KEY);
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 0, "{text}");
    assert!(cause.starts_with("no cause: nothing on this machine can cause an API error"), "{text}");
    assert!(fix.is_empty(), "no fix for information: {text}");
    assert!(
        text.contains("info:     ANTHROPIC_API_KEY is not approved for interactive use: interactive Claude Code asks once whether to use it"),
        "{text}"
    );
    assert!(!text.contains("no credential at all"), "{text}");
}

#[test]
fn scenario_a_probe_401_strengthens_the_cause_it_agrees_with() {
    let api = mock(
        401,
        r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        Duration::ZERO,
    );
    // A malformed key: the headline stays the key's shape, with its fix.
    let mut m = Machine::new("probe-401-fix");
    m.set("ANTHROPIC_API_KEY", &format!("{KEY}\r")).set("ANTHROPIC_BASE_URL", &api.url);
    let (code, cause, fix, text) = m.headline(&["--probe"]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("carriage return") && cause.contains("invisible characters"), "{text}");
    assert!(fix.contains("set ANTHROPIC_API_KEY again"), "{fix}");
    // A well-formed key the API refuses through a base URL: the API's own
    // error (with its request id) came through, so the key is the cause,
    // not the gateway that passed the refusal on.
    let mut m = Machine::new("probe-401-refused");
    m.set("ANTHROPIC_API_KEY", KEY).set("ANTHROPIC_BASE_URL", &api.url);
    let (code, cause, fix, text) = m.headline(&["--probe"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        cause.contains("`claude -p` sends ANTHROPIC_API_KEY from the environment, and the API refuses it"),
        "{text}"
    );
    assert!(cause.contains("revoked or belong to another organization"), "{cause}");
    assert!(fix.contains("create a new key in the Console"), "{fix}");
    assert!(
        text.contains("evidence: the probe got HTTP 401 authentication_error: invalid x-api-key from the API"),
        "{text}"
    );
    assert!(!text.starts_with("cause:    requests go to"), "{text}");
}

#[test]
fn scenario_cloud_providers_each_missing_piece() {
    // Bedrock with a region but no credentials at all.
    let mut m = Machine::new("bedrock-nocreds");
    m.set("CLAUDE_CODE_USE_BEDROCK", "1").set("AWS_REGION", "us-east-1");
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK=1) without AWS credentials"), "{cause}");
    assert!(cause.contains("because:  with CLAUDE_CODE_USE_BEDROCK=1 every request goes to Amazon Bedrock"), "{cause}");
    assert!(fix.contains("set AWS credentials") && fix.contains("AWS_BEARER_TOKEN_BEDROCK"), "{fix}");
    // ~/.aws without a [default] profile is no credentials either.
    write(&m.home.join(".aws/config"), "[profile dev]\nregion = us-east-1\n");
    let (code, cause, _, text) = m.headline(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("without AWS credentials"), "{cause}");
    // A profile that exists is credentials; one that does not is the cause.
    m.set("AWS_PROFILE", "dev");
    let (code, _, _, text) = m.headline(&[]);
    assert_eq!(code, 0, "{text}");
    m.set("AWS_PROFILE", "gone");
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("without the AWS profile gone (AWS_PROFILE), which is in neither"), "{cause}");
    assert!(fix.contains("create the profile gone (`aws configure --profile gone`"), "{fix}");
    // A Bedrock API key alone, and no region.
    let mut m = Machine::new("bedrock-token-noregion");
    m.set("CLAUDE_CODE_USE_BEDROCK", "1").set("AWS_BEARER_TOKEN_BEDROCK", "FAKEdoctorBEDROCK");
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(cause.contains("without AWS_REGION") && !cause.contains("AWS credentials"), "{cause}");
    assert!(fix.contains("set AWS_REGION"), "{fix}");

    // Vertex with a project but no region.
    let mut m = Machine::new("vertex-noregion");
    write(&m.root.join("adc.json"), "{}");
    let adc = m.root.join("adc.json").display().to_string();
    m.set("CLAUDE_CODE_USE_VERTEX", "1")
        .set("ANTHROPIC_VERTEX_PROJECT_ID", "proj")
        .set("GOOGLE_APPLICATION_CREDENTIALS", &adc);
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(cause.contains("Google Vertex AI (CLAUDE_CODE_USE_VERTEX=1) without CLOUD_ML_REGION"), "{cause}");
    assert!(
        cause.contains("because:  with CLAUDE_CODE_USE_VERTEX=1 every request goes to Google Vertex AI"),
        "{cause}"
    );
    assert!(fix.contains("set CLOUD_ML_REGION"), "{fix}");

    // Foundry with a resource and no credentials.
    let mut m = Machine::new("foundry-nocreds");
    m.set("CLAUDE_CODE_USE_FOUNDRY", "1").set("ANTHROPIC_FOUNDRY_RESOURCE", "my-resource");
    let (code, cause, fix, _) = m.headline(&[]);
    assert_eq!(code, 1);
    assert!(cause.contains("Microsoft Foundry (CLAUDE_CODE_USE_FOUNDRY=1) without credentials"), "{cause}");
    assert!(
        cause.contains("because:  with CLAUDE_CODE_USE_FOUNDRY=1 every request goes to Microsoft Foundry"),
        "{cause}"
    );
    assert!(fix.contains("ANTHROPIC_FOUNDRY_API_KEY") && fix.contains("az login"), "{fix}");
    // Complete: healthy.
    m.set("ANTHROPIC_FOUNDRY_API_KEY", "FAKEdoctorFOUNDRY");
    let (code, _, _, text) = m.headline(&[]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn scenario_a_login_organization_rule_has_its_fix() {
    let m = Machine::new("force-org-fix");
    m.login(3_600_000, true);
    let managed = m.root.join("managed-settings.json");
    write(&managed, "{\"forceLoginOrgUUID\": [\"11111111-2222-3333-4444-555555555555\"]}");
    write(
        &m.home.join(".claude.json"),
        "{\"oauthAccount\": {\"organizationUuid\": \"99999999-8888-7777-6666-555555555555\"}}",
    );
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        cause
            .contains(&format!("belongs to organization 99999999-8888-7777-6666-555555555555 ({})", managed.display())),
        "{cause}"
    );
    assert!(
        cause.contains("because:  Claude Code refuses a login that its managed or project rule does not allow"),
        "{cause}"
    );
    assert!(
        fix.contains(&format!(
            "`claude /logout`, then `claude /login` with the method and organization {} allows",
            managed.display()
        )),
        "{fix}"
    );
    // The stored login of the allowed organization: healthy.
    write(
        &m.home.join(".claude.json"),
        "{\"oauthAccount\": {\"organizationUuid\": \"11111111-2222-3333-4444-555555555555\"}}",
    );
    let (code, _, _, text) = m.headline(&[]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn scenario_managed_settings_are_the_administrators_not_the_users_to_edit() {
    // macOS: a base URL from the managed settings is named with its file,
    // and the fix is not "remove it from" a file the user cannot edit.
    let mut m = Machine::new("macos-managed-fix");
    m.env.remove("ERRSIG_DOCTOR_MANAGED_SETTINGS");
    let root = m.root.join("fsroot");
    m.set("ERRSIG_DOCTOR_PLATFORM", "macos").set("ERRSIG_DOCTOR_ROOT", &root.display().to_string());
    m.set("ANTHROPIC_API_KEY", KEY);
    executable(&m.bin.join("security"), "#!/bin/sh\nexit 44\n");
    let managed = root.join("Library/Application Support/ClaudeCode/managed-settings.json");
    write(&managed, "{\"env\": {\"ANTHROPIC_BASE_URL\": \"https://llm.corp.example\"}}");
    let (code, cause, fix, text) = m.headline(&["--rule", "403-gateway"]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains(&format!("from the env block of {}", managed.display())), "{cause}");
    assert!(
        fix.contains(&format!("the managed settings file {} is your administrator's", managed.display()))
            && fix.contains("ask the administrator"),
        "{fix}"
    );
    assert!(!fix.starts_with("fix:      remove ANTHROPIC_BASE_URL"), "{fix}");
    assert!(!text.contains("--fix unset-base-url"), "no errsig fix edits managed settings: {text}");

    // Windows: with nothing in C:\Program Files, C:\ProgramData's file is
    // the managed one; backups go to %LOCALAPPDATA%\errsig\backups.
    let mut m = Machine::new("windows-programdata");
    m.env.remove("ERRSIG_DOCTOR_MANAGED_SETTINGS");
    let root = m.root.join("fsroot");
    let profile = m.root.join("userprofile");
    let local = m.root.join("localappdata");
    m.set("ERRSIG_DOCTOR_PLATFORM", "windows").set("ERRSIG_DOCTOR_ROOT", &root.display().to_string());
    m.set("USERPROFILE", &profile.display().to_string()).set("LOCALAPPDATA", &local.display().to_string());
    let managed = root.join("ProgramData/ClaudeCode/managed-settings.json");
    write(&managed, "{\"forceLoginMethod\": \"console\"}");
    let creds = profile.join(".claude/.credentials.json");
    write(
        &creds,
        &format!(
            "{{\"claudeAiOauth\":{{\"accessToken\":\"{TOKEN}\",\"expiresAt\":{},\"scopes\":[\"user:inference\"],\"subscriptionType\":\"pro\"}}}}",
            now_ms() + 3_600_000
        ),
    );
    let (code, cause, fix, text) = m.headline(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        cause.contains(&format!(
            "forceLoginMethod is \"console\" but the stored login is a Claude subscription (pro) ({})",
            managed.display()
        )),
        "{text}"
    );
    assert!(fix.contains("`claude /logout`, then `claude /login`"), "{fix}");
    let file = m.ws.join(".claude/settings.json");
    write(&file, &format!("{{\"env\": {{\"ANTHROPIC_API_KEY\": \"{KEY}\"}}}}"));
    let (code, text) = m.doctor(&["--fix", "unset-env", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert!(local.join("errsig/backups/index.json").is_file(), "{text}");
}

#[test]
fn scenario_for_conditions_the_cause_on_the_error() {
    // One machine with several candidate causes: a truncated key for
    // `claude -p`, a stored login for interactive `claude`, a proxy. Each
    // real capture points at a different one.
    let mut m = Machine::new("for-conditioned");
    m.login(3_600_000, true);
    m.set("ANTHROPIC_API_KEY", &KEY[..60]).set("HTTPS_PROXY", "http://proxy.corp.example:3128");
    let at = |f: &str| format!("{FIXTURES}/{f}.txt:1");
    // 401 "Invalid API key": the key's shape.
    let (code, cause, fix, text) = m.headline(&["--for", &at("cc-2.1-print-auth_401")]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("sends ANTHROPIC_API_KEY from the environment") && cause.contains("truncated"), "{text}");
    assert!(fix.contains("set ANTHROPIC_API_KEY again"), "{fix}");
    // An OAuth scope 403 proves an OAuth token was sent: interactive
    // `claude` with the stored login; the fix is /login.
    let (code, cause, fix, text) = m.headline(&["--for", &at("cc-2.1-print-oauth_scope")]);
    assert_eq!(code, 1, "{text}");
    assert!(
        cause.contains("interactive `claude` sends the stored /login") && cause.contains("predates a scope"),
        "{text}"
    );
    assert!(cause.contains("because:  a token keeps the scopes it was issued with"), "{cause}");
    assert!(fix.contains("run `claude /login` (no logout needed)"), "{fix}");
    // Revoked: the stored login, not the key.
    let (code, cause, fix, text) = m.headline(&["--for", &at("cc-2.1-print-oauth_revoked")]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("the stored /login was refused: revoked"), "{text}");
    assert!(cause.contains("an expired login and a revoked one look the same on disk"), "{cause}");
    assert!(fix.contains("run `claude /login`"), "{fix}");
    // The gateway's HTML 403 with no request id: the proxy.
    let (code, cause, fix, text) = m.headline(&["--for", &at("cc-2.1-print-gateway_html")]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("a proxy is in the path: HTTPS_PROXY → proxy.corp.example:3128"), "{text}");
    assert!(fix.contains("retry with the proxy unset"), "{fix}");
    // "Request not allowed": the proxy, not the key (a malformed key gets a 401).
    let (code, cause, _, text) = m.headline(&["--for", &at("cc-2.1-print-request_not_allowed")]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("a proxy is in the path"), "{text}");
    // A rate limit is the API's answer to an accepted credential: nothing
    // here causes it (exit 0), and the unrelated problem is mentioned.
    let (code, cause, fix, text) = m.headline(&["--for", &at("cc-2.1-print-rate_limit")]);
    assert_eq!(code, 0, "{text}");
    assert!(cause.starts_with("no cause: nothing on this machine explains this error"), "{text}");
    assert!(fix.is_empty(), "{text}");
    assert!(text.contains("info:     a 429 is the API's answer to a request it accepted"), "{text}");
    assert!(
        text.contains("info:     unrelated to this error, but worth fixing: `claude -p` sends ANTHROPIC_API_KEY"),
        "{text}"
    );

    // A Bedrock denial on a complete Bedrock setup: the AWS side.
    let mut m = Machine::new("for-bedrock");
    m.login(3_600_000, true);
    write(&m.home.join(".aws/credentials"), "[dev]\naws_access_key_id = FAKEdoctorAWS\n");
    m.set("CLAUDE_CODE_USE_BEDROCK", "1").set("AWS_REGION", "eu-west-1").set("AWS_PROFILE", "dev");
    m.set("ANTHROPIC_API_KEY", KEY);
    let (code, cause, fix, text) = m.headline(&["--for", &at("cc-2.1-print-bedrock")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("printed by claude-code") && text.contains("rule 403-bedrock"), "{text}");
    assert!(
        cause.contains("Claude Code uses Amazon Bedrock (AWS_REGION=eu-west-1, credentials: AWS_PROFILE=dev)"),
        "{text}"
    );
    assert!(cause.contains("not from an Anthropic key or login"), "{cause}");
    assert!(fix.contains("model access, IAM role") && text.contains("run `aws sts get-caller-identity`"), "{text}");
    // A Vertex denial: Google's side.
    let mut m = Machine::new("for-vertex");
    write(&m.home.join(".config/gcloud/application_default_credentials.json"), "{}");
    m.set("CLAUDE_CODE_USE_VERTEX", "1").set("CLOUD_ML_REGION", "us-east5").set("ANTHROPIC_VERTEX_PROJECT_ID", "proj");
    let (code, cause, _, text) = m.headline(&["--for", &at("cc-2.1-print-vertex")]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("Claude Code uses Google Vertex AI (ANTHROPIC_VERTEX_PROJECT_ID=proj"), "{text}");
    assert!(text.contains("run `gcloud auth application-default login`"), "{text}");

    // An SDK's error with a subscription token in its environment: what the
    // SDK reads, not Claude Code's precedence.
    let mut m = Machine::new("for-sdk-oauth");
    m.login(3_600_000, true);
    m.set("ANTHROPIC_API_KEY", TOKEN);
    let (code, cause, fix, text) = m.headline(&["--for", &format!("{FIXTURES}/py-sdk-print-auth_401.txt:4")]);
    assert_eq!(code, 1, "{text}");
    assert!(cause.contains("the program reads ANTHROPIC_API_KEY from its environment, and it is an OAuth"), "{text}");
    assert!(cause.contains("only works in Claude Code"), "{cause}");
    assert!(fix.contains("give the program a Console API key"), "{fix}");
    // The diagnosis (after the summary, the `for:` line and a blank line),
    // not the checks, which describe Claude Code too.
    let head: String = text.lines().skip(3).take_while(|l| !l.is_empty()).collect();
    assert!(!head.contains("/login"), "an SDK has no /login: {text}");
    assert!(
        text.contains("evidence: ANTHROPIC_API_KEY in its environment is an OAuth access token (sk-ant-oat01)"),
        "the secret filter keeps the description: {text}"
    );
    assert!(!text.contains("[REDACTED]"), "{text}");
    // --rule shows the rule's title once.
    let (_, text) = m.doctor(&["--rule", "401-authentication"]);
    let for_line = text.lines().find(|l| l.starts_with("for:")).unwrap_or_default().to_owned();
    assert_eq!(for_line.matches("401-authentication").count(), 1, "{for_line}");
    // Exit 2: the doctor could not run.
    let (code, text) = m.doctor(&["--rule", "no-such-rule"]);
    assert_eq!(code, 2, "{text}");
    let (code, text) = m.doctor(&["--for", &format!("{FIXTURES}/cc-2.1-print-auth_401.txt:999")]);
    assert_eq!(code, 2, "{text}");
    let (code, text) = m.doctor(&["--for", "no-line-number"]);
    assert_eq!(code, 2, "{text}");
}

#[cfg(unix)]
#[test]
fn scenario_a_backup_across_file_systems_is_whole_and_private() {
    // The backups on another file system (tmpfs) than the login: the move is
    // a copy, fsync, rename, then remove — the original is gone only when
    // the whole copy is in place, private, and restorable.
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let shm = Path::new("/dev/shm");
    let m = Machine::new("cross-fs");
    let other = shm.is_dir()
        && std::fs::metadata(shm).map(|s| s.dev()).ok() != std::fs::metadata(&m.home).map(|s| s.dev()).ok();
    if !other {
        eprintln!("SKIPPED cross-fs backup: no second file system at /dev/shm");
        return;
    }
    let state = shm.join(format!("errsig-doctor-cross-fs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let mut m = m;
    m.set("XDG_STATE_HOME", &state.display().to_string());
    m.login(-48 * 3_600_000, false);
    let file = m.home.join(".claude/.credentials.json");
    let original = std::fs::read(&file).unwrap();
    let (code, text) = m.doctor(&["--fix", "move-credentials", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert!(!file.exists(), "moved: {text}");
    let dir = state.join("errsig/backups");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "the backup and the index, no half-written copy: {names:?}");
    let kept = names.iter().find(|n| n.ends_with(".credentials.json")).map(|n| dir.join(n)).unwrap();
    assert_eq!(std::fs::read(&kept).unwrap(), original, "whole");
    assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let (code, text) = m.doctor(&["--restore", &backup_id(&text)]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), original, "restored across file systems");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "its own mode back");
    assert!(!kept.exists());
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn scenario_an_html_403_with_nothing_configured_is_the_network() {
    // No base URL, no proxy variable: a gateway's page still is not the
    // API's, so the network in between answered — not the role, not /login.
    let m = Machine::new("for-html-network");
    m.login(3_600_000, true);
    let (code, cause, fix, text) = m.headline(&["--for", &format!("{FIXTURES}/cc-2.1-print-gateway_html.txt:1")]);
    assert_eq!(code, 1, "{text}");
    assert!(
        cause.contains("something between this machine and api.anthropic.com answered instead of the API"),
        "{text}"
    );
    assert!(cause.contains("not the API's, whatever the role"), "{cause}");
    assert!(fix.contains("TLS-inspecting firewall") && fix.contains("a new key or `/login` does not change"), "{fix}");
}
