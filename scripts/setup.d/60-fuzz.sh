#!/usr/bin/env bash
# cargo-fuzz for the quick fuzz run of scripts/test (server/fuzz/run.sh
# --quick). From crates.io with its lock file. Idempotent: installs only when
# cargo-fuzz is missing. libFuzzer itself comes with the fuzz crate's
# libfuzzer-sys dependency; no nightly toolchain is needed (run.sh sets
# RUSTC_BOOTSTRAP=1 and builds without a sanitizer).
set -euo pipefail

if cargo fuzz --version >/dev/null 2>&1; then
  exit 0
fi
cargo install cargo-fuzz --locked
cargo fuzz --version >/dev/null 2>&1 || { echo "setup: cargo fuzz does not run after install" >&2; exit 1; }
echo "setup: $(cargo fuzz --version)"
