//! `errsig lsp`: the language server (tower-lsp-server 0.22 on tokio).
//!
//! Documents are any text a client sends: log files, untitled buffers,
//! Neovim terminal buffers (`term://`, hard-wrapped at the width the client
//! reports with `errsig/terminalWidth`) and VS Code terminal documents
//! (`errsig-terminal:`, raw chunks).
//!
//! | file | owns |
//! |---|---|
//! | `transport.rs`, `framing.rs` | stdio: framing that survives malformed input, one write per message |
//! | `server.rs` | the `LanguageServer` impl and the `errsig/*` handlers |
//! | `session.rs` | the state: documents, projects, settings |
//! | `caps.rs` | what was negotiated with the client |
//! | `ext.rs` | protocol extensions: the command registry, `errsig/*` methods |
//! | `document.rs`, `lines.rs` | one document: text, a sparse line index, findings, incremental re-scans |
//! | `diagnostics.rs`, `hover.rs`, `actions.rs`, `suppress.rs` | the features |
//! | `doctor.rs` | the doctor behind commands |
//! | `output.rs` | writing and showing reports |
//! | `log.rs` | the log on stderr (`ERRSIG_LOG`), redacted |
//! | `stash.rs` | large document texts around tower-lsp-server's codec |
//!
//! Only this module knows LSP types.

mod actions;
mod caps;
mod diagnostics;
mod doctor;
mod document;
mod ext;
mod framing;
mod hover;
mod lines;
mod log;
mod output;
mod server;
mod session;
mod settings;
mod stash;
mod suppress;
mod transport;

use server::Backend;
use tower_lsp_server::LspService;

/// Run the server on stdin/stdout until the client says exit; returns the
/// exit status (0 after shutdown and exit, 1 otherwise).
pub fn run() -> u8 {
    log::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("errsig: cannot start the language server: {e}");
            return 2;
        }
    };
    let status = runtime.block_on(async {
        let stash = std::sync::Arc::new(stash::Stash::default());
        let texts = stash.clone();
        let (service, socket) = LspService::build(move |client| Backend::new(client, texts.clone()))
            .custom_method(ext::TERMINAL_WIDTH, Backend::terminal_width)
            .custom_method(ext::SCAN_TEXT, Backend::scan_text)
            .custom_method(ext::DEBUG_STATS, Backend::debug_stats)
            .finish();
        transport::serve(service, socket, stash, tokio::io::stdin(), tokio::io::stdout()).await
    });
    // Tokio's stdin reader may still block in a read the client never
    // completes; do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    status
}
