//! Fixes: dry run first, the exact effect shown, a backup before any change,
//! and `--restore ID|PATH` to put a backup back byte for byte.
//!
//! **Backups are private.** They hold credentials (a settings file with a
//! key, the stored login), so they never go beside the original — inside a
//! project, `git add .` would pick them up. They go to the user's own
//! [`Host::backup_dir`] (mode 0700, each file 0600), listed in an index
//! (`index.json`: id, original path, mode, time, fix). Backups made by older
//! versions (`NAME.errsig-backup-TIME` beside the original) stay restorable
//! by path.
//!
//! **Nothing is lost, whenever it stops.** Every change is a sequence of
//! steps of which only renames replace anything: a backup's index entry is
//! saved before its file is moved or copied in (a copy is complete and synced
//! under a temporary name before its rename), a settings file's new content
//! is written and synced beside it before one rename puts it in place, and a
//! move across file systems is copy, fsync, rename, then remove. Stopped
//! between any two steps, each file is as it was or as the fix makes it, and
//! what it was is in the store. Changes to several files are journaled and
//! finished by the next run ([`Store::recover`]). The unit tests stop every
//! fix, and `--restore`, after each of its steps.

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

/// Files replaced together (`pending.json` in the store): each temporary
/// file holding a new content and the file it replaces. Written before the
/// first temporary file is created (`committed: false`) and again once every
/// one is complete and synced (`committed: true`); removed when all are in
/// place. [`Store::recover`] rolls an uncommitted change back (removes the
/// temporary files) and a committed one forward (renames the rest).
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    committed: bool,
    /// `(temporary, file)` pairs.
    replace: Vec<(PathBuf, PathBuf)>,
}

/// Crash points for tests: every step of a change on disk calls [`step`],
/// and a test can make the `k`-th one stop the change as a crash would
/// (an unwind no code of the change runs after), for every `k`. A test can
/// also make every rename fail, as across file systems, to take the copy
/// path of [`move_file`].
#[cfg(test)]
pub(crate) mod crash {
    use std::cell::Cell;

    /// The payload of a simulated crash.
    pub struct Crashed;

    thread_local! {
        /// Steps left before the crash (`None`: never).
        pub static LEFT: Cell<Option<usize>> = const { Cell::new(None) };
        /// Steps taken.
        pub static TAKEN: Cell<usize> = const { Cell::new(0) };
        /// Renames fail as across file systems.
        pub static NO_RENAME_ACROSS: Cell<bool> = const { Cell::new(false) };
    }

    pub fn point() {
        TAKEN.with(|t| t.set(t.get() + 1));
        LEFT.with(|l| match l.get() {
            Some(0) => std::panic::resume_unwind(Box::new(Crashed)),
            Some(n) => l.set(Some(n - 1)),
            None => {}
        });
    }
}

/// One step of a change on disk: a place where a crash may stop a fix.
/// Nothing happens here outside tests.
#[inline]
fn step() {
    #[cfg(test)]
    crash::point();
}

fn werr<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> DoctorError + 'a {
    move |source| DoctorError::Write { what, path: path.to_path_buf(), source }
}

/// Create a file only this user can read, failing if it exists.
fn create_private(path: &Path) -> std::io::Result<File> {
    step();
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
        step();
        return std::fs::set_permissions(path, std::fs::Permissions::from_mode(m));
    }
    let _ = (path, mode);
    Ok(())
}

/// A rename: the one step that replaces a file whole.
fn rename(from: &Path, to: &Path) -> std::io::Result<()> {
    step();
    #[cfg(test)]
    if crash::NO_RENAME_ACROSS.with(std::cell::Cell::get) && from.parent() != to.parent() {
        return Err(std::io::Error::other("a rename across file systems (test)"));
    }
    std::fs::rename(from, to)
}

fn remove(path: &Path) -> std::io::Result<()> {
    step();
    std::fs::remove_file(path)
}

/// Sync a directory, so a rename in it survives a crash.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    let _ = dir;
}

/// Write `bytes` to a new private file `to`, synced to disk, with `mode`.
fn write_new(to: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), DoctorError> {
    let mut f = create_private(to).map_err(werr("create", to))?;
    step();
    let written = f.write_all(bytes).and_then(|_| {
        step();
        f.sync_all()
    });
    let written = written.and_then(|_| set_mode(to, mode));
    if let Err(e) = written {
        let _ = std::fs::remove_file(to);
        return Err(DoctorError::Write { what: "write", path: to.to_path_buf(), source: e });
    }
    Ok(())
}

/// Copy `from` to a new private file `to`, synced to disk.
fn copy_private(from: &Path, to: &Path) -> Result<(), DoctorError> {
    let bytes = std::fs::read(from).map_err(|source| DoctorError::Read { path: from.to_path_buf(), source })?;
    write_new(to, &bytes, None)
}

/// A sibling of `file` for a temporary copy (`NAME.SUFFIX`).
fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().map_or_else(|| "file".into(), std::ffi::OsStr::to_os_string);
    name.push(".");
    name.push(suffix);
    file.with_file_name(name)
}

/// Move a file, giving it `mode` first: a rename when it can be one (the
/// file is in one place or the other, whole); across file systems a copy
/// (synced) under a temporary name beside the destination, a rename of the
/// copy into place, and only then the removal of the original — a crash
/// leaves it in one place or both, never half of it.
fn move_file(from: &Path, to: &Path, mode: Option<u32>) -> Result<(), DoctorError> {
    if set_mode(from, mode).is_ok() && rename(from, to).is_ok() {
        if let Some(d) = to.parent() {
            sync_dir(d);
        }
        return Ok(());
    }
    let tmp = sibling(to, "errsig-partial");
    let _ = std::fs::remove_file(&tmp);
    let bytes = std::fs::read(from).map_err(|source| DoctorError::Read { path: from.to_path_buf(), source })?;
    write_new(&tmp, &bytes, mode)?;
    if let Err(e) = rename(&tmp, to) {
        let _ = std::fs::remove_file(&tmp);
        return Err(DoctorError::Write { what: "move", path: to.to_path_buf(), source: e });
    }
    if let Some(d) = to.parent() {
        sync_dir(d);
    }
    remove(from).map_err(werr("remove", from))
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
        if !self.dir.is_dir() {
            step();
            std::fs::create_dir_all(&self.dir).map_err(werr("create", &self.dir))?;
        }
        // Even when it existed already: a backup directory others can read
        // would hand them the keys in it.
        if mode_of(&self.dir).is_some_and(|m| m != 0o700) {
            set_mode(&self.dir, Some(0o700)).map_err(werr("chmod", &self.dir))?;
        }
        Ok(())
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("index.json")
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.join("pending.json")
    }

    /// Every backup, oldest first. An entry whose file is missing while its
    /// original is in place is not listed: it was written just before a
    /// move or a copy that did not happen (a crash), or its file was put
    /// back just before the index was saved.
    pub fn list(&self) -> Result<Vec<Backup>, DoctorError> {
        let all = self.index()?;
        Ok(all.into_iter().filter(|b| self.dir.join(&b.file).is_file() || !b.original.exists()).collect())
    }

    /// The index as saved.
    fn index(&self) -> Result<Vec<Backup>, DoctorError> {
        let p = self.index_path();
        match std::fs::read_to_string(&p) {
            Ok(t) => {
                serde_json::from_str(&t).map_err(|e| DoctorError::Json { path: p.clone(), message: e.to_string() })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(DoctorError::Read { path: p, source }),
        }
    }

    /// Replace a file of the store whole (through a temporary file and a
    /// rename).
    fn write_whole(&self, path: &Path, text: &str) -> Result<(), DoctorError> {
        let tmp = sibling(path, "tmp");
        let _ = std::fs::remove_file(&tmp);
        write_new(&tmp, text.as_bytes(), None)?;
        rename(&tmp, path).map_err(werr("replace", path))?;
        sync_dir(&self.dir);
        Ok(())
    }

    fn save(&self, list: &[Backup]) -> Result<(), DoctorError> {
        let text = serde_json::to_string_pretty(list).unwrap_or_else(|_| "[]".into()) + "\n";
        self.write_whole(&self.index_path(), &text)
    }

    fn write_journal(&self, j: &Journal) -> Result<(), DoctorError> {
        let text = serde_json::to_string_pretty(j).unwrap_or_default() + "\n";
        self.write_whole(&self.journal_path(), &text)
    }

    /// Finish what a crash interrupted: a change of several files is rolled
    /// back when it was not committed and forward when it was (see
    /// [`Journal`]); temporary copies left in the store are removed (a move's
    /// original is removed only after its copy is in place). Run before every
    /// change; doing it twice changes nothing more.
    pub fn recover(&self) -> Result<(), DoctorError> {
        let jp = self.journal_path();
        match std::fs::read_to_string(&jp) {
            Ok(t) => {
                let j: Journal = serde_json::from_str(&t)
                    .map_err(|e| DoctorError::Json { path: jp.clone(), message: e.to_string() })?;
                for (tmp, file) in &j.replace {
                    if !tmp.is_file() {
                        continue;
                    }
                    if j.committed {
                        rename(tmp, file).map_err(werr("replace", file))?;
                        if let Some(d) = file.parent() {
                            sync_dir(d);
                        }
                    } else {
                        remove(tmp).map_err(werr("remove", tmp))?;
                    }
                }
                remove(&jp).map_err(werr("remove", &jp))?;
                sync_dir(&self.dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(DoctorError::Read { path: jp, source }),
        }
        // A copy on its way back from the store (a restore across file
        // systems) lies beside its original; the backup is still whole.
        for b in self.index()? {
            let partial = sibling(&b.original, "errsig-partial");
            if partial.is_file() && self.dir.join(&b.file).is_file() {
                remove(&partial).map_err(werr("remove", &partial))?;
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".errsig-partial") || name == "index.json.tmp" || name == "pending.json.tmp" {
                    remove(&e.path()).map_err(werr("remove", &e.path()))?;
                }
            }
        }
        Ok(())
    }

    fn new_id(&self, list: &[Backup], base: &str) -> String {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        (1..)
            .map(|n| format!("{secs}-{n}"))
            .find(|id| {
                !list.iter().any(|b| &b.id == id)
                    && !self.dir.join(id).exists()
                    && !self.dir.join(format!("{id}-{base}")).exists()
            })
            .unwrap_or_default()
    }

    /// Keep `original` in the store — copied, or moved when `take` — and
    /// return its entry. The entry is saved first, then the file is moved
    /// (one rename) or copied (under a temporary name, then renamed): the
    /// store never holds a file its index does not name, nor a named file
    /// that is incomplete.
    pub fn keep(&self, original: &Path, fix: FixId, take: bool) -> Result<Backup, DoctorError> {
        self.open()?;
        let mut list = self.list()?;
        let base = original.file_name().map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let id = self.new_id(&list, &base);
        let file = format!("{id}-{base}");
        let dest = self.dir.join(&file);
        let made = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let b = Backup {
            id,
            original: original.to_path_buf(),
            file,
            mode: mode_of(original),
            made,
            fix: fix.as_str().into(),
        };
        list.push(b.clone());
        self.save(&list)?;
        if take {
            move_file(original, &dest, None)?;
            set_mode(&dest, Some(0o600)).map_err(werr("chmod", &dest))?;
        } else {
            let tmp = sibling(&dest, "errsig-partial");
            let _ = std::fs::remove_file(&tmp);
            copy_private(original, &tmp)?;
            rename(&tmp, &dest).map_err(werr("move", &dest))?;
            sync_dir(&self.dir);
        }
        Ok(b)
    }

    /// Put a backup back, by id or by its path (also a path of an older
    /// version's `NAME.errsig-backup-TIME`). A file now in its place is
    /// copied into the store first, then replaced by one rename: at every
    /// moment the file is the current one or the backup's, and both stay
    /// restorable.
    pub fn restore(&self, what: &str) -> Result<String, DoctorError> {
        self.recover()?;
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
            let aside = self.keep(&entry.original, FixId::parse(&entry.fix).unwrap_or(FixId::UnsetEnv), false)?;
            msg.push_str(&format!(
                "kept the current {} as backup {} (errsig doctor --restore {} puts it back); ",
                entry.original.display(),
                aside.id,
                aside.id
            ));
        }
        if let Some(parent) = entry.original.parent().filter(|p| !p.is_dir()) {
            step();
            std::fs::create_dir_all(parent).map_err(werr("create", parent))?;
        }
        move_file(&backup, &entry.original, entry.mode)?;
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
            let aside = self.keep(&target, FixId::UnsetEnv, false)?;
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
///
/// Interrupted at any step (a crash, a full disk), a fix leaves each file
/// as it was or as the fix makes it, never half of either, and never
/// without a backup of what it was: a moved file is in one place or the
/// other (or both, across file systems); settings files are backed up,
/// their new contents written and synced beside them, and then each is
/// replaced by one rename. Several files change together: the renames are
/// listed in a journal first, and the next change (or `--restore`) finishes
/// them, so what Claude Code reads is all old or all new once errsig has run
/// again ([`Store::recover`]).
pub fn apply(plan: &Plan) -> Result<Vec<String>, DoctorError> {
    let store = Store::new(plan.backups.clone());
    store.recover()?;
    let mut done = Vec::new();
    // Read and edit every settings file first: a broken one changes nothing.
    let mut edits = Vec::new();
    for c in &plan.changes {
        if let Change::RemoveEnv { file, names } = c {
            let text =
                std::fs::read_to_string(file).map_err(|source| DoctorError::Read { path: file.clone(), source })?;
            let mut v: Value = serde_json::from_str(&text)
                .map_err(|e| DoctorError::Json { path: file.clone(), message: e.to_string() })?;
            if let Some(env) = v.get_mut("env").and_then(Value::as_object_mut) {
                for n in names {
                    env.remove(n);
                }
            }
            let out = serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
            edits.push((file, names, out));
        }
    }
    for c in &plan.changes {
        if let Change::MoveAside { file } = c {
            let b = store.keep(file, plan.id, true)?;
            done.push(format!(
                "moved {} into the backups as {} (errsig doctor --restore {})",
                file.display(),
                b.id,
                b.id
            ));
        }
    }
    if edits.is_empty() {
        return Ok(done);
    }
    let mut backups = Vec::new();
    for (file, _, _) in &edits {
        backups.push(store.keep(file, plan.id, false)?);
    }
    let replace: Vec<(PathBuf, PathBuf)> =
        edits.iter().map(|(file, _, _)| (sibling(file, "errsig-tmp"), (*file).clone())).collect();
    let result = replace_all(&store, &edits, replace);
    if result.is_err() {
        // Back when the new contents were not all written, forward when
        // they were: never a mix.
        let _ = store.recover();
    }
    result?;
    for ((file, names, _), b) in edits.iter().zip(&backups) {
        done.push(format!(
            "removed {} from {} (backup {}: errsig doctor --restore {})",
            names.join(", "),
            file.display(),
            b.id,
            b.id
        ));
    }
    Ok(done)
}

/// Replace every edited file with its new content: the journal, each new
/// content beside its file (created with the file's permissions from the
/// start, never wider), the journal committed, the renames, the journal gone.
fn replace_all(
    store: &Store,
    edits: &[(&PathBuf, &Vec<String>, String)],
    replace: Vec<(PathBuf, PathBuf)>,
) -> Result<(), DoctorError> {
    for (tmp, _) in &replace {
        let _ = std::fs::remove_file(tmp);
    }
    let mut journal = Journal { committed: false, replace };
    store.write_journal(&journal)?;
    for ((tmp, file), (_, _, text)) in journal.replace.iter().zip(edits) {
        write_new(tmp, text.as_bytes(), mode_of(file))?;
    }
    journal.committed = true;
    store.write_journal(&journal)?;
    for (tmp, file) in &journal.replace {
        rename(tmp, file).map_err(werr("replace", file))?;
        if let Some(d) = file.parent() {
            sync_dir(d);
        }
    }
    let jp = store.journal_path();
    remove(&jp).map_err(werr("remove", &jp))?;
    sync_dir(&store.dir);
    Ok(())
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

/// Every fix, and `--restore`, stopped after each of its steps as a crash
/// would stop it: the files are as they were or as the fix makes them
/// (each file at the crash, all of them once the next run has recovered),
/// what they were is restorable, the fix can be finished, and undone.
#[cfg(test)]
mod crash_safety {
    use super::super::checks::settings::read_all;
    use super::super::host::Hooks;
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

    /// A file's bytes and permission bits.
    type Files = BTreeMap<PathBuf, (Vec<u8>, Option<u32>)>;

    /// A throwaway machine: a home, a workspace, the store in the home.
    struct Machine {
        root: PathBuf,
        host: Host,
    }

    impl Machine {
        fn new(name: &str, platform: Platform) -> Machine {
            let root = std::env::temp_dir().join(format!("errsig-crash-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            let (home, ws) = (root.join("home"), root.join("ws"));
            std::fs::create_dir_all(home.join(".claude")).unwrap();
            std::fs::create_dir_all(ws.join(".claude")).unwrap();
            let vars = BTreeMap::from([("HOME".to_owned(), home.display().to_string())]);
            let hooks = Hooks { platform: Some(platform), ..Hooks::default() };
            let host = Host::new(vars, ws, hooks).unwrap();
            Machine { root, host }
        }

        fn write(&self, rel: &str, text: &str, mode: u32) {
            let p = self.root.join(rel);
            std::fs::write(&p, text).unwrap();
            set_mode(&p, Some(mode)).unwrap();
        }

        fn store(&self) -> Store {
            Store::new(self.host.backup_dir())
        }

        /// Every file outside the store, by path below the root.
        fn outside(&self) -> Files {
            fn walk(d: &Path, store: &Path, root: &Path, out: &mut Files) {
                for e in std::fs::read_dir(d).unwrap().flatten() {
                    let p = e.path();
                    if p.starts_with(store) {
                        continue;
                    }
                    if p.is_dir() {
                        walk(&p, store, root, out);
                    } else {
                        let rel = p.strip_prefix(root).unwrap().to_path_buf();
                        out.insert(rel, (std::fs::read(&p).unwrap(), mode_of(&p)));
                    }
                }
            }
            let mut out = Files::new();
            walk(&self.root, &self.host.backup_dir(), &self.root, &mut out);
            out
        }

        /// Whether the store lists a backup of `rel` holding `bytes`.
        fn restorable(&self, rel: &Path, bytes: &[u8]) -> bool {
            let store = self.store();
            let original = self.root.join(rel);
            store.list().unwrap().iter().any(|b| {
                b.original == original && std::fs::read(store.dir().join(&b.file)).is_ok_and(|got| got == bytes)
            })
        }

        /// The newest backup of `rel`.
        fn newest_backup(&self, rel: &Path) -> Option<String> {
            let original = self.root.join(rel);
            self.store().list().unwrap().into_iter().rev().find(|b| b.original == original).map(|b| b.id)
        }
    }

    impl Drop for Machine {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    /// Run `f`, stopped as by a crash after `k` steps (`None`: never);
    /// `None` when it was stopped.
    fn crash_after<T>(k: Option<usize>, f: impl FnOnce() -> T) -> Option<T> {
        crash::LEFT.with(|l| l.set(k));
        let r = catch_unwind(AssertUnwindSafe(f));
        crash::LEFT.with(|l| l.set(None));
        match r {
            Ok(v) => Some(v),
            Err(e) if e.is::<crash::Crashed>() => None,
            Err(e) => resume_unwind(e),
        }
    }

    fn stray(p: &Path) -> bool {
        let n = p.to_string_lossy();
        n.ends_with(".errsig-tmp") || n.ends_with(".errsig-partial")
    }

    /// The files are `old` or `new`, each one (`whole`: all of them), and
    /// a file that changed has its old content in the store. Returns
    /// whether they are new.
    fn judge(m: &Machine, old: &Files, new: &Files, whole: bool, what: &str) -> bool {
        let mut now = m.outside();
        if !whole {
            // Before recovery a temporary file may lie beside its file.
            now.retain(|p, _| !stray(p));
        }
        let paths: BTreeSet<&PathBuf> = old.keys().chain(new.keys()).chain(now.keys()).collect();
        let mut states = BTreeSet::new();
        for p in paths {
            let (cur, o, n) = (now.get(p), old.get(p), new.get(p));
            assert!(cur == o || cur == n, "{what}: {} is neither as it was nor as the fix makes it", p.display());
            if cur != o {
                if let Some((bytes, _)) = o {
                    assert!(
                        m.restorable(p, bytes),
                        "{what}: {} changed and its old content is not in the store",
                        p.display()
                    );
                }
            }
            if o != n {
                states.insert(cur == n);
            }
        }
        if whole {
            assert!(states.len() <= 1, "{what}: some files are old and some new after recovery");
        }
        states.contains(&true)
    }

    /// For every `k`: a fresh machine set up by `setup`, `op` stopped after
    /// `k` steps; the files judged at the crash and after recovery; the
    /// operation finished (when it had not got far enough) and, for fixes,
    /// undone with `--restore`. Returns the number of steps.
    fn every_step(
        name: &str,
        platform: Platform,
        across: bool,
        setup: &dyn Fn(&Machine),
        op: &dyn Fn(&Machine) -> Result<Vec<String>, DoctorError>,
        undo: bool,
    ) -> usize {
        crash::NO_RENAME_ACROSS.with(|c| c.set(across));
        let reference = Machine::new(&format!("{name}-ref"), platform);
        setup(&reference);
        let old = reference.outside();
        crash::TAKEN.with(|t| t.set(0));
        op(&reference).unwrap();
        let steps = crash::TAKEN.with(std::cell::Cell::get);
        let new = reference.outside();
        assert_ne!(old, new, "{name}: the operation changes something");
        for k in 0..steps {
            let what = format!("{name}, stopped after {k} of {steps} steps");
            let m = Machine::new(&format!("{name}-{k}"), platform);
            setup(&m);
            assert!(crash_after(Some(k), || op(&m)).is_none(), "{what}: the step count is stable");
            judge(&m, &old, &new, false, &what);
            m.store().recover().unwrap();
            let is_new = judge(&m, &old, &new, true, &what);
            if !is_new {
                op(&m).unwrap();
            }
            assert_eq!(m.outside(), new, "{what}: finished");
            if undo {
                for (p, _) in old.iter().filter(|(p, v)| new.get(*p) != Some(v)) {
                    let id = m.newest_backup(p).unwrap_or_else(|| panic!("{what}: no backup of {}", p.display()));
                    m.store().restore(&id).unwrap();
                }
                assert_eq!(m.outside(), old, "{what}: undone, byte for byte, modes too");
            }
        }
        crash::NO_RENAME_ACROSS.with(|c| c.set(false));
        steps
    }

    fn fix(id: FixId) -> impl Fn(&Machine) -> Result<Vec<String>, DoctorError> {
        move |m| apply(&plan(&m.host, &read_all(&m.host), id)?)
    }

    const CREDENTIALS: &str = r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-FAKEfakeFAKE","expiresAt":1}}"#;

    fn stale_login(m: &Machine) {
        m.write("home/.claude/.credentials.json", CREDENTIALS, 0o640);
    }

    fn two_settings_files(m: &Machine) {
        m.write(
            "ws/.claude/settings.json",
            r#"{"model":"claude-x","env":{"ANTHROPIC_API_KEY":"sk-ant-api03-FAKEfake","KEEP":"1"}}"#,
            0o644,
        );
        m.write(
            "ws/.claude/settings.local.json",
            r#"{"env":{"ANTHROPIC_AUTH_TOKEN":"FAKEtoken","ANTHROPIC_BASE_URL":"http://127.0.0.1:9"}}"#,
            0o600,
        );
    }

    #[test]
    fn moving_the_login_aside_stopped_at_any_step() {
        for across in [false, true] {
            let steps = every_step(
                &format!("move-{across}"),
                Platform::Linux,
                across,
                &stale_login,
                &fix(FixId::MoveCredentials),
                true,
            );
            assert!(steps >= 8, "{steps}");
        }
    }

    #[test]
    fn unsetting_variables_in_two_files_stopped_at_any_step() {
        for across in [false, true] {
            let steps = every_step(
                &format!("unset-env-{across}"),
                Platform::Linux,
                across,
                &two_settings_files,
                &fix(FixId::UnsetEnv),
                true,
            );
            assert!(steps >= 20, "{steps}");
        }
    }

    #[test]
    fn unsetting_the_base_url_stopped_at_any_step() {
        every_step("unset-base-url", Platform::Linux, false, &two_settings_files, &fix(FixId::UnsetBaseUrl), true);
    }

    #[test]
    fn restoring_stopped_at_any_step() {
        let restore_the_fix = |m: &Machine| -> Result<Vec<String>, DoctorError> {
            // The fix's backup (later ones are copies a restore kept aside).
            let id = m.store().list()?.first().map(|b| b.id.clone()).unwrap_or_default();
            m.store().restore(&id).map(|s| vec![s])
        };
        for across in [false, true] {
            let fixed = |m: &Machine| {
                stale_login(m);
                fix(FixId::MoveCredentials)(m).unwrap();
            };
            every_step(&format!("restore-login-{across}"), Platform::Linux, across, &fixed, &restore_the_fix, false);
            let fixed = |m: &Machine| {
                two_settings_files(m);
                fix(FixId::UnsetBaseUrl)(m).unwrap();
            };
            every_step(&format!("restore-settings-{across}"), Platform::Linux, across, &fixed, &restore_the_fix, false);
        }
    }

    #[test]
    fn the_keychain_fix_changes_nothing() {
        let m = Machine::new("keychain", Platform::Macos);
        stale_login(&m);
        let before = m.outside();
        let p = plan(&m.host, &read_all(&m.host), FixId::Keychain).unwrap();
        assert!(p.changes.is_empty(), "errsig never removes a Keychain item itself");
        crash::TAKEN.with(|t| t.set(0));
        assert!(apply(&p).unwrap().is_empty());
        assert_eq!(crash::TAKEN.with(std::cell::Cell::get), 0, "not one step on disk");
        assert_eq!(m.outside(), before);
    }

    /// A journal left by a crash after its commit is finished by the next
    /// run; one left before it is rolled back; recovering twice changes
    /// nothing more.
    #[test]
    fn recovery_is_idempotent() {
        let m = Machine::new("recover-twice", Platform::Linux);
        two_settings_files(&m);
        let old = m.outside();
        let mut k = 0;
        loop {
            let m2 = Machine::new(&format!("recover-twice-{k}"), Platform::Linux);
            two_settings_files(&m2);
            if crash_after(Some(k), || fix(FixId::UnsetEnv)(&m2)).is_some() {
                break;
            }
            m2.store().recover().unwrap();
            let once = (m2.outside(), m2.store().list().unwrap().len());
            m2.store().recover().unwrap();
            assert_eq!((m2.outside(), m2.store().list().unwrap().len()), once, "after {k} steps");
            k += 1;
        }
        assert!(k > 0);
        assert_eq!(m.outside(), old);
    }
}
