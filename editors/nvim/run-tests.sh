#!/usr/bin/env bash
# Tests of the Neovim plugin in a real headless Neovim 0.11.
# Called by scripts/test (which runs scripts/setup first and exports ERRSIG_BIN);
# installs nothing: Neovim comes from scripts/setup.d/20-neovim.sh (.venv-nvim),
# StyLua (the format check) from scripts/setup.d/25-stylua.sh (.tools/stylua).
# Prints one line per test and `N passed, N failed`; exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
nvim="${NVIM:-$repo/.venv-nvim/bin/nvim}"
if [ ! -x "$nvim" ]; then
  echo "run-tests: $nvim not found: run scripts/setup (scripts/setup.d/20-neovim.sh) first" >&2
  exit 2
fi
if [ -n "${ERRSIG_BIN:-}" ]; then
  [ -x "$ERRSIG_BIN" ] || { echo "run-tests: ERRSIG_BIN=$ERRSIG_BIN is not executable" >&2; exit 2; }
elif ! command -v errsig >/dev/null 2>&1; then
  echo "run-tests: set ERRSIG_BIN to the errsig binary (or put errsig on PATH)" >&2
  exit 2
fi

# Isolated XDG directories: no user config, plugins, shada or LSP log leak in or out.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/errsig-nvim-tests.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state" \
  XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run" TMPDIR="$tmp"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset NVIM_APPNAME VIMINIT MYVIMRC

cd "$here"
# Format check first (cheap): StyLua pinned by scripts/setup.d/25-stylua.sh, config in .stylua.toml.
stylua="${STYLUA:-$repo/.tools/stylua/bin/stylua}"
if [ ! -x "$stylua" ]; then
  echo "run-tests: $stylua not found: run scripts/setup (scripts/setup.d/25-stylua.sh) first" >&2
  exit 2
fi
"$stylua" --check . || { echo "run-tests: Lua formatting differs from .stylua.toml (run $stylua editors/nvim)" >&2; exit 1; }

status=0
timeout 600 "$nvim" --headless -u NONE -i NONE -n -l tests/harness.lua tests/*_spec.lua || status=$?
if [ "$status" -ne 0 ] && [ -f "$XDG_STATE_HOME/nvim/lsp.log" ]; then
  echo "--- last lines of the LSP log"
  tail -n 20 "$XDG_STATE_HOME/nvim/lsp.log"
fi
exit "$status"
