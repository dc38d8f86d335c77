//! The `errsig` binary.

mod cli;
mod doctor;
mod lsp;

fn main() -> std::process::ExitCode {
    cli::main()
}
