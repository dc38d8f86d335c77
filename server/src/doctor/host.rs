//! What the doctor reads of the machine, in one place: environment, home,
//! workspace, platform, `PATH` lookups and running programs with a timeout.
//! Tests set the platform with `ERRSIG_DOCTOR_PLATFORM` (`linux`, `macos`)
//! and everything else through the real environment of the process.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    /// The current machine.
    pub fn current() -> Result<Host, String> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        let home = vars.get("HOME").or_else(|| vars.get("USERPROFILE")).map(PathBuf::from).ok_or("HOME is not set")?;
        let workspace = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
        let platform = match vars.get("ERRSIG_DOCTOR_PLATFORM").map(String::as_str) {
            Some("macos") => Platform::Macos,
            Some("linux") => Platform::Linux,
            Some("windows") => Platform::Windows,
            _ if cfg!(target_os = "macos") => Platform::Macos,
            _ if cfg!(windows) => Platform::Windows,
            _ => Platform::Linux,
        };
        Ok(Host { vars, home, workspace, platform })
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

    /// The managed settings file of this platform.
    pub fn managed_settings(&self) -> PathBuf {
        match self.platform {
            Platform::Macos => PathBuf::from("/Library/Application Support/ClaudeCode/managed-settings.json"),
            Platform::Windows => PathBuf::from(r"C:\ProgramData\ClaudeCode\managed-settings.json"),
            Platform::Linux => PathBuf::from(
                self.var("ERRSIG_DOCTOR_MANAGED_SETTINGS").unwrap_or("/etc/claude-code/managed-settings.json"),
            ),
        }
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
        let timeout = self
            .var("ERRSIG_DOCTOR_RUN_TIMEOUT_MS")
            .and_then(|v| v.parse().ok())
            .map_or(timeout, |ms| timeout.min(Duration::from_millis(ms)));
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
