#!/usr/bin/env bash
# Tests of the VS Code extension, as scripts/test runs them (with ERRSIG_BIN):
#   1. type check and package the .vsix (bundling $ERRSIG_BIN as the server),
#      then lint and format check (biome, pinned in package.json)
#   2. unit tests of the pure logic (node --test)
#   3. end-to-end in a real VS Code: code-server + Playwright + Debian's Chromium
# Installs nothing: scripts/setup.d/30-vscode.sh does. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
export ERRSIG_BIN="${ERRSIG_BIN:-$(cd ../.. && pwd)/target/release/errsig}"

if [ ! -x "$ERRSIG_BIN" ]; then
  echo "vscode: ERRSIG_BIN=$ERRSIG_BIN is not an executable (cargo build --release at the repository's root)" >&2
  exit 2
fi
if [ ! -d node_modules ]; then
  echo "vscode: node_modules is missing: run scripts/setup.d/30-vscode.sh (or npm ci here)" >&2
  exit 2
fi

failed=()
start=$SECONDS
mkdir -p test/artifacts

echo "== vscode: type check and package the .vsix"
if npm run --silent package > test/artifacts/package.log 2>&1; then
  grep -E "bundle-server|Packaged" test/artifacts/package.log
else
  cat test/artifacts/package.log
  failed+=("package")
fi

echo "== vscode: lint and format check (biome)"
if ! npm run --silent lint; then
  failed+=("lint")
fi

echo "== vscode: unit tests (node --test)"
if ! { node build.mjs --tests && node --test out/test/unit/; }; then
  failed+=("unit")
fi

echo "== vscode: end-to-end in code-server (Playwright, Chromium)"
if [ ! -f errsig.vsix ]; then
  echo "no errsig.vsix: skipped because packaging failed"
  failed+=("e2e")
elif ! node --test test/e2e/; then
  failed+=("e2e")
fi
echo "   screenshots and logs: $PWD/test/artifacts"

elapsed=$((SECONDS - start))
if [ ${#failed[@]} -eq 0 ]; then
  echo "== vscode: all passed (package, lint, unit, e2e) in ${elapsed}s"
else
  echo "== vscode: FAILED: ${failed[*]} (${elapsed}s)" >&2
  exit 1
fi
