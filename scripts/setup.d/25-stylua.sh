#!/usr/bin/env bash
# StyLua for the Neovim plugin's format check (editors/nvim/run-tests.sh runs
# `stylua --check`). Pinned, built from crates.io with cargo into .tools/stylua
# at the repository's root (no prebuilt binary is downloaded). Idempotent: does
# nothing when the pinned version is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

STYLUA_PIN="2.3.1"
ROOT=".tools/stylua"

if [ -x "$ROOT/bin/stylua" ] && "$ROOT/bin/stylua" --version 2>/dev/null | grep -q " $STYLUA_PIN\$"; then
  exit 0
fi
echo "setup: building StyLua $STYLUA_PIN into $ROOT (about a minute)"
cargo install --quiet --locked stylua --version "$STYLUA_PIN" --root "$ROOT"
"$ROOT/bin/stylua" --version
