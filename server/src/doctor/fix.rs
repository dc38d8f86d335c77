//! Fixes: dry run first, the exact effect shown, a backup before any change,
//! and `--restore ID|PATH` to put a backup back byte for byte.
//!
//! **Backups are private.** They hold credentials (a settings file with a
//! key, the stored login), so they never go beside the original — inside a
//! project, `git add .` would pick them up. They go to the user's own
//! [`Host::backup_dir`] (mode 0700, each file 0600), listed in an index
//! (`index.json`: id, original path, mode, time, fix). Backups made by older
//! versions (`NAME.errsig-backup-TIME` beside the original) stay restorable
//! by path. A move across file systems is copy, fsync, rename, then remove:
//! a crash leaves the credential in one place or both, never half of it.

use super::checks::settings::{Origin, Sources};
use super::checks::stored::KEYCHAIN_SERVICE;
use super::error::DoctorError;
use super::host::{Host, Platform};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A fix the doctor knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FixId {
    /// Move a stale `.credentials.json` into the backups (never deleted).
    MoveCredentials,
    /// Show where a shadowing key or token is set; remove it from a project
    /// settings file.
    #[value(alias = "unset-shadowing-env")]
    #[serde(alias = "unset-shadowing-env")]
    UnsetEnv,
    /// Show where `ANTHROPIC_BASE_URL` is set; remove it from a project
    /// settings file.
    UnsetBaseUrl,
    /// Show the command that removes the Keychain login (never run).
    Keychain,
}

impl FixId {
    /// Every fix.
    pub const ALL: [FixId; 4] = [FixId::MoveCredentials, FixId::UnsetEnv, FixId::UnsetBaseUrl, FixId::Keychain];

    /// The id on the command line and in every report.
    pub const fn as_str(self) -> &'static str {
        match self {
            FixId::MoveCredentials => "move-credentials",
            FixId::UnsetEnv => "unset-env",
            FixId::UnsetBaseUrl => "unset-base-url",
            FixId::Keychain => "keychain",
        }
    }

    /// Parse an id (`unset-shadowing-env`, the rules' action id, is `unset-env`).
    pub fn parse(s: &str) -> Option<FixId> {
        match s {
            "unset-shadowing-env" => Some(FixId::UnsetEnv),
            _ => FixId::ALL.into_iter().find(|f| f.as_str() == s),
        }
    }

    /// The variables it is about.
    fn vars(self) -> &'static [&'static str] {
        match self {
            FixId::UnsetEnv => &["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"],
            FixId::UnsetBaseUrl => &["ANTHROPIC_BASE_URL"],
            _ => &[],
        }
    }
}

impl std::fmt::Display for FixId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change to make. Backup ids are chosen when the change is applied, so
/// that no two backups can ever share one.
#[derive(Debug, Clone)]
pub enum Change {
    /// Move a file into the backups (the move is the backup).
    MoveAside {
        /// The file.
        file: PathBuf,
    },
    /// Remove variables from a settings file's `env` block, after one backup
    /// of the file as it was.
    RemoveEnv {
        /// The settings file.
        file: PathBuf,
        /// The variables.
        names: Vec<String>,
    },
}

/// What a fix would do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The fix.
    pub id: FixId,
    /// The exact effect, line by line (and commands for the user to run).
    pub steps: Vec<String>,
    /// What errsig itself would change.
    pub changes: Vec<Change>,
    /// Where backups go.
    pub backups: PathBuf,
}

/// Shell profile lines that set `name` (file:line), values never read out.
fn profile_lines(host: &Host, name: &str) -> Vec<String> {
    let pat = if host.platform == Platform::Windows {
        // `$env:NAME = …` and `[Environment]::SetEnvironmentVariable("NAME", …)`.
        format!(r#"(?i)^\s*(\$env:{name}\s*=|\[(System\.)?Environment\]::SetEnvironmentVariable\(\s*["']{name}["'])"#)
    } else {
        format!(r"^\s*(export\s+|set\s+-[gxU]+\s+)?{name}[=\s]")
    };
    let Ok(pat) = regex::Regex::new(&pat) else { return Vec::new() };
    let mut out = Vec::new();
    for p in host.profiles() {
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

/// How to unset a variable in this platform's shell.
fn unset_line(host: &Host, name: &str) -> String {
    match host.platform {
        Platform::Windows => format!(
            "run `Remove-Item Env:{name}` in this PowerShell (and `[Environment]::SetEnvironmentVariable(\"{name}\", $null, \"User\")` if it is set for the user)"
        ),
        _ => format!("run `unset {name}` in this shell"),
    }
}

/// Plan a fix.
pub fn plan(host: &Host, sources: &Sources, id: FixId) -> Result<Plan, DoctorError> {
    let mut steps = Vec::new();
    let mut changes = Vec::new();
    let backups = host.backup_dir();
    match id {
        FixId::MoveCredentials => {
            let file = host.claude_dir().join(".credentials.json");
            if !file.is_file() {
                return Err(DoctorError::NothingToFix(format!("there is no {} to move", file.display())));
            }
            steps.push(format!("move {} into {} (private; nothing is deleted)", file.display(), backups.display()));
            steps.push("then run `claude /login` to store a fresh login".into());
            steps.push("undo: errsig doctor --restore <the backup id it prints>".into());
            changes.push(Change::MoveAside { file });
        }
        FixId::UnsetEnv | FixId::UnsetBaseUrl => {
            for name in id.vars() {
                let mut all = sources.var(host, name);
                // The base URL: only where the value in use comes from, so a
                // personal override goes and the team's value applies again.
                if id == FixId::UnsetBaseUrl {
                    all.truncate(1);
                }
                for (_, origin) in all {
                    match origin {
                        Origin::Environment => {
                            steps.push(format!("{name} is set in the environment: {}", unset_line(host, name)));
                            for at in profile_lines(host, name) {
                                steps.push(format!(
                                    "  and delete the line that sets it at {at} (errsig does not edit shell profiles)"
                                ));
                            }
                        }
                        Origin::Settings(file) if sources.is_project(&file) => {
                            steps.push(format!(
                                "remove {name} from the env block of {} (after a private backup of the file as it is, in {}; undo with errsig doctor --restore)",
                                file.display(),
                                backups.display()
                            ));
                            let existing = changes.iter_mut().find_map(|c| match c {
                                Change::RemoveEnv { file: f, names } if *f == file => Some(names),
                                _ => None,
                            });
                            match existing {
                                Some(names) => names.push((*name).into()),
                                None => changes.push(Change::RemoveEnv { file, names: vec![(*name).into()] }),
                            }
                        }
                        Origin::Settings(file) => steps.push(format!(
                            "{name} is set in the env block of {}: remove it there (errsig edits only the project's settings files)",
                            file.display()
                        )),
                    }
                }
            }
            if steps.is_empty() {
                return Err(DoctorError::NothingToFix(format!("{} is not set", id.vars().join(" nor "))));
            }
        }
        FixId::Keychain => {
            if host.platform != Platform::Macos {
                return Err(DoctorError::NothingToFix("the Keychain is macOS only".into()));
            }
            steps.push(format!("the command that removes Claude Code's stored login from the Keychain: security delete-generic-password -s \"{KEYCHAIN_SERVICE}\""));
            steps.push("errsig does not run it: it cannot back the item up without reading the secret. Run it yourself only once the checks show the Keychain login is the failing credential — a 403 alone does not (the `SecKeychainSearchCopyNext` line beside one is not its cause).".into());
        }
    }
    Ok(Plan { id, steps, changes, backups })
}

/// One backup in the index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backup {
    /// Its id (`--restore ID`).
    pub id: String,
    /// Where it came from (and goes back to).
    pub original: PathBuf,
    /// Its file name in the backup directory.
    pub file: String,
    /// The original's permission bits (unix), restored with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// When it was made (seconds since the epoch).
    pub made: u64,
    /// The fix that made it.
    pub fix: String,
}

/// The private backup store.
pub struct Store {
    dir: PathBuf,
}

fn werr<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> DoctorError + 'a {
    move |source| DoctorError::Write { what, path: path.to_path_buf(), source }
}

/// Create a file only this user can read, failing if it exists.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn set_mode(path: &Path, mode: Option<u32>) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(m) = mode {
        use std::os::unix::fs::PermissionsExt;
        return std::fs::set_permissions(path, std::fs::Permissions::from_mode(m));
    }
    let _ = (path, mode);
    Ok(())
}

/// Sync a directory, so a rename in it survives a crash.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    let _ = dir;
}

/// Copy `from` to a new private file `to`, synced to disk.
fn copy_private(from: &Path, to: &Path) -> Result<(), DoctorError> {
    let bytes = std::fs::read(from).map_err(|source| DoctorError::Read { path: from.to_path_buf(), source })?;
    let mut f = create_private(to).map_err(werr("create", to))?;
    let written = f.write_all(&bytes).and_then(|_| f.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(to);
        return Err(DoctorError::Write { what: "write", path: to.to_path_buf(), source: e });
    }
    Ok(())
}

/// Move a file: a rename when it can be one; across file systems a copy
/// (synced), a rename of the copy into place, and only then the removal of
/// the original.
fn move_file(from: &Path, to: &Path, mode: Option<u32>) -> Result<(), DoctorError> {
    if std::fs::rename(from, to).is_ok() {
        if let Some(d) = to.parent() {
            sync_dir(d);
        }
        return Ok(());
    }
    let tmp = to.with_extension("errsig-partial");
    let _ = std::fs::remove_file(&tmp);
    copy_private(from, &tmp)?;
    set_mode(&tmp, mode).map_err(werr("chmod", &tmp))?;
    if let Err(e) = std::fs::rename(&tmp, to) {
        let _ = std::fs::remove_file(&tmp);
        return Err(DoctorError::Write { what: "move", path: to.to_path_buf(), source: e });
    }
    if let Some(d) = to.parent() {
        sync_dir(d);
    }
    std::fs::remove_file(from).map_err(werr("remove", from))
}

impl Store {
    /// The store at `dir` (created 0700 when first used).
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn open(&self) -> Result<(), DoctorError> {
        std::fs::create_dir_all(&self.dir).map_err(werr("create", &self.dir))?;
        // Even when it existed already: a backup directory others can read
        // would hand them the keys in it.
        set_mode(&self.dir, Some(0o700)).map_err(werr("chmod", &self.dir))
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("index.json")
    }

    /// Every backup, oldest first.
    pub fn list(&self) -> Result<Vec<Backup>, DoctorError> {
        let p = self.index_path();
        match std::fs::read_to_string(&p) {
            Ok(t) => {
                serde_json::from_str(&t).map_err(|e| DoctorError::Json { path: p.clone(), message: e.to_string() })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(DoctorError::Read { path: p, source }),
        }
    }

    fn save(&self, list: &[Backup]) -> Result<(), DoctorError> {
        let p = self.index_path();
        let tmp = self.dir.join("index.json.tmp");
        let _ = std::fs::remove_file(&tmp);
        let text = serde_json::to_string_pretty(list).unwrap_or_else(|_| "[]".into()) + "\n";
        let mut f = create_private(&tmp).map_err(werr("create", &tmp))?;
        f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(werr("write", &tmp))?;
        std::fs::rename(&tmp, &p).map_err(werr("replace", &p))?;
        sync_dir(&self.dir);
        Ok(())
    }

    fn new_id(&self, list: &[Backup]) -> String {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        (1..)
            .map(|n| format!("{secs}-{n}"))
            .find(|id| !list.iter().any(|b| &b.id == id) && !self.dir.join(id).exists())
            .unwrap_or_default()
    }

    /// Keep `original` in the store — copied, or moved when `take` — and
    /// return its entry.
    pub fn keep(&self, original: &Path, fix: FixId, take: bool) -> Result<Backup, DoctorError> {
        self.open()?;
        let mut list = self.list()?;
        let id = self.new_id(&list);
        let base = original.file_name().map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let file = format!("{id}-{base}");
        let dest = self.dir.join(&file);
        let mode = mode_of(original);
        if take {
            move_file(original, &dest, Some(0o600))?;
        } else {
            copy_private(original, &dest)?;
        }
        set_mode(&dest, Some(0o600)).map_err(werr("chmod", &dest))?;
        let made = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let b = Backup { id, original: original.to_path_buf(), file, mode, made, fix: fix.as_str().into() };
        list.push(b.clone());
        self.save(&list)?;
        Ok(b)
    }

    /// Put a backup back, by id or by its path (also a path of an older
    /// version's `NAME.errsig-backup-TIME`). A file now in its place is
    /// kept in the store first: nothing is lost either way.
    pub fn restore(&self, what: &str) -> Result<String, DoctorError> {
        let list = self.list()?;
        let as_path = Path::new(what);
        let entry = list.iter().find(|b| b.id == what).or_else(|| {
            let name = as_path.file_name().map(|n| n.to_string_lossy().into_owned());
            let in_store = as_path.parent().is_some_and(|p| same_dir(p, &self.dir));
            list.iter().find(|b| in_store && Some(&b.file) == name.as_ref())
        });
        let Some(entry) = entry.cloned() else {
            return self.restore_legacy(as_path);
        };
        let backup = self.dir.join(&entry.file);
        if !backup.is_file() {
            return Err(DoctorError::NotABackup(format!("{what} (its file {} is gone)", backup.display())));
        }
        let mut msg = String::new();
        if entry.original.exists() {
            let aside = self.keep(&entry.original, FixId::parse(&entry.fix).unwrap_or(FixId::UnsetEnv), true)?;
            msg.push_str(&format!(
                "kept the current {} as backup {} (errsig doctor --restore {} puts it back); ",
                entry.original.display(),
                aside.id,
                aside.id
            ));
        }
        if let Some(parent) = entry.original.parent() {
            std::fs::create_dir_all(parent).map_err(werr("create", parent))?;
        }
        move_file(&backup, &entry.original, entry.mode)?;
        set_mode(&entry.original, entry.mode).map_err(werr("chmod", &entry.original))?;
        let list: Vec<Backup> = self.list()?.into_iter().filter(|b| b.id != entry.id).collect();
        self.save(&list)?;
        msg.push_str(&format!("restored {} from backup {}", entry.original.display(), entry.id));
        Ok(msg)
    }

    /// An older version's backup, beside its original.
    fn restore_legacy(&self, backup: &Path) -> Result<String, DoctorError> {
        let name = backup.to_string_lossy();
        let re = regex::Regex::new(r"\.errsig-backup-\d+(-\d+)?$").map_err(|e| DoctorError::Finding(e.to_string()))?;
        let m = re.find(&name).ok_or_else(|| DoctorError::NotABackup(backup.display().to_string()))?;
        let target = PathBuf::from(&name[..m.start()]);
        if !backup.is_file() {
            return Err(DoctorError::NotABackup(format!("{} (no such file)", backup.display())));
        }
        let mut msg = String::new();
        if target.exists() {
            let aside = self.keep(&target, FixId::UnsetEnv, true)?;
            msg.push_str(&format!("kept the current {} as backup {}; ", target.display(), aside.id));
        }
        let mode = mode_of(backup);
        move_file(backup, &target, mode)?;
        msg.push_str(&format!("restored {}", target.display()));
        Ok(msg)
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Apply a plan's changes; returns what was done.
pub fn apply(plan: &Plan) -> Result<Vec<String>, DoctorError> {
    let store = Store::new(plan.backups.clone());
    let mut done = Vec::new();
    for c in &plan.changes {
        match c {
            Change::MoveAside { file } => {
                let b = store.keep(file, plan.id, true)?;
                done.push(format!(
                    "moved {} into the backups as {} (errsig doctor --restore {})",
                    file.display(),
                    b.id,
                    b.id
                ));
            }
            Change::RemoveEnv { file, names } => {
                let text =
                    std::fs::read_to_string(file).map_err(|source| DoctorError::Read { path: file.clone(), source })?;
                let mut v: Value = serde_json::from_str(&text)
                    .map_err(|e| DoctorError::Json { path: file.clone(), message: e.to_string() })?;
                let b = store.keep(file, plan.id, false)?;
                if let Some(env) = v.get_mut("env").and_then(Value::as_object_mut) {
                    for n in names {
                        env.remove(n);
                    }
                }
                let out = serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
                write_atomic(file, &out)?;
                done.push(format!(
                    "removed {} from {} (backup {}: errsig doctor --restore {})",
                    names.join(", "),
                    file.display(),
                    b.id,
                    b.id
                ));
            }
        }
    }
    Ok(done)
}

/// Replace a file's content through a temporary file (created with the
/// original's permissions from the start, never wider) and a rename: a crash
/// never leaves half a settings file.
fn write_atomic(file: &Path, text: &str) -> Result<(), DoctorError> {
    let tmp = file.with_extension("errsig-tmp");
    let mode = mode_of(file);
    let _ = std::fs::remove_file(&tmp);
    let mut f = create_private(&tmp).map_err(werr("create", &tmp))?;
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(werr("write", &tmp))?;
    set_mode(&tmp, mode).map_err(werr("chmod", &tmp))?;
    std::fs::rename(&tmp, file).map_err(werr("replace", file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_ids_round_trip_and_accept_the_rules_alias() {
        for f in FixId::ALL {
            assert_eq!(FixId::parse(f.as_str()), Some(f));
        }
        assert_eq!(FixId::parse("unset-shadowing-env"), Some(FixId::UnsetEnv));
        assert_eq!(FixId::parse("rm-rf"), None);
    }

    #[test]
    fn a_copy_that_cannot_be_written_leaves_nothing_behind() {
        let dir = std::env::temp_dir().join(format!("errsig-fix-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("a");
        std::fs::write(&src, "x").unwrap();
        // The destination exists: create_new refuses, the original stays.
        std::fs::write(dir.join("b"), "y").unwrap();
        assert!(copy_private(&src, &dir.join("b")).is_err());
        assert_eq!(std::fs::read_to_string(&src).unwrap(), "x");
        assert_eq!(std::fs::read_to_string(dir.join("b")).unwrap(), "y");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
