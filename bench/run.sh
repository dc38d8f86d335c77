#!/usr/bin/env bash
# Reproducible scanner benchmark: throughput and peak memory of `errsig scan`
# on a generated log, beside `cat` (memory speed) and `grep -c` (a single
# literal search) on the same file. Prints a markdown table for BENCHMARKS.md.
#
#   bench/run.sh [SIZE_MIB]      (default 512)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-512}
work=${BENCH_DIR:-/tmp/errsig-bench}
mkdir -p "$work"
log="$work/app-$size.log"
[ -f "$log" ] || python3 bench/gen_log.py "$log" "$size"
cargo build --release --quiet
bin=target/release/errsig
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null  # warm the page cache

measure() { # name, command...: best of 3 wall seconds, max RSS in KiB
  local name=$1; shift
  local best="" rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2>&1 || true
    read -r secs kib < <(tail -n 1 "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    [ "$kib" -gt "$rss" ] && rss=$kib
  done
  awk -v n="$name" -v s="$best" -v b="$bytes" -v r="$rss" \
    'BEGIN{ if (s == 0) s = 0.01; printf "| %s | %.2f | %.0f | %.1f |\n", n, s, b/1048576/s, r/1024 }'
}

echo "Input: $log ($((bytes / 1048576)) MiB, $(wc -l < "$log") lines); $(nproc) cores; $(date -u +%F)"
echo
echo "| command | seconds (best of 3) | MiB/s | peak RSS (MiB) |"
echo "|---|---|---|---|"
measure "wc -l (reads every byte)" wc -l "$log"
measure "grep -c 'API Error' (one literal)" sh -c "grep -c 'API Error' '$log' | cat"
measure "errsig scan --format json" "$bin" scan --format json "$log"
measure "errsig scan - (pipe)" sh -c "cat '$log' | '$bin' scan --format json -"
