#!/usr/bin/env bash
# The scanner/CLI benchmark, one command: generates the logs (in $BENCH_DIR,
# default /tmp/errsig-bench, never in the repository), builds the release
# binary and prints markdown for BENCHMARKS.md:
#
#   1. the issue-14 file scan beside ripgrep, in one hyperfine run (both see
#      the same machine load): `rg -c -F permission_error`, ripgrep with the
#      catalog's own anchor literals (`-e ... -e ...`, the same search work),
#      and ripgrep with the regex a user would write;
#   2. the pipe, `cat big.log | errsig scan -` beside `cat | rg -c -F`, and
#      the pipe's peak RSS;
#   3. the dense file (every line an API Error 403): findings per second;
#   4. the bare-403 work counts at two sizes (issue 13): instructions by
#      callgrind when valgrind is installed, else CPU seconds;
#   5. the shipped binary's size.
#
#   bench/run.sh [SIZE_MIB]        (default 1024, the issue's 1 GiB)
#   bench/run.sh --old [SIZE_MIB]  the earlier app-log table (wc, grep)
#   bench/run.sh --criterion       the engine's stages (cargo bench, criterion)
#
# Installs hyperfine and ripgrep (apt, else cargo) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
old=0
if [ "${1:-}" = "--old" ]; then old=1; shift; fi
if [ "${1:-}" = "--criterion" ]; then
  # criterion is an optional dependency, only built with this feature.
  exec cargo bench --locked -p errsig --features bench --bench engine
fi
size=${1:-1024}
work=${BENCH_DIR:-/tmp/errsig-bench}
mkdir -p "$work"

need() { # tool, apt package, cargo crate
  command -v "$1" >/dev/null && return
  if command -v apt-get >/dev/null; then
    apt-get install -y -q "$2" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null || cargo install --locked "$3"
}
need hyperfine hyperfine hyperfine
need rg ripgrep ripgrep

cargo build --release --locked --quiet
bin=$PWD/target/release/errsig

if [ "$old" = 1 ]; then
  log="$work/app-$size.log"
  [ -f "$log" ] || python3 bench/gen_log.py "$log" "$size"
  cat "$log" >/dev/null
  hyperfine -N -w 1 -r 5 -i --export-markdown "$work/old.md" \
    "wc -l $log" "grep -c 'API Error' $log" "$bin scan --format json $log"
  cat "$work/old.md"
  exit 0
fi

log="$work/issue-$size.log"
dense="$work/dense-8.log"
[ -f "$log" ] || python3 bench/gen_log.py --issue "$log" "$size"
[ -f "$dense" ] || python3 bench/gen_log.py --dense "$dense" 8
cat "$log" >/dev/null # warm the page cache

echo "## $(date -u +%F): $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "Input: $log, $(($(stat -c %s "$log") / 1048576)) MiB, $(wc -l <"$log") lines"
echo

# The catalog's anchor literals (the keywords and fixed texts the hot path
# searches for), one a line for `rg -F -f`, read from the source so they
# stay true.
python3 - "$work/anchors.txt" <<'EOF'
import re, sys, tomllib
src = open("server/engine/src/scan/anchors.rs").read()
kw = re.search(r"const KEYWORDS: &\[&str\] = &\[(.*?)\];", src, re.S).group(1)
words = [bytes(m, "utf-8").decode("unicode_escape") for m in re.findall(r'"((?:[^"\\]|\\.)*)"', kw)]
words += [t["text"] for t in tomllib.load(open("server/rules/texts.toml", "rb"))["text"]]
open(sys.argv[1], "w").write("\n".join(words) + "\n")
EOF
user_re='(?i)(api error|error code): ?\d{3}|permission_error|rate_limit_error|authentication_error|PermissionDenied|Failed to authenticate|Please run /login'

echo "### File scan"
hyperfine -N -w 1 -r 10 -i --export-markdown "$work/file.md" \
  -n errsig "$bin scan --format json $log" \
  -n "rg -c -F permission_error" "rg -c -F permission_error $log" \
  -n "rg -c -F -f anchors.txt (the catalog's literals)" "rg -c -F -f $work/anchors.txt $log" \
  -n "rg -c (a user's regex)" "rg -c '$user_re' $log" >/dev/null
cat "$work/file.md"
echo

echo "### Pipe"
hyperfine -w 1 -r 10 -i --export-markdown "$work/pipe.md" \
  -n "cat | errsig scan -" "cat $log | $bin scan --format json -" \
  -n "cat | rg -c -F permission_error" "cat $log | rg -c -F permission_error" >/dev/null
cat "$work/pipe.md"
/usr/bin/time -f '%M' -o "$work/rss" sh -c "cat $log | $bin scan --format json - >/dev/null" || true
echo
echo "Peak RSS of \`errsig scan -\` on the pipe: $(( $(tail -n1 "$work/rss") / 1024 )) MiB"
echo

echo "### Dense file (every line \`API Error: 403 {…} · Please run /login\`)"
findings=$("$bin" scan --format json "$dense" | wc -l || true)
hyperfine -N -w 1 -r 5 -i --export-json "$work/dense.json" "$bin scan --format json $dense" >/dev/null
secs=$(python3 -c "import json;print(json.load(open('$work/dense.json'))['results'][0]['mean'])")
python3 -c "print(f'$findings findings in {float($secs):.3f} s: {int($findings/float($secs)):,} findings/s')"
echo

echo "### Bare 403s waiting for evidence (issue 13): work at 25,000 and 100,000 lines"
for n in 25000 100000; do
  python3 - "$work/bare-$n.log" "$n" <<'EOF'
import sys
forms = ["HTTP/1.1 403 Forbidden", "Error: 403 status code (no body)",
         "<html><head><title>403 Forbidden</title></head>", "nginx said 403 Forbidden",
         "x-request-id: req_011CQ7qZma6cJxJaT73dZWee", "anthropic-version: 2023-06-01",
         "Server: AmazonS3", "date: Sat, 28 Nov 2026 10:00:00 GMT"]
n = int(sys.argv[2])
open(sys.argv[1], "w").write("".join(forms[(i * 5 + i // 7) % len(forms)] + "\n" for i in range(n)))
EOF
done
: >"$work/empty.log"
if command -v valgrind >/dev/null; then
  # errsig exits 1 when it finds something: the count is what matters here.
  ir() { { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" scan --format json "$1" 2>&1 >/dev/null || true; } | sed -n 's/.*refs: *//p' | tr -d ,; }
  base=$(ir "$work/empty.log"); a=$(ir "$work/bare-25000.log"); b=$(ir "$work/bare-100000.log")
  python3 -c "a,b,c=$base,$a,$b; print(f'instructions (callgrind, less an empty scan\'s {a:,}): {b-a:,} then {c-a:,}: ratio {(c-a)/(b-a):.2f} for 4x the input')"
else
  for n in 25000 100000; do /usr/bin/time -f "$n lines: %U s user" "$bin" scan --format json "$work/bare-$n.log" >/dev/null || true; done
fi
echo

echo "### Binary"
echo "target/release/errsig: $(stat -c %s "$bin") bytes ($(( $(stat -c %s "$bin") / 1048576 )) MiB)"
