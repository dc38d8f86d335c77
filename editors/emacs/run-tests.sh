#!/usr/bin/env bash
# End-to-end tests of errsig in a real Emacs (28.2) with eglot (1.9), headless
# (`emacs --batch`), using editors/emacs/errsig.el as a user would.
# Called by scripts/test (which runs scripts/setup first and exports ERRSIG_BIN);
# installs nothing: Emacs and eglot come from scripts/setup.d/40-emacs.sh.
# Prints one line per test and `N passed, N failed`; exits non-zero on failure.
# ERRSIG_TEST_EVENTS=1 prints the tail of eglot's events buffer on a failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
emacs="${EMACS:-emacs}"
command -v "$emacs" >/dev/null 2>&1 || {
  echo "run-tests: $emacs not found: run scripts/setup (scripts/setup.d/40-emacs.sh) first" >&2
  exit 2
}
if [ -n "${ERRSIG_BIN:-}" ]; then
  [ -x "$ERRSIG_BIN" ] || { echo "run-tests: ERRSIG_BIN=$ERRSIG_BIN is not executable" >&2; exit 2; }
elif command -v errsig >/dev/null 2>&1; then
  ERRSIG_BIN="$(command -v errsig)"
else
  echo "run-tests: set ERRSIG_BIN to the errsig binary (or put errsig on PATH)" >&2
  exit 2
fi
export ERRSIG_BIN

# Isolated HOME and XDG directories: no user init file, package or credential
# leaks in, and the server's reports (XDG_CACHE_HOME) and the doctor's view of
# the machine stay in here. Not `emacs -Q`: Debian's eglot is on the site load path.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/errsig-emacs-tests.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/state" "$tmp/cache" "$tmp/run" "$tmp/tmp"
chmod 700 "$tmp/run"
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state" \
  XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run" TMPDIR="$tmp/tmp"
for v in $(env | sed -n 's/^\(ANTHROPIC_[A-Z_]*\|CLAUDE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset EMACSLOADPATH EMACSDATA

cd "$here"
args=()
for t in tests/*-test.el; do args+=(-l "$t"); done
status=0
timeout 120 "$emacs" --batch -l tests/harness.el "${args[@]}" -f errsig-test-run </dev/null 2>"$tmp/emacs.log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- last lines of Emacs's messages (standard error)"
  tail -n 25 "$tmp/emacs.log"
fi
exit "$status"
