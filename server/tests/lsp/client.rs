//! A minimal LSP client over real stdio framing, for driving the built
//! `errsig lsp` binary in tests.
//!
//! `request` sends a request and waits for its response, answering the
//! server's own requests meanwhile (`workspace/configuration` with the
//! current settings, `window/showDocument` recorded and accepted, anything
//! else with `null`); notifications are queued for `wait_for`. Dropping the
//! client kills the server if it is still running.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::Read;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStderr, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// How long any single wait may take before the test fails. Generous: it
/// bounds a hang, it does not measure speed.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    pub notifications: VecDeque<Value>,
    /// Every message the server sent, by method, in order.
    pub log: Vec<String>,
    pub shown_documents: Vec<Value>,
    pub settings: Value,
    /// Reads the server's stderr as it comes (a full pipe would block the
    /// server's log writes, and with it the server); joined by `finish`.
    stderr: Option<std::thread::JoinHandle<String>>,
    paused: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

impl Client {
    pub fn start(cwd: &std::path::Path) -> Client {
        Client::start_env(cwd, &[])
    }

    /// Start the server with extra environment variables.
    pub fn start_env(cwd: &std::path::Path, env: &[(&str, String)]) -> Client {
        Client::spawn(cwd, env, false)
    }

    /// Start the server keeping its stderr (read it with [`Client::finish`]).
    pub fn start_logged(cwd: &std::path::Path) -> Client {
        Client::spawn(cwd, &[], true)
    }

    /// Start the server with extra environment variables, keeping its stderr.
    pub fn start_logged_env(cwd: &std::path::Path, env: &[(&str, String)]) -> Client {
        Client::spawn(cwd, env, true)
    }

    fn spawn(cwd: &std::path::Path, env: &[(&str, String)], keep_stderr: bool) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_errsig"))
            .args(["lsp", "--stdio"])
            .current_dir(cwd)
            // A default the caller's environment may override (ERRSIG_LOG=trace).
            .env("ERRSIG_LOG", "errsig=debug")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if keep_stderr { Stdio::piped() } else { Stdio::null() })
            .spawn()
            .expect("errsig lsp starts");
        let stderr = child.stderr.take().map(|mut e: ChildStderr| {
            std::thread::spawn(move || {
                let mut all = Vec::new();
                let _ = e.read_to_end(&mut all);
                String::from_utf8_lossy(&all).into_owned()
            })
        });
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let paused = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pause = paused.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                while pause.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let Some(m) = read_message(&mut r) else { break };
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            notifications: VecDeque::new(),
            log: Vec::new(),
            shown_documents: Vec::new(),
            settings: Value::Null,
            stderr,
            paused,
        }
    }

    /// Write raw bytes to the server, framing and all.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Stop (or resume) reading the server's stdout, as a client that is busy.
    pub fn pause_reading(&self, paused: bool) {
        self.paused.store(paused, std::sync::atomic::Ordering::Relaxed);
    }

    /// A second handle on the server's stdin, for writing from another thread.
    pub fn stdin_handle(&self) -> std::fs::File {
        use std::os::fd::AsFd;
        let fd = self.stdin.as_ref().expect("stdin is open").as_fd().try_clone_to_owned().unwrap();
        std::fs::File::from(fd)
    }

    /// The next message the server sends, whatever it is.
    pub fn next_message(&mut self) -> Option<Value> {
        let deadline = Instant::now() + PATIENCE;
        self.next(deadline)
    }

    /// Close the server's stdin and wait for it to exit: its status and
    /// (for [`Client::start_logged`]) what it wrote on stderr.
    pub fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let err = self.stderr.take().map(|t| t.join().unwrap_or_default()).unwrap_or_default();
        (status, err)
    }

    pub fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let mut msg = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        msg.extend_from_slice(&body);
        self.send_bytes(&msg);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request; returns the whole response (`result` or `error`).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.next(deadline).unwrap_or_else(|| panic!("no response to {method}"));
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m;
            }
            self.handle(m);
        }
    }

    /// Send a request; returns its result, failing on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.request_raw(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    fn next(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.rx.recv_timeout(left).ok()
    }

    fn handle(&mut self, m: Value) {
        if let Some(method) = m.get("method").and_then(Value::as_str) {
            self.log.push(method.to_owned());
        }
        match (m.get("method").and_then(Value::as_str), m.get("id")) {
            (Some(method), Some(id)) => {
                let result = match method {
                    "workspace/configuration" => json!([self.settings.clone()]),
                    "window/showDocument" => {
                        self.shown_documents.push(m["params"].clone());
                        json!({ "success": true })
                    }
                    "workspace/diagnostic/refresh" => {
                        self.notifications.push_back(json!({ "method": method, "params": {} }));
                        Value::Null
                    }
                    // Confirmations: the first action (Apply, Send), as a user who agrees.
                    "window/showMessageRequest" => {
                        self.notifications
                            .push_back(json!({ "method": "window/showMessageRequest", "params": m["params"].clone() }));
                        m["params"]["actions"][0].clone()
                    }
                    _ => Value::Null,
                };
                let id = id.clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
            }
            (Some(_), None) => self.notifications.push_back(m),
            _ => {}
        }
    }

    /// Wait for a notification matching `pred` (queued ones first).
    pub fn wait_for(&mut self, method: &str, mut pred: impl FnMut(&Value) -> bool) -> Value {
        if let Some(i) = self.notifications.iter().position(|n| n["method"] == method && pred(&n["params"])) {
            let n = self.notifications.remove(i).unwrap();
            return n["params"].clone();
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.next(deadline).unwrap_or_else(|| panic!("no {method} notification came"));
            if m["method"] == method && m.get("id").is_none() && pred(&m["params"]) {
                return m["params"].clone();
            }
            self.handle(m);
            // Requests the client answered are queued as notifications too.
            if let Some(i) = self.notifications.iter().position(|n| n["method"] == method && pred(&n["params"])) {
                return self.notifications.remove(i).unwrap()["params"].clone();
            }
        }
    }

    /// Wait until the server has asked the client to show a document
    /// matching `pred`.
    pub fn wait_shown(&mut self, mut pred: impl FnMut(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(d) = self.shown_documents.iter().find(|d| pred(d)) {
                return d.clone();
            }
            let m = self.next(deadline).expect("no window/showDocument came");
            self.handle(m);
        }
    }

    /// The diagnostics published for `uri` once they satisfy `pred`.
    pub fn diagnostics(&mut self, uri: &str, mut pred: impl FnMut(&[Value]) -> bool) -> Vec<Value> {
        let p = self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && pred(p["diagnostics"].as_array().map_or(&[][..], |v| v.as_slice()))
        });
        p["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Drain what the server sent so far without waiting (one round trip
    /// makes sure everything sent before it has arrived).
    pub fn settle(&mut self) {
        let _ = self.request_raw("errsig/debugStats", json!({ "uri": "settle:none" }));
        while let Ok(m) = self.rx.try_recv() {
            self.handle(m);
        }
    }

    pub fn initialize(&mut self, capabilities: Value, options: Value, root: &std::path::Path) -> Value {
        let root_uri = format!("file://{}", root.display());
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{ "uri": root_uri, "name": "ws" }],
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    pub fn shutdown(mut self) -> Option<i32> {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
