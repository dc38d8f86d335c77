//! What the doctor reads of the machine, in one place: environment, home,
//! workspace, platform, the platform's paths, `PATH` lookups and running
//! programs with a timeout.
//!
//! Test hooks ([`Hooks`]) are read once, by the command line or the language
//! server, and passed in: no check reads them from the environment, so what a
//! check sees is exactly the [`Host`] it is given.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::DoctorError;

/// The operating system, for the parts that differ (credential storage,
/// managed settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux and other Unix: `~/.claude/.credentials.json`.
    Linux,
    /// macOS: the login Keychain.
    Macos,
    /// Windows: `%USERPROFILE%\.claude\.credentials.json`.
    Windows,
}

/// Overrides for tests, read once from `ERRSIG_DOCTOR_*` by the caller.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// `ERRSIG_DOCTOR_PLATFORM`: `linux`, `macos` or `windows`.
    pub platform: Option<Platform>,
    /// `ERRSIG_DOCTOR_ROOT`: a directory standing for the file system root,
    /// under which system paths (managed settings) are looked up.
    pub root: Option<PathBuf>,
    /// `ERRSIG_DOCTOR_MANAGED_SETTINGS`: the managed settings file itself.
    pub managed_settings: Option<PathBuf>,
    /// `ERRSIG_DOCTOR_RUN_TIMEOUT_MS`: a shorter deadline for programs.
    pub run_timeout: Option<Duration>,
    /// `ERRSIG_DOCTOR_PROBE_TIMEOUT_MS`: a shorter deadline for the probe.
    pub probe_timeout: Option<Duration>,
}

impl Hooks {
    /// The hooks set in these variables (the process's, read once).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Hooks {
        let ms = |k: &str| vars.get(k).and_then(|v| v.parse().ok()).map(Duration::from_millis);
        Hooks {
            platform: match vars.get("ERRSIG_DOCTOR_PLATFORM").map(String::as_str) {
                Some("macos") => Some(Platform::Macos),
                Some("linux") => Some(Platform::Linux),
                Some("windows") => Some(Platform::Windows),
                _ => None,
            },
            root: vars.get("ERRSIG_DOCTOR_ROOT").map(PathBuf::from),
            managed_settings: vars.get("ERRSIG_DOCTOR_MANAGED_SETTINGS").map(PathBuf::from),
            run_timeout: ms("ERRSIG_DOCTOR_RUN_TIMEOUT_MS"),
            probe_timeout: ms("ERRSIG_DOCTOR_PROBE_TIMEOUT_MS"),
        }
    }
}

/// The machine as the doctor sees it.
#[derive(Debug, Clone)]
pub struct Host {
    /// Environment variables.
    pub vars: BTreeMap<String, String>,
    /// The home directory.
    pub home: PathBuf,
    /// The workspace (current directory).
    pub workspace: PathBuf,
    /// The platform.
    pub platform: Platform,
    /// Test overrides.
    pub hooks: Hooks,
}

/// What running a program gave.
#[derive(Debug)]
pub struct Ran {
    /// Exit code (`None` when killed or timed out).
    pub code: Option<i32>,
    /// Standard output (never shown when it may hold a secret).
    pub stdout: String,
    /// Whether it ran out of time.
    pub timed_out: bool,
}

impl Host {
    /// The current machine, with the test hooks the caller read.
    pub fn current(hooks: Hooks) -> Result<Host, DoctorError> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        let workspace = std::env::current_dir().map_err(DoctorError::NoWorkspace)?;
        Host::new(vars, workspace, hooks)
    }

    /// A machine with these variables and this workspace.
    pub fn new(vars: BTreeMap<String, String>, workspace: PathBuf, hooks: Hooks) -> Result<Host, DoctorError> {
        let platform = hooks.platform.unwrap_or(if cfg!(target_os = "macos") {
            Platform::Macos
        } else if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Linux
        });
        // Windows keeps the home in USERPROFILE; HOME, when set there, is
        // usually a Unix tool's idea of it.
        let order = if platform == Platform::Windows { ["USERPROFILE", "HOME"] } else { ["HOME", "USERPROFILE"] };
        let home = order
            .iter()
            .find_map(|k| vars.get(*k))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or(DoctorError::NoHome)?;
        Ok(Host { vars, home, workspace, platform, hooks })
    }

    /// A system path (`/etc/…`, `C:\ProgramData\…`) given as its parts
    /// below the root; under the test root when one is set.
    fn system(&self, parts: &[&str]) -> PathBuf {
        let mut p = match (&self.hooks.root, self.platform) {
            (Some(r), _) => r.clone(),
            (None, Platform::Windows) => PathBuf::from("C:\\"),
            (None, _) => PathBuf::from("/"),
        };
        for part in parts {
            p.push(part);
        }
        p
    }

    /// A variable, when set (empty counts as set: it is a problem to report).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Claude Code's configuration directory (`CLAUDE_CONFIG_DIR` or `~/.claude`).
    pub fn claude_dir(&self) -> PathBuf {
        match self.var("CLAUDE_CONFIG_DIR").filter(|v| !v.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => self.home.join(".claude"),
        }
    }

    /// Claude Code's global state file (`~/.claude.json`).
    pub fn claude_state(&self) -> PathBuf {
        match self.var("CLAUDE_CONFIG_DIR").filter(|v| !v.is_empty()) {
            Some(d) => PathBuf::from(d).join(".claude.json"),
            None => self.home.join(".claude.json"),
        }
    }

    /// The managed settings files of this platform, the one in use first.
    /// Windows: `C:\Program Files\ClaudeCode` (current), then the older
    /// `C:\ProgramData\ClaudeCode`.
    pub fn managed_settings(&self) -> Vec<PathBuf> {
        if let Some(p) = &self.hooks.managed_settings {
            return vec![p.clone()];
        }
        match self.platform {
            Platform::Macos => {
                vec![self.system(&["Library", "Application Support", "ClaudeCode", "managed-settings.json"])]
            }
            Platform::Windows => vec![
                self.system(&["Program Files", "ClaudeCode", "managed-settings.json"]),
                self.system(&["ProgramData", "ClaudeCode", "managed-settings.json"]),
            ],
            Platform::Linux => vec![self.system(&["etc", "claude-code", "managed-settings.json"])],
        }
    }

    /// Where fixes keep their backups: a directory only this user can read,
    /// never inside a workspace. Linux: `$XDG_STATE_HOME/errsig/backups`,
    /// else `~/.local/state/errsig/backups`; macOS: `~/Library/Application
    /// Support/errsig/backups`; Windows: `%LOCALAPPDATA%\errsig\backups`.
    pub fn backup_dir(&self) -> PathBuf {
        let base = match self.platform {
            Platform::Linux => self
                .var("XDG_STATE_HOME")
                .filter(|v| Path::new(v).is_absolute())
                .map_or_else(|| self.home.join(".local").join("state"), PathBuf::from),
            Platform::Macos => self.home.join("Library").join("Application Support"),
            Platform::Windows => self
                .var("LOCALAPPDATA")
                .filter(|v| !v.is_empty())
                .map_or_else(|| self.home.join("AppData").join("Local"), PathBuf::from),
        };
        base.join("errsig").join("backups")
    }

    /// The shell profiles that may set a variable for every shell: the
    /// POSIX shells' and fish's, or PowerShell's on Windows.
    pub fn profiles(&self) -> Vec<PathBuf> {
        let rel: &[&str] = match self.platform {
            Platform::Windows => &[
                "Documents/PowerShell/Microsoft.PowerShell_profile.ps1",
                "Documents/PowerShell/profile.ps1",
                "Documents/WindowsPowerShell/Microsoft.PowerShell_profile.ps1",
                "Documents/WindowsPowerShell/profile.ps1",
            ],
            _ => {
                &[".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".zshenv", ".config/fish/config.fish"]
            }
        };
        rel.iter().map(|r| r.split('/').fold(self.home.clone(), |p, c| p.join(c))).collect()
    }

    /// Every executable named `name` on `PATH`, in order.
    pub fn which_all(&self, name: &str) -> Vec<PathBuf> {
        let path = self.var("PATH").unwrap_or("");
        std::env::split_paths(path).map(|d| d.join(name)).filter(|p| is_executable(p)).collect()
    }

    /// Run a program with a timeout; its output is captured, never echoed.
    /// The program runs in its own process group, and the whole group is
    /// killed at the deadline: a script that leaves children behind (a
    /// `sleep`, a password prompt) cannot make the doctor hang.
    pub fn run(&self, program: &Path, args: &[&str], timeout: Duration) -> std::io::Result<Ran> {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(&self.workspace).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        // Tests shorten every deadline to exercise programs that hang.
        let timeout = self.hooks.run_timeout.map_or(timeout, |t| timeout.min(t));
        let mut child = cmd.spawn()?;
        let mut stdout = child.stdout.take();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(o) = stdout.as_mut() {
                let _ = o.take(64 * 1024).read_to_string(&mut s);
            }
            let _ = tx.send(s);
        });
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(st) = child.try_wait()? {
                break Some(st);
            }
            if Instant::now() >= deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The output ends when every process holding the pipe is gone; wait
        // for it only until the deadline.
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(50));
        let stdout = rx.recv_timeout(if status.is_some() { left } else { Duration::ZERO });
        let timed_out = status.is_none() || stdout.is_err();
        if timed_out {
            kill_group(&mut child);
        }
        Ok(Ran { code: status.and_then(|s| s.code()), timed_out, stdout: stdout.unwrap_or_default() })
    }
}

/// Kill a child and everything it started.
// The one unsafe call of the doctor: kill(2) of the process group.
#[allow(unsafe_code)]
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (it was started with process_group(0)); no memory is
        // involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether a path is an executable file.
pub fn is_executable(p: &Path) -> bool {
    let Ok(m) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.is_file() && m.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        m.is_file()
    }
}
