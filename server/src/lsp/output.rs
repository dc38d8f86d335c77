//! What the server's commands write and show: reports and explanations in
//! the user's report directory, shown with `window/showDocument` when the
//! client can, else named in a message. Shared by `actions.rs` and
//! `doctor.rs` (neither imports the other).

use super::server::Backend;
use std::path::{Path, PathBuf};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::{MessageType, ShowDocumentParams, Uri};
use tower_lsp_server::UriExt;

/// Where reports and explanations go: the user's setting, else the cache.
pub fn report_dir(setting: Option<&Path>) -> PathBuf {
    if let Some(d) = setting {
        return d.to_path_buf();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("errsig")
}

/// Write `text` as `dir/name`, creating `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::invalid_params(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| Error::invalid_params(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// Seconds since the epoch, for file names.
pub fn stamp() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Show a written file: `window/showDocument` when the client can, else a
/// message with its path. Waits for the client, so it runs as its own task.
pub fn show(backend: &Backend, path: &Path, can_show: bool) {
    let client = backend.client.clone();
    let path = path.to_path_buf();
    tokio::spawn(async move {
        let uri = Uri::from_file_path(&path);
        let shown = match (can_show, uri) {
            (true, Some(uri)) => client
                .show_document(ShowDocumentParams {
                    uri,
                    external: Some(false),
                    take_focus: Some(true),
                    selection: None,
                })
                .await
                .unwrap_or(false),
            _ => false,
        };
        if !shown {
            client.show_message(MessageType::INFO, format!("errsig wrote {}", path.display())).await;
        }
    });
}
