//! The `errsig` binary: the faces (`cli/`, `lsp/`, `doctor/`), the only
//! code that reads files, runs programs or talks to anyone (the library's
//! I/O lints, clippy.toml, are not denied here).

mod cli;
mod doctor;
mod lsp;

fn main() -> std::process::ExitCode {
    cli::main()
}
