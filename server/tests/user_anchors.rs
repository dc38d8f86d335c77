//! User rules declare anchor literals (issue 10, point 1): a wording the
//! built-in recognisers do not know is found through a rule's
//! `[[rule.anchors]]`, and a literal too short to be one is refused when the
//! rules load, naming the file, the rule and the line.

use std::path::PathBuf;
use std::process::Command;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("errsig-anchors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_default();
    d
}

fn errsig(cwd: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_errsig")).current_dir(cwd).args(args).output().expect("errsig runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A gateway's own wording, which no built-in recogniser knows.
const RULE: &str = r#"
[[rule]]
id = "ours-quota"
title = "Our gateway's Anthropic quota is used up"
severity = "error"
priority = 40
fixes = ["Ask the platform team to raise the gateway's quota."]
[rule.match]
message = '^Anthropic quota exhausted'
[[rule.anchors]]
text = "Anthropic quota exhausted"
status = 429
"#;

const LOG: &str = "starting job 17\n[gw] Anthropic quota exhausted for team-ml · retry in 60s\njob failed\n";

#[test]
fn a_user_anchor_finds_its_wording_in_a_file_and_from_the_project_file() {
    let d = dir("cli");
    std::fs::write(d.join("ours.toml"), RULE).unwrap_or_default();
    std::fs::write(d.join("job.log"), LOG).unwrap_or_default();
    let (_, plain, _) = errsig(&d, &["scan", "--format", "json", "job.log"]);
    assert_eq!(plain.trim(), "", "the built-in catalog does not know the wording");
    let (code, json, err) = errsig(&d, &["scan", "--format", "json", "--rules", "ours.toml", "job.log"]);
    assert_eq!(code, Some(1), "{err}");
    let f: serde_json::Value = serde_json::from_str(json.trim()).unwrap_or_default();
    assert_eq!(f["rule"], "ours-quota", "{json}");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(2), Some(6)), "{json}");
    assert_eq!(f["status"], 429, "{json}");
    assert_eq!(f["status_inferred"], true, "{json}");
    assert_eq!(f["message"], "Anthropic quota exhausted for team-ml", "{json}");
    // The same rule in `.errsig.toml`.
    std::fs::write(d.join(".errsig.toml"), RULE).unwrap_or_default();
    let (_, json, _) = errsig(&d, &["scan", "--format", "json", "job.log"]);
    assert!(json.contains("\"rule\":\"ours-quota\""), "{json}");
}

#[test]
fn a_three_byte_anchor_is_refused_at_load_with_the_file_rule_and_line() {
    let d = dir("short");
    let bad = RULE.replace("text = \"Anthropic quota exhausted\"", "text = \"403\"")
        + "[[rule.anchors]]\ntext = \"quo \"\nstatus = 429\n";
    std::fs::write(d.join("ours.toml"), &bad).unwrap_or_default();
    std::fs::write(d.join("job.log"), LOG).unwrap_or_default();
    let (code, out, err) = errsig(&d, &["scan", "--rules", "ours.toml", "job.log"]);
    assert_eq!(code, Some(2), "{out}{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "both problems: {err}");
    assert!(lines[0].contains("ours.toml:11:8: rule `ours-quota`: anchor `403` is 3 bytes"), "{err}");
    assert!(lines[1].starts_with("ours.toml:14:8: rule `ours-quota`: anchor `quo `"), "{err}");
    // In `.errsig.toml` too.
    std::fs::write(d.join(".errsig.toml"), &bad).unwrap_or_default();
    let (code, _, err) = errsig(&d, &["scan", "job.log"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".errsig.toml:11:8: rule `ours-quota`: anchor `403`"), "{err}");
}
