#!/usr/bin/env bash
# The GitHub Action's script (action.yml runs it with the inputs in INPUT_*):
# install errsig, scan the paths with `--format github` (annotations on the
# run), optionally write SARIF, and fail by --fail-on. Runnable outside
# Actions for tests: tests/release/run-tests.sh runs it on fixtures.
#
#   INPUT_PATHS    files/directories, separated by spaces or new lines (default .)
#   INPUT_FAIL_ON  error | warning | info | never (default error)
#   INPUT_SARIF    a file to write SARIF to ('' for none)
#   INPUT_VERSION  the release to install ('' = this checkout's version)
#   INPUT_INSTALL  release | source | path (default release)
#   ERRSIG_ACTION_REPOSITORY  owner/name of the release (default $GITHUB_REPOSITORY)
#   ERRSIG_ACTION_ASSETS      tests only: a directory holding the release's
#                             assets, used instead of downloading them
#   ERRSIG_ACTION_TARGET      tests only: the archive's target triple
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
log() { echo "errsig-action: $*" >&2; }
die() { echo "::error title=errsig action::$*"; exit 2; }

paths="${INPUT_PATHS:-.}"
fail_on="${INPUT_FAIL_ON:-error}"
sarif="${INPUT_SARIF:-}"
install="${INPUT_INSTALL:-release}"
version="${INPUT_VERSION:-}"
version="${version#v}"
[ -n "$version" ] || version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/server/Cargo.toml" | head -n1)"
case "$fail_on" in error|warning|info|never) ;; *) die "fail-on must be error, warning, info or never, not '$fail_on'" ;; esac
bin_dir="" triple=""
tools="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/errsig-action"
mkdir -p "$tools"

# The archive for this runner, in `triple`: Linux gets the static musl
# build, which runs on any distribution.
target_triple() {
  local arch os
  if [ -n "${ERRSIG_ACTION_TARGET:-}" ]; then triple="$ERRSIG_ACTION_TARGET"; return; fi  # tests
  arch="$(uname -m)"; os="$(uname -s)"
  case "$arch" in x86_64|amd64) arch=x86_64 ;; aarch64|arm64) arch=aarch64 ;; *) die "no errsig release for the $arch architecture; use install: source" ;; esac
  case "$os" in
    Linux) triple="$arch-unknown-linux-musl" ;;
    Darwin) triple="$arch-apple-darwin" ;;
    MINGW*|MSYS*|CYGWIN*) [ "$arch" = x86_64 ] || die "no errsig release for Windows on $arch; use install: source"; triple="x86_64-pc-windows-msvc" ;;
    *) die "no errsig release for $os; use install: source" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# Sets bin_dir (no command substitution: `die` must reach the log).
install_release() {
  local t name archive dir
  target_triple
  t="$triple"
  name="errsig-$version-$t"
  case "$t" in *windows*) archive="$name.zip" ;; *) archive="$name.tar.gz" ;; esac
  dir="$tools/download"
  rm -rf "$dir" && mkdir -p "$dir"
  if [ -n "${ERRSIG_ACTION_ASSETS:-}" ]; then
    cp "$ERRSIG_ACTION_ASSETS/$archive" "$ERRSIG_ACTION_ASSETS/$archive.sha256" "$dir/" || die "no $archive in $ERRSIG_ACTION_ASSETS"
  else
    local repo="${ERRSIG_ACTION_REPOSITORY:-${GITHUB_REPOSITORY:-}}"
    [ -n "$repo" ] || die "no repository to download the release from (ERRSIG_ACTION_REPOSITORY)"
    gh release download "v$version" --repo "$repo" --dir "$dir" --pattern "$archive" --pattern "$archive.sha256" \
      || die "cannot download $archive from the v$version release of $repo (install: source builds it instead)"
  fi
  local want got
  want="$(cut -d' ' -f1 < "$dir/$archive.sha256")"
  got="$(sha256_of "$dir/$archive")"
  [ "$want" = "$got" ] || die "$archive: SHA-256 $got, but the release says $want"
  case "$archive" in
    *.zip) (cd "$dir" && unzip -q "$archive") ;;
    *) tar -C "$dir" -xzf "$dir/$archive" ;;
  esac
  rm -rf "$tools/$name" && mv "$dir/$name" "$tools/$name"
  bin_dir="$tools/$name"
}

case "$install" in
  release) install_release ;;
  source)
    log "cargo install --locked --path $here/server"
    cargo install --locked --quiet --path "$here/server" --root "$tools/source" >&2 || die "cargo install failed"
    bin_dir="$tools/source/bin" ;;
  path) bin_dir="" ;;
  *) die "install must be release, source or path, not '$install'" ;;
esac
if [ -n "$bin_dir" ]; then
  export PATH="$bin_dir:$PATH"
  [ -n "${GITHUB_PATH:-}" ] && echo "$bin_dir" >> "$GITHUB_PATH"
fi
command -v errsig >/dev/null 2>&1 || die "errsig is not on PATH (install: path needs it there)"
log "$(errsig --version) ($(command -v errsig))"

# Word splitting on spaces and new lines is the input's contract; no globbing.
set -f
# shellcheck disable=SC2206
targets=($paths)
set +f
[ ${#targets[@]} -gt 0 ] || targets=(.)
gate=(--fail-on "$fail_on")
[ "$fail_on" = never ] && gate=(--fail-on error)

status=0
errsig scan --format github "${gate[@]}" -- "${targets[@]}" > "$tools/annotations" || status=$?
cat "$tools/annotations"
found="$(grep -c '^::\(error\|warning\|notice\) ' "$tools/annotations" || true)"
if [ -n "$sarif" ]; then
  s=0
  errsig scan --format sarif -- "${targets[@]}" > "$sarif" || s=$?
  [ "$s" -le 1 ] || status=2
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "found=$found"; echo "sarif=$sarif"; } >> "$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "errsig: $found Anthropic API error(s) in ${targets[*]}" >> "$GITHUB_STEP_SUMMARY"
fi
case "$status" in
  0) log "no finding at or above $fail_on" ;;
  1) [ "$fail_on" = never ] && status=0; log "$found finding(s)" ;;
  *) log "errsig could not scan everything (exit $status)" ;;
esac
exit "$status"
