//! Fixes: dry run first, the exact effect shown, a backup before any change,
//! and `--restore BACKUP` to put a backup back byte for byte.

use super::checks::settings::{Origin, Sources};
use super::checks::stored::KEYCHAIN_SERVICE;
use super::host::{Host, Platform};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The fixes there are.
pub const FIXES: &[&str] = &["move-credentials", "unset-env", "keychain"];

/// A change to make. Backup names are chosen when the change is applied,
/// so that no two backups can ever share a name.
#[derive(Debug, Clone)]
pub enum Change {
    /// Move a file aside (the move is the backup).
    MoveAside { file: PathBuf },
    /// Remove variables from a settings file's `env` block, after one backup
    /// of the file as it was.
    RemoveEnv { file: PathBuf, names: Vec<String> },
}

/// What a fix would do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The fix id.
    pub id: String,
    /// The exact effect, line by line (and commands for the user to run).
    pub steps: Vec<String>,
    /// What errsig itself would change.
    pub changes: Vec<Change>,
}

fn backup_name(p: &Path) -> PathBuf {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut name = p.as_os_str().to_owned();
    name.push(format!(".errsig-backup-{secs}"));
    let mut b = PathBuf::from(name);
    let mut n = 1;
    while b.exists() {
        let mut name = p.as_os_str().to_owned();
        name.push(format!(".errsig-backup-{secs}-{n}"));
        b = PathBuf::from(name);
        n += 1;
    }
    b
}

/// Shell profile lines that set `name` (file, line number), values never read out.
fn profile_lines(host: &Host, name: &str) -> Vec<String> {
    let files = [".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".zshenv", ".config/fish/config.fish"];
    let pat = regex::Regex::new(&format!(r"^\s*(export\s+|set\s+-[gxU]+\s+)?{name}[=\s]")).expect("valid");
    let mut out = Vec::new();
    for f in files {
        let p = host.home.join(f);
        if let Ok(text) = std::fs::read_to_string(&p) {
            for (i, line) in text.lines().enumerate() {
                if pat.is_match(line) {
                    out.push(format!("{}:{}", p.display(), i + 1));
                }
            }
        }
    }
    out
}

/// Plan a fix.
pub fn plan(host: &Host, sources: &Sources, id: &str) -> Result<Plan, String> {
    let mut steps = Vec::new();
    let mut changes = Vec::new();
    match id {
        "move-credentials" => {
            let file = host.claude_dir().join(".credentials.json");
            if !file.is_file() {
                return Err(format!("there is no {} to move", file.display()));
            }
            steps.push(format!(
                "move {} to {}.errsig-backup-<time> (nothing is deleted)",
                file.display(),
                file.display()
            ));
            steps.push("then run `claude /login` to store a fresh login".into());
            steps.push("undo: errsig doctor --restore <that backup>".into());
            changes.push(Change::MoveAside { file });
        }
        "unset-env" | "unset-shadowing-env" => {
            for name in ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"] {
                for (_, origin) in sources.var(host, name) {
                    match origin {
                        Origin::Environment => {
                            steps.push(format!("{name} is set in the environment: run `unset {name}` in this shell"));
                            for at in profile_lines(host, name) {
                                steps.push(format!(
                                    "  and delete the line that sets it at {at} (errsig does not edit shell profiles)"
                                ));
                            }
                        }
                        Origin::Settings(file) => {
                            let project = sources.files.iter().any(|f| f.project && f.path == file);
                            if project {
                                steps.push(format!(
                                    "remove {name} from the env block of {} (after a backup of the file as it is: {}.errsig-backup-<time>; undo with errsig doctor --restore)",
                                    file.display(),
                                    file.display()
                                ));
                                let existing = changes.iter_mut().find_map(|c| match c {
                                    Change::RemoveEnv { file: f, names } if *f == file => Some(names),
                                    _ => None,
                                });
                                match existing {
                                    Some(names) => names.push(name.into()),
                                    None => changes.push(Change::RemoveEnv { file, names: vec![name.into()] }),
                                }
                            } else {
                                steps.push(format!("{name} is set in the env block of {}: remove it there (errsig edits only the project's settings files)", file.display()));
                            }
                        }
                    }
                }
            }
            if steps.is_empty() {
                return Err("neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN is set".into());
            }
        }
        "keychain" => {
            if host.platform != Platform::Macos {
                return Err("the Keychain is macOS only".into());
            }
            steps.push(format!("the command that removes Claude Code's stored login from the Keychain: security delete-generic-password -s \"{KEYCHAIN_SERVICE}\""));
            steps.push("errsig does not run it: it cannot back the item up without reading the secret. Run it yourself only once the checks show the Keychain login is the failing credential — a 403 alone does not (the `SecKeychainSearchCopyNext` line beside one is not its cause).".into());
        }
        other => return Err(format!("unknown fix `{other}`; the fixes are {}", FIXES.join(", "))),
    }
    Ok(Plan { id: id.into(), steps, changes })
}

/// Apply a plan's changes; returns what was done.
pub fn apply(plan: &Plan) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    for c in &plan.changes {
        match c {
            Change::MoveAside { file } => {
                let backup = backup_name(file);
                std::fs::rename(file, &backup).map_err(|e| format!("cannot move {}: {e}", file.display()))?;
                done.push(format!("moved {} to {}", file.display(), backup.display()));
            }
            Change::RemoveEnv { file, names } => {
                let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
                // The backup is a copy: it keeps the file's permissions (a
                // settings file holding a key stays private).
                let backup = backup_name(file);
                std::fs::copy(file, &backup).map_err(|e| format!("cannot back up {}: {e}", file.display()))?;
                if let Some(env) = v.get_mut("env").and_then(Value::as_object_mut) {
                    for n in names {
                        env.remove(n);
                    }
                }
                let out = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())? + "\n";
                write_atomic(file, &out)?;
                done.push(format!(
                    "removed {} from {} (backup {})",
                    names.join(", "),
                    file.display(),
                    backup.display()
                ));
            }
        }
    }
    Ok(done)
}

/// Replace a file's content through a temporary file and a rename, keeping
/// its permissions: a crash never leaves half a settings file.
fn write_atomic(file: &Path, text: &str) -> Result<(), String> {
    let tmp = file.with_extension("errsig-tmp");
    let perms = std::fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?.permissions();
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::set_permissions(&tmp, perms).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, file).map_err(|e| format!("cannot replace {}: {e}", file.display()))
}

/// Put a backup back where it came from. A file now in its place is itself
/// backed up first: nothing is lost either way.
pub fn restore(backup: &Path) -> Result<String, String> {
    let name = backup.to_string_lossy();
    let re = regex::Regex::new(r"\.errsig-backup-\d+(-\d+)?$").expect("valid");
    let m = re
        .find(&name)
        .ok_or_else(|| format!("{} is not an errsig backup (name.errsig-backup-TIME)", backup.display()))?;
    let target = PathBuf::from(&name[..m.start()]);
    if !backup.is_file() {
        return Err(format!("{} does not exist", backup.display()));
    }
    let mut msg = String::new();
    if target.exists() {
        let aside = backup_name(&target);
        std::fs::rename(&target, &aside).map_err(|e| format!("cannot move {} aside: {e}", target.display()))?;
        msg.push_str(&format!("moved the current {} to {}; ", target.display(), aside.display()));
    }
    std::fs::rename(backup, &target).map_err(|e| format!("cannot restore {}: {e}", target.display()))?;
    msg.push_str(&format!("restored {}", target.display()));
    Ok(msg)
}
