#!/usr/bin/env bash
# Tests of what a release ships, run by scripts/test (after the release
# build; installs nothing: actionlint comes from scripts/setup.d/50-release.sh):
#   - the release workflow and the action's self-test workflow pass actionlint;
#   - scripts/package builds the host's archive and .vsix as the workflow does,
#     with the right contents;
#   - the GitHub Action's script (action/run.sh) installs errsig from that
#     archive, checks its SHA-256, annotates, writes SARIF and fails by fail-on.
# Prints one line per test and `N passed, N failed`; exits 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
actionlint="${ACTIONLINT:-$repo/.venv-tools/bin/actionlint}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/errsig-release-tests.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok      $1"; passed=$((passed + 1)); }
bad() { echo "FAILED  $1"; [ -n "${2:-}" ] && sed 's/^/        /' <<< "$2"; failed=$((failed + 1)); }
check() { # name, then a command: the test passes when the command does
  local title="$1"; shift  # not `name`: bash's dynamic scope would hide the archive's
  local out
  if out="$("$@" 2>&1)"; then ok "$title"; else bad "$title" "$out"; fi
}

# --- workflows ---------------------------------------------------------------
if [ -x "$actionlint" ]; then
  check "actionlint: .github/workflows/*.yml (release, the action's self-test)" "$actionlint" -no-color
else
  bad "actionlint: not installed at $actionlint (run scripts/setup)"
fi

# --- scripts/package for the host ----------------------------------------------
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' server/Cargo.toml | head -n1)"
host="$(rustc -vV | sed -n 's/^host: //p')"
dist="$tmp/dist"
if out="$(scripts/package --out "$dist" 2>&1)"; then
  ok "scripts/package builds $host"
  echo "$out" | grep '^package:' | sed 's/^/        /'
else
  bad "scripts/package builds $host" "$(tail -n 20 <<< "$out")"
fi
name="errsig-$version-$host"
archive="$dist/$name.tar.gz"
contents() {
  local want listing
  listing="$(tar tzf "$archive")" || return 1
  for want in errsig README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE doc/errsig.1 \
    complete/errsig.bash complete/_errsig complete/errsig.fish complete/_errsig.ps1 complete/errsig.elv \
    schemas/errsig.schema.json schemas/rules.schema.json schemas/scan-record.schema.json; do
    grep -qx "$name/$want" <<< "$listing" || { echo "missing $name/$want in: $listing"; return 1; }
  done
}
check "the archive holds the binary, docs, licenses, completions, man page and schemas" contents
check "the archive's .sha256 verifies" bash -c "cd '$dist' && sha256sum --check --quiet '$name.tar.gz.sha256'"
stripped() {
  local bin="$dist/$name/errsig"
  file "$bin" 2>/dev/null | grep -q 'not stripped' && { echo "$(file "$bin")"; return 1; }
  [ "$(wc -c < "$bin")" -lt "$(wc -c < target/release/errsig)" ] || { echo "not smaller than the build"; return 1; }
  "$bin" --version | grep -qx "errsig $version"
}
check "the shipped binary is stripped and runs" stripped
vsix_ok() {
  local vsix manifest listing
  vsix="$(ls "$dist"/errsig-*-"$version".vsix)" || return 1
  manifest="$(unzip -p "$vsix" extension.vsixmanifest)"
  grep -q 'TargetPlatform="linux-x64"' <<< "$manifest" || { echo "no TargetPlatform in $manifest"; return 1; }
  listing="$(unzip -Z1 "$vsix")"
  [ "$(grep -c '^extension/server/' <<< "$listing")" -eq 1 ] || { echo "not exactly one server binary: $listing"; return 1; }
  grep -qx 'extension/LICENSE.md' <<< "$listing" || { echo "no license: $listing"; return 1; }
}
if [ "$host" = x86_64-unknown-linux-gnu ]; then
  check "the .vsix is for linux-x64 only, with one binary and the license" vsix_ok
fi

# --- the GitHub Action's script ------------------------------------------------
ws="$tmp/workspace"
mkdir -p "$ws/logs"
cp examples/claude-code-403.txt "$ws/logs/ci.log"
echo "nothing to see" > "$ws/logs/clean.log"
action() { # runs action/run.sh in the fake workspace; sets code, output, gh_output
  local out_file="$tmp/github_output"
  : > "$out_file"
  output="$(cd "$ws" && env -u GITHUB_PATH GITHUB_WORKSPACE="$ws" GITHUB_OUTPUT="$out_file" RUNNER_TEMP="$tmp/runner" \
    ERRSIG_ACTION_ASSETS="$dist" ERRSIG_ACTION_TARGET="$host" "$@" bash "$repo/action/run.sh" 2>&1)"
  code=$?
  gh_output="$(cat "$out_file")"
}
action_release() {
  action INPUT_PATHS="logs" INPUT_SARIF="$ws/errsig.sarif" INPUT_INSTALL=release PATH="/usr/bin:/bin"
  [ "$code" -eq 1 ] || { echo "exit $code: $output"; return 1; }
  grep -q "^::error file=logs/ci.log,line=9," <<< "$output" || { echo "no annotation on logs/ci.log:9: $output"; return 1; }
  grep -q "errsig $version ($tmp/runner/errsig-action/$name/errsig)" <<< "$output" || { echo "not the archive's errsig: $output"; return 1; }
  grep -qx "found=1" <<< "$gh_output" || { echo "outputs: $gh_output"; return 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"]; assert r[0]["ruleId"]=="403-permission-denied", r' "$ws/errsig.sarif"
}
check "action: installs the release archive, annotates, writes SARIF, fails the step" action_release
action_never() {
  action INPUT_PATHS="logs/ci.log logs/clean.log" INPUT_FAIL_ON=never INPUT_INSTALL=path PATH="$repo/target/release:/usr/bin:/bin"
  [ "$code" -eq 0 ] && grep -q "^::error file=logs/ci.log," <<< "$output" || { echo "exit $code: $output"; return 1; }
}
check "action: fail-on never annotates and passes" action_never
action_clean() {
  action INPUT_PATHS="logs/clean.log" INPUT_INSTALL=path PATH="$repo/target/release:/usr/bin:/bin"
  [ "$code" -eq 0 ] && grep -qx "found=0" <<< "$gh_output" || { echo "exit $code: $output $gh_output"; return 1; }
}
check "action: a clean log passes with found=0" action_clean
action_tampered() {
  mkdir -p "$tmp/tampered"
  cp "$archive" "$tmp/tampered/"
  echo "0000000000000000000000000000000000000000000000000000000000000000  $name.tar.gz" > "$tmp/tampered/$name.tar.gz.sha256"
  action INPUT_PATHS="logs" INPUT_INSTALL=release ERRSIG_ACTION_ASSETS="$tmp/tampered" PATH="/usr/bin:/bin"
  [ "$code" -eq 2 ] && grep -q "^::error title=errsig action::$name.tar.gz: SHA-256" <<< "$output" || { echo "exit $code: $output"; return 1; }
}
check "action: an archive whose SHA-256 does not match is refused" action_tampered
action_bad_input() {
  action INPUT_FAIL_ON=sometimes INPUT_INSTALL=path PATH="$repo/target/release:/usr/bin:/bin"
  [ "$code" -eq 2 ] && grep -q "fail-on must be" <<< "$output" || { echo "exit $code: $output"; return 1; }
}
check "action: a wrong fail-on is a clear error" action_bad_input

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
