//! The tools: every `claude` on `PATH` and its version, Node, the OS, and
//! `claude auth status`'s verdict.

use super::super::host::Host;
use super::super::{Check, Status};
use std::time::Duration;

/// The tool checks.
pub fn check(host: &Host) -> Vec<Check> {
    let mut out = Vec::new();
    let claudes = host.which_all("claude");
    if claudes.is_empty() {
        out.push(
            Check::new("tools.claude", Status::Warn, "no `claude` on PATH")
                .next("Install Claude Code, or check PATH in the environment that fails (CI, the editor)."),
        );
    } else {
        let mut versions = Vec::new();
        for c in &claudes {
            let v =
                host.run(c, &["--version"], Duration::from_secs(10)).ok().filter(|r| r.code == Some(0)).map_or_else(
                    || "(version unknown)".to_owned(),
                    |r| r.stdout.lines().next().unwrap_or("").trim().to_owned(),
                );
            versions.push(format!("{} → {v}", c.display()));
        }
        let status = if claudes.len() > 1 { Status::Warn } else { Status::Ok };
        let mut ch = Check::new("tools.claude", status, versions.join("; "));
        if claudes.len() > 1 {
            ch = ch.next("Several `claude` on PATH: the first one runs. Remove the stale one so every shell and CI runs the same version.");
        }
        out.push(ch);
        out.push(match host.run(&claudes[0], &["auth", "status"], Duration::from_secs(15)) {
            Ok(r) if r.code == Some(0) => {
                Check::new("tools.auth-status", Status::Ok, "`claude auth status` exits 0: logged in")
            }
            Ok(r) if r.timed_out => {
                Check::new("tools.auth-status", Status::Skipped, "`claude auth status` did not answer in 15 s")
            }
            Ok(r) => Check::new(
                "tools.auth-status",
                Status::Warn,
                format!("`claude auth status` exits {}: not logged in", r.code.map_or("?".into(), |c| c.to_string())),
            )
            .next("Run `claude /login`, or give Claude Code a key (`ANTHROPIC_API_KEY`)."),
            Err(e) => Check::new("tools.auth-status", Status::Skipped, format!("cannot run `claude auth status`: {e}")),
        });
    }
    let node = host.which_all("node").into_iter().next();
    out.push(match node.and_then(|n| host.run(&n, &["--version"], Duration::from_secs(10)).ok()) {
        Some(r) if r.code == Some(0) => Check::new("tools.node", Status::Ok, format!("node {}", r.stdout.trim())),
        _ => Check::new("tools.node", Status::Ok, "no node on PATH (Claude Code 2.1.x ships its own runtime)"),
    });
    out.push(Check::new("tools.os", Status::Ok, format!("{} ({})", std::env::consts::OS, std::env::consts::ARCH)));
    out
}
