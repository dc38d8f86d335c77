#!/usr/bin/env bash
# Make doc/screenshot.png for the README: Neovim with the plugin inside tmux
# (a real terminal), a :terminal showing Claude Code's 403 and the hover on it;
# tmux capture-pane -e, rendered to PNG by ansi2png.py (needs Pillow:
# .venv-nvim/bin/pip install pillow). Not part of the tests.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
nvim="${NVIM:-$repo/.venv-nvim/bin/nvim}"
python="${PYTHON:-$repo/.venv-nvim/bin/python}"
export ERRSIG_BIN="${ERRSIG_BIN:-$repo/target/release/errsig}"
export ERRSIG_PLUGIN_DIR="$here"
fixture="$repo/tests/fixtures/real/cc-2.1-print-permission_denied.txt"
# What the user typed, then the real capture, then a prompt (the job keeps running).
export ERRSIG_SHOT_CMD="sh -c 'printf \"\$ claude -p \\\"summarise the diff\\\"\\n\"; cat $fixture; printf \"\$ \"; exec sleep 600'"
tmp="$(mktemp -d)"
sock="errsig-shot-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export XDG_CONFIG_HOME="$tmp/c" XDG_DATA_HOME="$tmp/d" XDG_STATE_HOME="$tmp/s" XDG_CACHE_HOME="$tmp/ca"
tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 \
  env TERM=xterm-256color COLORTERM=truecolor "$nvim" -u "$here/scripts/screenshot-init.lua" -i NONE -n
sleep 4
tmux -L "$sock" send-keys K
sleep 1.5
tmux -L "$sock" capture-pane -e -p > "$tmp/screen.ansi"
"$python" "$here/scripts/ansi2png.py" "$tmp/screen.ansi" "$here/doc/screenshot.png"
echo "wrote $here/doc/screenshot.png"
