#!/usr/bin/env bash
# Build the fuzz targets and run them one after the other, failing on the
# first crash, leak-free timeout or out-of-memory.
#
#   fuzz/run.sh --quick            # CI (scripts/test): every target 30 s
#   fuzz/run.sh --time 600 chunking # one target, ten minutes
#
# libFuzzer on stable Rust: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
# nightly-only flags; --sanitizer none because ASan needs nightly's std.
# The build keeps overflow checks and debug assertions (see Cargo.toml and
# --debug-assertions): a wrapped integer is a crash here. One process, one
# thread, under nice, so a shared machine stays usable. Working corpora go to
# corpus/TARGET (not committed); seeds/TARGET (committed, from seed.sh) is
# read as a second corpus directory. Logs: logs/TARGET.log; a crashing input
# is in artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=(chunking envelope terminal redact loaders document)
seconds=600
picked=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) seconds=30 ;;
    --time) seconds="$2"; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) picked+=("$1") ;;
  esac
  shift
done
[ ${#picked[@]} -gt 0 ] || picked=("${TARGETS[@]}")

command -v cargo-fuzz >/dev/null 2>&1 || {
  echo "fuzz/run.sh: cargo-fuzz is missing (scripts/setup installs it: cargo install cargo-fuzz --locked)" >&2
  exit 1
}
export RUSTC_BOOTSTRAP=1
FLAGS=(-O --debug-assertions --sanitizer none)
nice -n 10 cargo fuzz build "${FLAGS[@]}"

mkdir -p logs
for t in "${picked[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  # max_len: the chunking target is given whole documents, the document
  # target the pieces it edits with; the others lines.
  case "$t" in chunking|terminal) max_len=16384 ;; document) max_len=8192 ;; *) max_len=4096 ;; esac
  echo "== fuzz $t for ${seconds}s"
  if ! nice -n 10 cargo fuzz run "${FLAGS[@]}" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1; then
    tail -n 40 "logs/$t.log" >&2
    echo "fuzz/run.sh: $t failed; the input is in server/fuzz/artifacts/$t/ (replay: cargo fuzz run ${FLAGS[*]} $t FILE)" >&2
    exit 1
  fi
  grep -E '^#[0-9]+\s+DONE' "logs/$t.log" | tail -n 1 || tail -n 3 "logs/$t.log"
done
