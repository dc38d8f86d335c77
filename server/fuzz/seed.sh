#!/usr/bin/env bash
# Derive the committed seed corpora (seeds/TARGET/) from the repository's
# fixtures: small pieces of real captures, so the fuzzers start from text the
# scanner really meets. Deterministic; re-run after fixtures change. Each seed
# is at most 4 KiB and the whole set stays well under 2 MB (checked below).
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../../tests/fixtures
rules=../rules
rm -rf seeds
mkdir -p seeds/{chunking,envelope,terminal,redact,loaders,document}

n=0
# Real captures: the first 4 KiB of each (errors sit near the start of most),
# behind the 4 control bytes chunking reads (columns, chunk sizes).
for f in "$fixtures"/real/*.txt; do
  n=$((n + 1))
  name=$(basename "$f" .txt)
  { printf '\x00\x07\x10\x01'; head -c 4096 "$f"; } > "seeds/chunking/$name"
  # The terminal target reads one control byte (the width) first.
  case "$name" in
    *w80*|*tui*) { printf '\x02'; head -c 4096 "$f"; } > "seeds/terminal/$name" ;;
  esac
  # Lines that hold a body: the envelope reader's input (one split byte first).
  grep -a -m 3 -E '[{[<]' "$f" | head -c 4096 | { printf '\x80'; cat; } > "seeds/envelope/$name" || true
  # Documents to edit: 5 control bytes (kind and width, the edits' seed),
  # the capture's start as the text opened, then lines of it to insert
  # (pieces are separated by 0xFF, which UTF-8 never holds).
  {
    printf "\\x0$((n % 5))\\x$((n % 7 + 1))1\\x22\\x33\\x44"
    head -c 3072 "$f"
    printf '\xff'
    grep -a -m 4 -iE 'error|403|401|forbidden|denied' "$f" | head -c 1024 || true
    printf '\xff日本語のログ 😀 ⎿ wrapped\n'
  } > "seeds/document/$name"
  # Lines with a request id or a header: what redaction must keep or remove.
  grep -a -m 8 -iE 'req_|x-api-key|authorization|request-id|cookie' "$f" | head -c 4096 > "seeds/redact/$name" || true
done
# Public and third-party samples: a few lines of each, for variety.
for f in "$fixtures"/public/* "$fixtures"/third-party/*; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  { printf '\x01\x20\x30\x02'; head -c 2048 "$f"; } > "seeds/chunking/x-$name"
done
# Escapes and overdraw for the terminal target, with and without a width.
printf '\x00a\x1b[31mred\x1b[0m\r\x1b[2Kspinner\rAPI Error: 403 Permission denied\n' > seeds/terminal/sgr
printf '\x03\x1b[40;1H\xe2\x8e\xbf  wrapped row\n    continued\n\x1b[9999999999G\x08\x08x\n' > seeds/terminal/cursor
# Fake keys of every kind (never real: these are made up).
cat > seeds/redact/kinds <<'KEYS'
sk-ant-api03-FAKEfakeFAKEfake0123456789-_AA sk-ant-admin01-FAKE0123 sk-ant-oat01-FAKE.abc
sk-ant-ort01-FAKE sk-ant-sid01-FAKE Authorization: Bearer FAKEtoken123456 x-api-key: FAKEkey
AKIAFAKEFAKEFAKEFAKE aws_secret_access_key=FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake ya29.FAKE-token
{\"x-api-key\":\"FAKE\"}\nAKIAFAKEFAKEFAKEFAKE Cookie: session=FAKE
KEYS
# The rule files and a configuration for the loaders.
for f in "$rules"/*.toml; do
  head -c 4096 "$f" > "seeds/loaders/$(basename "$f")"
done
cat > seeds/loaders/errsig.toml <<'TOML'
[scan]
columns = 80

[severity]
"429-rate-limit" = "info"

[[suppress]]
rule = "403-permission-denied"
path = "logs/**/*.log"
line = 3

[[suppress]]
request_id = "req_011CSHmzpnGHTh7ZxBa1cFA2"
TOML
# What the fuzzers found (findings/, fixed and replayed by
# server/tests/fuzz_findings.rs): every run starts from them, so a
# regression shows within the 30 s of --quick.
for f in findings/chunking-*; do
  [ -f "$f" ] || continue
  cp "$f" "seeds/chunking/finding-${f#findings/chunking-}"
done
# Drop empty seeds; check the budget.
find seeds -type f -empty -delete
total=$(du -sb seeds | cut -f1)
echo "seed.sh: $(find seeds -type f | wc -l) seeds, $total bytes (from $n captures)"
[ "$total" -lt 2000000 ] || { echo "seed.sh: seeds exceed 2 MB" >&2; exit 1; }
