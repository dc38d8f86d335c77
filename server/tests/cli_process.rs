//! The binary as a process: a pipe streams findings before its input ends,
//! and SARIF output validates against the SARIF 2.1.0 schema.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn errsig() -> Command {
    Command::new(env!("CARGO_BIN_EXE_errsig"))
}

#[test]
fn a_pipe_gets_each_finding_before_stdin_closes() {
    let mut child = errsig()
        .args(["scan", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("errsig runs");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let line = r#"API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CSHmzpnGHTh7ZxBa1cFA2"} · Please run /login"#;
    let (a, b) = line.split_at(60);
    stdin.write_all(b"$ claude -p hello\n").unwrap();
    stdin.write_all(a.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // Half an error: nothing may be printed. (Waiting shows absence; the
    // assertion that matters is the next one, which has no time limit of
    // consequence: it fails only if nothing ever comes.)
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "printed before the error was complete");
    stdin.write_all(format!("{b}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let got = rx.recv_timeout(Duration::from_secs(20)).expect("the finding, with stdin still open");
    assert!(got.contains(r#""rule":"403-permission-denied""#), "{got}");
    assert!(got.contains(r#""line":2"#), "{got}");
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = dir.join("../tests/fixtures/real");
    let out = errsig()
        .args(["scan", "--format", "sarif"])
        .arg(fixtures.join("cc-2.0-print-permission_denied.txt"))
        .arg(fixtures.join("curl-v-gateway_html.txt"))
        .arg(fixtures.join("cc-2.1-print-rate_limit.txt"))
        .output()
        .expect("errsig runs");
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tests/schemas/sarif-2.1.0-rtm.5.json")).unwrap())
            .unwrap();
    // The published schema's `language` patterns have a stray bracket
    // (`…-[a-zA-Z]{2}]?$`) that strict regex engines reject, which fails the
    // schema's own meta-validation. They constrain properties errsig does
    // not write; replace them with the pattern they evidently mean.
    for def in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
    }
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does check: a wrong level is caught.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(validator.iter_errors(&broken).next().is_some());
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert!(r["partialFingerprints"]["errsig/v1"].as_str().is_some_and(|f| f.len() == 16));
        assert!(rules[i]["help"]["markdown"].as_str().unwrap().contains("## Fix"));
    }
    let region = &results[1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["endLine"].as_u64()), (Some(13), Some(27)));
    // The same findings give the same fingerprints on every run.
    let again = errsig()
        .args(["scan", "--format", "sarif"])
        .arg(fixtures.join("cc-2.0-print-permission_denied.txt"))
        .output()
        .unwrap();
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["runs"][0]["results"][0]["partialFingerprints"], results[0]["partialFingerprints"]);
}

#[test]
fn a_progress_bar_on_a_terminal_only() {
    // `script` gives errsig a terminal; the same scan on pipes shows none.
    let dir = std::env::temp_dir().join(format!("errsig-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..50 {
        std::fs::write(dir.join(format!("{i}.log")), "nothing to see\n").unwrap();
    }
    let cmd = format!("{} scan {}", env!("CARGO_BIN_EXE_errsig"), dir.display());
    let out =
        Command::new("script").args(["-qec", &cmd, "/dev/null"]).env_remove("CI").output().expect("script(1) runs");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("files, "), "a spinner with the file count on the terminal: {tty:?}");
    let piped = errsig().args(["scan"]).arg(&dir).env_remove("CI").output().unwrap();
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("files, "), "never on a pipe");
    let ci = Command::new("script").args(["-qec", &cmd, "/dev/null"]).env("CI", "true").output().unwrap();
    assert!(!String::from_utf8_lossy(&ci.stdout).contains("files, "), "never in CI");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A directory with one Claude Code 403 in `claude.log`.
fn dir_with_a_403(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("errsig-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("claude.log"),
        "$ claude -p hi\nFailed to authenticate. API Error: 403 Permission denied\n",
    )
    .unwrap();
    dir
}

/// Run `cmd` on a terminal: `script` gives it a pty for all three streams;
/// `timeout` turns a command that waits for the terminal into a failure.
fn on_a_terminal(cmd: &str, dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut c = Command::new("timeout");
    c.args(["20", "script", "-qec", cmd, "/dev/null"]).current_dir(dir).stdin(Stdio::null());
    for v in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI"] {
        c.env_remove(v);
    }
    c.env("TERM", "xterm-256color");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("timeout(1) and script(1) run");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_by_default_on_a_terminal_only() {
    let dir = dir_with_a_403("colour");
    let cmd = format!("{} scan claude.log", env!("CARGO_BIN_EXE_errsig"));
    let (code, tty) = on_a_terminal(&cmd, &dir, &[]);
    assert_eq!(code, Some(1), "{tty}");
    assert!(tty.contains("\x1b[1m\x1b[31merror"), "red, bold `error` on a terminal with --color auto: {tty:?}");
    let (_, no_color) = on_a_terminal(&cmd, &dir, &[("NO_COLOR", "1")]);
    assert!(no_color.contains("error[403-permission-denied]") && !no_color.contains('\x1b'), "{no_color:?}");
    let (_, never) = on_a_terminal(&format!("{cmd} --color never"), &dir, &[]);
    assert!(!never.contains('\x1b'), "{never:?}");
    let piped = errsig().args(["scan", "claude.log"]).current_dir(&dir).env_remove("CLICOLOR_FORCE").output().unwrap();
    let piped = String::from_utf8_lossy(&piped.stdout);
    assert!(piped.contains("error[403-permission-denied]") && !piped.contains('\x1b'), "never on a pipe: {piped:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_path_on_a_terminal_scans_the_current_directory() {
    let dir = dir_with_a_403("cwd");
    let (code, tty) = on_a_terminal(&format!("{} scan --color never", env!("CARGO_BIN_EXE_errsig")), &dir, &[]);
    assert_eq!(code, Some(1), "found, not waiting for the terminal: {tty:?}");
    assert!(tty.contains(" --> claude.log:2:1"), "named as ripgrep names it, without ./: {tty:?}");
    assert!(tty.contains("(1 file scanned)"), "{tty:?}");
    // A pipe still reads standard input, even empty.
    let mut child =
        errsig().arg("scan").current_dir(&dir).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"nothing here\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no Anthropic API errors found (standard input scanned)\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn github_annotations_name_absolute_paths_relative_to_the_workspace() {
    let dir = dir_with_a_403("github");
    let log = dir.join("logs").join("ci.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::copy(dir.join("claude.log"), &log).unwrap();
    let run = |workspace: &Path, cwd: &Path| {
        let out = errsig()
            .args(["scan", "--format", "github"])
            .arg(&log)
            .env("GITHUB_WORKSPACE", workspace)
            .current_dir(cwd)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tmp = std::env::temp_dir();
    assert!(run(&dir, &tmp).starts_with("::error file=logs/ci.log,line=2,"), "{}", run(&dir, &tmp));
    // Outside the workspace the path stays as given.
    let elsewhere = run(&dir.join("logs").join("nested"), &tmp);
    assert!(elsewhere.starts_with(&format!("::error file={},", log.display())), "{elsewhere}");
    // Without GITHUB_WORKSPACE, the current directory stands in for it.
    let out = errsig()
        .args(["scan", "--format", "github"])
        .arg(&log)
        .env_remove("GITHUB_WORKSPACE")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("::error file=logs/ci.log,"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_are_generated_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_errsig()"),
        ("zsh", "#compdef errsig"),
        ("fish", "complete -c errsig"),
        ("elvish", "edit:completion:arg-completer[errsig]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = errsig().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker} in\n{script}");
        for flag in ["fail-on", "format", "count", "quiet"] {
            assert!(script.contains(flag), "{shell} completes {flag}");
        }
    }
    // The bash script is valid bash, and completing `errsig scan --format `
    // offers the formats.
    let script = errsig().args(["completions", "bash"]).output().unwrap().stdout;
    let file = std::env::temp_dir().join(format!("errsig-completion-{}.bash", std::process::id()));
    std::fs::write(&file, script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(errsig scan --format ''); COMP_CWORD=3; _errsig errsig '' --format; echo \"${{COMPREPLY[*]}}\"",
        file.display()
    );
    let out = Command::new("bash").args(["-c", &probe]).output().expect("bash runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "human json sarif github", "{out:?}");
    std::fs::remove_file(&file).unwrap();
    let bad = errsig().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_man_page_holds_every_subcommand_and_renders() {
    let out = errsig().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH errsig 1"), "{page}");
    for section in ["ERRSIG SCAN", "ERRSIG EXPLAIN", "ERRSIG DOCTOR", "ERRSIG LSP", "EXIT STATUS"] {
        assert!(page.contains(&format!(".SH \"{section}\"")), "{section}");
    }
    assert!(page.contains("fail\\-on"), "scan's options are on the page");
    assert!(!page.contains("errsig\\-scan(1)"), "no reference to pages that do not exist");
    assert_eq!(page.matches(".ds Aq").count(), 2, "one apostrophe preamble");
    // groff renders it without a warning, where groff is installed.
    if let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        groff.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
        let r = groff.wait_with_output().unwrap();
        assert!(r.status.success());
        assert_eq!(String::from_utf8_lossy(&r.stderr), "", "groff warnings");
        assert!(String::from_utf8_lossy(&r.stdout).contains("ERRSIG SCAN"));
    }
}
