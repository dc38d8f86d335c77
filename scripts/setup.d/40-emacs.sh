#!/usr/bin/env bash
# Emacs for the tests of editors/emacs: Debian's Emacs 28 (emacs-nox) and its
# packaged eglot (elpa-eglot, 1.9), both used headless by `emacs --batch`.
# Idempotent: runs apt-get (update at most once) only for what is missing.
set -euo pipefail

missing=()
for pkg in emacs-nox elpa-eglot; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || {
  echo "setup(emacs): apt-get is required to install ${missing[*]} (or install Emacs 28+ and eglot yourself)" >&2
  exit 1
}
echo "setup(emacs): apt-get install ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup(emacs): $(emacs --version | head -n1), eglot $(dpkg-query -W -f='${Version}' elpa-eglot)"
