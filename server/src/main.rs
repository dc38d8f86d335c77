//! The `errsig` binary.

mod cli;
mod lsp;

fn main() -> std::process::ExitCode {
    cli::main()
}
