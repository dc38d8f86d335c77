#!/usr/bin/env bash
# Capture how REAL clients print Anthropic API errors, against tests/capture/mock_api.py,
# inside a loopback-only network namespace (nothing can reach a real API host).
#
# Usage (as root; needs unshare, ip, tmux, script, curl, node, python3):
#   tests/capture/capture.sh                      # install + every group, every default scenario
#   tests/capture/capture.sh install              # only install the pinned clients
#   tests/capture/capture.sh GROUP [SCENARIO...]  # one group, optionally only some scenarios
# Groups: claude-2.1 claude-2.0 claude-1.0 (print mode), claude-2.1-formats (json/stream-json),
#         tui-2.1 tui-2.0 tui-1.0, py-sdk, ts-sdk, curl, cloud (bedrock+vertex), debug, neg, all
#         third-party clients (install-3p installs them; output in tests/fixtures/third-party, TP_OUT=<dir>):
#         litellm langchain-py langchain-js ai-sdk pydantic-ai instructor llm openai-compat
#         agent-sdk-py agent-sdk-ts py-cloud, or third-party for all of them
# Env: TUI_WIDTHS="40 60 80 120" (default), OUT=<dir> (default tests/fixtures/real)
#
# Output per capture NAME in $OUT: NAME.txt (exact bytes), NAME.requests.jsonl (mock log),
# NAME.meta.toml. The NAME.expect.toml files are written by hand and are never touched here.
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
HERE="$(dirname "$SELF")"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$HERE/.cache"
OUT="${OUT:-$ROOT/tests/fixtures/real}"
PORT=8765
BASE="http://127.0.0.1:$PORT"
PROJ=/tmp/errsig-capture/project          # fixed cwd, so TUI banners are stable
TUI_WIDTHS="${TUI_WIDTHS:-40 60 80 120}"

# ---- pinned versions -------------------------------------------------------------------
CC21=2.1.332
CC20=2.0.77
CC10=1.0.128
TS_SDK=1.14.0
NODE_OPENAI=7.59.0
PY_ANTHROPIC=2.14.0
PY_OPENAI=3.57.0
# third-party clients (tests/fixtures/third-party), one venv / node prefix per client family
TP_LITELLM=1.110.2
TP_LANGCHAIN_PY=1.7.10          # langchain-anthropic (pulls anthropic 2.16.0, langchain-core 1.8.3)
TP_PYDANTIC_AI=2.68.0           # pydantic-ai-slim[anthropic]
TP_INSTRUCTOR=1.17.0            # + anthropic 2.16.0
TP_LLM=0.36                     # llm CLI
TP_LLM_ANTHROPIC=0.30           # llm-anthropic plugin (pulls anthropic 1.17.0)
TP_AGENT_PY=0.2.189             # claude-agent-sdk (Python)
TP_BOTO3=1.44.8                 # boto3, in the cloud venv with anthropic[bedrock,vertex]==$PY_ANTHROPIC
TP_LANGCHAIN_JS=1.5.11          # @langchain/anthropic
TP_LANGCHAIN_CORE_JS=1.4.0      # @langchain/core
TP_AI=6.0.326                   # ai (7.x declares node>=22; npm picked 6.x on node 20)
TP_AI_ANTHROPIC=3.0.140         # @ai-sdk/anthropic (the line that goes with ai 6)
TP_AGENT_TS=0.3.334             # @anthropic-ai/claude-agent-sdk

# ---- fake credentials (obviously fake, realistic shape) -------------------------------
FILL="FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789"
FAKE_KEY="sk-ant-api03-${FILL:0:93}AA"
FAKE_OAUTH="sk-ant-oat01-${FILL:0:93}AA"
FAKE_OPENAI_KEY="sk-proj-FAKEFAKEFAKE0123456789FAKEFAKEFAKE0123456789"
FAKE_AWS_ID="AKIAFAKEFAKEFAKE0123"
FAKE_AWS_SECRET="FAKEfake0123456789FAKEfake0123456789FAKE"
FAKE_GCP_TOKEN="ya29.FAKE0123456789FAKE0123456789FAKE0123456789"

NODE_BIN="$(command -v node)"
PY_BIN="$(python3 -c 'import sys;print(sys.executable)' 2>/dev/null || command -v python3)"
VPY="$CACHE/venv/bin/python"

log() { printf '[capture] %s\n' "$*" >&2; }

# ---- install ----------------------------------------------------------------------------
install_clients() {
  mkdir -p "$CACHE"
  local v d
  for pair in "cc-2.1:$CC21" "cc-2.0:$CC20" "cc-1.0:$CC10"; do
    d=${pair%%:*}; v=${pair#*:}
    if [ "$("$CACHE/$d/node_modules/.bin/claude" --version 2>/dev/null | cut -d' ' -f1)" != "$v" ]; then
      log "installing claude-code@$v into $d"
      npm install --no-audit --no-fund --silent --prefix "$CACHE/$d" "@anthropic-ai/claude-code@$v"
    fi
  done
  if ! grep -q "\"version\": \"$TS_SDK\"" "$CACHE/node-sdk/node_modules/@anthropic-ai/sdk/package.json" 2>/dev/null \
     || ! grep -q "\"version\": \"$NODE_OPENAI\"" "$CACHE/node-sdk/node_modules/openai/package.json" 2>/dev/null; then
    log "installing @anthropic-ai/sdk@$TS_SDK openai@$NODE_OPENAI"
    npm install --no-audit --no-fund --silent --prefix "$CACHE/node-sdk" "@anthropic-ai/sdk@$TS_SDK" "openai@$NODE_OPENAI"
  fi
  if ! "$VPY" -c "import anthropic,openai,sys; sys.exit(not(anthropic.__version__=='$PY_ANTHROPIC' and openai.__version__=='$PY_OPENAI'))" 2>/dev/null; then
    log "creating venv with anthropic==$PY_ANTHROPIC openai==$PY_OPENAI"
    "$PY_BIN" -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install -q "anthropic==$PY_ANTHROPIC" "openai==$PY_OPENAI"
  fi
}

# tp_venv NAME CHECK PKG...: (re)create $CACHE/venv-NAME unless the python expression CHECK is true in it
tp_venv() {
  local name=$1 check=$2; shift 2
  local py="$CACHE/venv-$name/bin/python"
  if ! "$py" -c "import sys; from importlib.metadata import version as v; sys.exit(not ($check))" 2>/dev/null; then
    log "creating venv-$name with $*"
    rm -rf "$CACHE/venv-$name"
    "$PY_BIN" -m venv "$CACHE/venv-$name"
    "$CACHE/venv-$name/bin/pip" install -q "$@"
  fi
}

install_3p() {
  install_clients
  tp_venv litellm "v('litellm')=='$TP_LITELLM'" "litellm==$TP_LITELLM"
  tp_venv langchain "v('langchain-anthropic')=='$TP_LANGCHAIN_PY'" "langchain-anthropic==$TP_LANGCHAIN_PY"
  tp_venv pydantic-ai "v('pydantic-ai-slim')=='$TP_PYDANTIC_AI'" "pydantic-ai-slim[anthropic]==$TP_PYDANTIC_AI"
  tp_venv instructor "v('instructor')=='$TP_INSTRUCTOR'" "instructor==$TP_INSTRUCTOR" anthropic
  tp_venv llm "v('llm')=='$TP_LLM' and v('llm-anthropic')=='$TP_LLM_ANTHROPIC'" "llm==$TP_LLM" "llm-anthropic==$TP_LLM_ANTHROPIC"
  tp_venv agent "v('claude-agent-sdk')=='$TP_AGENT_PY'" "claude-agent-sdk==$TP_AGENT_PY"
  tp_venv cloud "v('anthropic')=='$PY_ANTHROPIC' and v('boto3')=='$TP_BOTO3'" "anthropic[bedrock,vertex]==$PY_ANTHROPIC" "boto3==$TP_BOTO3"
  local want ok=1 pair
  for pair in "@langchain/anthropic:$TP_LANGCHAIN_JS" "@langchain/core:$TP_LANGCHAIN_CORE_JS" "ai:$TP_AI" \
              "@ai-sdk/anthropic:$TP_AI_ANTHROPIC" "@anthropic-ai/claude-agent-sdk:$TP_AGENT_TS"; do
    grep -q "\"version\": *\"${pair##*:}\"" "$CACHE/node-3p/node_modules/${pair%:*}/package.json" 2>/dev/null || ok=0
  done
  if [ $ok = 0 ]; then
    log "installing the node third-party clients into node-3p"
    npm install --no-audit --no-fund --silent --prefix "$CACHE/node-3p" "@langchain/anthropic@$TP_LANGCHAIN_JS" \
      "@langchain/core@$TP_LANGCHAIN_CORE_JS" "ai@$TP_AI" "@ai-sdk/anthropic@$TP_AI_ANTHROPIC" "@anthropic-ai/claude-agent-sdk@$TP_AGENT_TS"
  fi
}

# ---- namespace plumbing -----------------------------------------------------------------
# in_ns SCENARIO LOGFILE FUNC ARGS...: run FUNC inside a fresh net+pid namespace with the mock up.
in_ns() {
  unshare -n -p -f -m --mount-proc bash "$SELF" __ns "$@"
}

ns_main() {  # runs as pid 1 of the namespace; everything dies when it exits
  local scenario=$1 logf=$2; shift 2
  ip link set lo up
  : > "$logf"
  MOCK_PID=""
  if [ "$scenario" != none ]; then
    "$PY_BIN" "$HERE/mock_api.py" --port "$PORT" --scenario "$scenario" --log "$logf" >/dev/null 2>&1 &
    MOCK_PID=$!
    for _ in $(seq 50); do
      (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
      sleep 0.1
    done
  fi
  set +e
  "$@"
  local rc=$?
  set -e
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  return $rc
}

new_home() {  # new_home -> prints path of a throwaway HOME pre-seeded for Claude Code
  local h; h=$(mktemp -d /tmp/errsig-cap-home.XXXXXX)
  mkdir -p "$PROJ" "$h/.claude"
  cat > "$h/.claude.json" <<EOF
{
  "hasCompletedOnboarding": true,
  "lastOnboardingVersion": "$CC21",
  "theme": "dark",
  "numStartups": 5,
  "autoUpdates": false,
  "bypassPermissionsModeAccepted": true,
  "hasAcknowledgedCostThreshold": true,
  "customApiKeyResponses": { "approved": ["${FAKE_KEY: -20}"], "rejected": [] },
  "projects": { "$PROJ": { "hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true,
                           "allowedTools": [], "projectOnboardingSeenCount": 5 } }
}
EOF
  echo '{"env":{}}' > "$h/.claude/settings.json"
  echo "$h"
}

# base environment for every client: nothing from our own environment leaks in
base_env() {
  echo "PATH=$(dirname "$NODE_BIN"):/usr/local/bin:/usr/bin:/bin"
  echo "HOME=$1"
  echo "LANG=C.UTF-8"
  echo "USER=root"
  echo "SHELL=/bin/bash"
  echo "TERM=${TERM_FOR:-xterm-256color}"
  echo "DISABLE_TELEMETRY=1"
  echo "DISABLE_ERROR_REPORTING=1"
  echo "DISABLE_AUTOUPDATER=1"
  echo "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"
  echo "CLAUDE_CODE_MAX_RETRIES=${CC_RETRIES:-2}"
  echo "ANTHROPIC_BASE_URL=$BASE"
}

cc_bin() { echo "$CACHE/cc-$1/node_modules/.bin/claude"; }
cc_label() { case $1 in 2.1) echo "claude-code $CC21";; 2.0) echo "claude-code $CC20";; 1.0) echo "claude-code $CC10";; esac; }

write_meta() {  # NAME CLIENT COMMAND SCENARIO KIND [COLUMNS]
  local f="$OUT/$1.meta.toml"
  {
    printf 'client = "%s"\n' "$2"
    printf 'command = %s\n' "$(printf '%s' "$3" | "$PY_BIN" -c 'import json,sys;print(json.dumps(sys.stdin.read()))')"
    printf 'scenario = "%s"\n' "$4"
    printf 'kind = "%s"\n' "$5"
    [ -n "${6:-}" ] && printf 'columns = %s\n' "$6"
    printf 'captured = "%s"\n' "$(date -u +%Y-%m-%d)"
  } > "$f"
}

# ---- inner runners (executed inside the namespace) ------------------------------------
# run_env HOME OUTFILE [VAR=VAL...] -- CMD...   : runs CMD with a clean env, stdout+stderr -> OUTFILE
run_env() {
  local h=$1 outf=$2; shift 2
  local extra=()
  while [ "$1" != "--" ]; do extra+=("$1"); shift; done; shift
  mapfile -t envs < <(base_env "$h")
  (cd "$PROJ" && env -i "${envs[@]}" "${extra[@]}" timeout 120 "$@" < /dev/null > "$outf" 2>&1)
}

inner_print() {  # NAME VER [extra env...] -- ARGS...
  local name=$1 ver=$2; shift 2
  local h; h=$(new_home)
  run_env "$h" "$OUT/$name.txt" ANTHROPIC_API_KEY="$FAKE_KEY" "$@"
  rm -rf "$h"
}

inner_debug() {  # NAME VER
  local name=$1 ver=$2
  local h; h=$(new_home)
  run_env "$h" "$OUT/$name.txt" ANTHROPIC_API_KEY="$FAKE_KEY" -- "$(cc_bin "$ver")" -p hello --debug
  local f; f=$(ls -t "$h"/.claude/debug/*.txt 2>/dev/null | grep -v latest | head -1 || true)
  if [ -n "$f" ]; then cp "$f" "$OUT/$name-file.txt"; fi
  rm -rf "$h"
}

inner_tui() {  # NAME_PREFIX VER COLS SCENARIO
  local pfx=$1 ver=$2 cols=$3 logf=$4
  local h; h=$(new_home)
  local sock="errsig-cap-$$-$cols"
  local raw="$OUT/$pfx-pty-raw.tmp"
  TERM_FOR=xterm-256color
  mapfile -t envs < <(base_env "$h")
  local cmd
  cmd="cd $PROJ && exec env -i $(printf '%q ' "${envs[@]}") ANTHROPIC_API_KEY=$FAKE_KEY script -q -f -c $(printf '%q' "$(cc_bin "$ver")") $(printf '%q' "$raw")"
  tmux -L "$sock" -f /dev/null new-session -d -x "$cols" -y 40 "$cmd"
  tmux -L "$sock" set-option -g status off >/dev/null 2>&1 || true
  # wait for the prompt to be drawn
  sleep 6
  tmux -L "$sock" send-keys -l hello
  sleep 0.5
  tmux -L "$sock" send-keys Enter
  # wait for the mock to be hit by a message request, then for a still screen (3 s)
  for _ in $(seq 120); do
    grep -q '"path": "/v1/messages' "$logf" 2>/dev/null && break
    sleep 0.5
  done
  local prev="" cur stable=0
  for _ in $(seq 60); do
    sleep 1
    cur=$(tmux -L "$sock" capture-pane -p -e)
    if [ "$cur" = "$prev" ]; then stable=$((stable+1)); else stable=0; fi
    prev=$cur
    [ $stable -ge 3 ] && break
  done
  tmux -L "$sock" capture-pane -p    > "$OUT/$pfx-tui-plain.txt"
  tmux -L "$sock" capture-pane -p -e > "$OUT/$pfx-tui-escapes.txt"
  tmux -L "$sock" capture-pane -p -J > "$OUT/$pfx-tui-joined.txt"
  # stop the pane's processes by PID, then the tmux server
  local ppid_; ppid_=$(tmux -L "$sock" display-message -p '#{pane_pid}' 2>/dev/null || true)
  if [ -n "$ppid_" ]; then
    for c in $(pgrep -P "$ppid_" 2>/dev/null); do
      for g in $(pgrep -P "$c" 2>/dev/null); do kill "$g" 2>/dev/null || true; done
      kill "$c" 2>/dev/null || true
    done
    kill "$ppid_" 2>/dev/null || true
  fi
  sleep 1
  tmux -L "$sock" kill-server 2>/dev/null || true
  mv "$raw" "$OUT/$pfx-pty-raw.txt"
  rm -rf "$h"
}

# ---- capture drivers (outside the namespace) ------------------------------------------
cap_print() {  # VER SCENARIO [KIND]
  local ver=$1 sc=$2 kind=${3:-print}
  local name="cc-$ver-$kind-$sc" args=(-p hello) extra=()
  case $kind in
    json) args+=(--output-format json);;
    stream-json) args+=(--output-format stream-json --verbose);;
  esac
  local disp="ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY CLAUDE_CODE_MAX_RETRIES=${CC_RETRIES:-2} claude ${args[*]}"
  case $sc in
    bedrock) extra=(CLAUDE_CODE_USE_BEDROCK=1 ANTHROPIC_BEDROCK_BASE_URL=$BASE CLAUDE_CODE_SKIP_BEDROCK_AUTH=1 AWS_REGION=us-east-1)
             disp="CLAUDE_CODE_USE_BEDROCK=1 ANTHROPIC_BEDROCK_BASE_URL=$BASE CLAUDE_CODE_SKIP_BEDROCK_AUTH=1 AWS_REGION=us-east-1 $disp";;
    vertex) extra=(CLAUDE_CODE_USE_VERTEX=1 ANTHROPIC_VERTEX_BASE_URL=$BASE/v1 CLAUDE_CODE_SKIP_VERTEX_AUTH=1 CLOUD_ML_REGION=us-east5 ANTHROPIC_VERTEX_PROJECT_ID=fake-project)
            disp="CLAUDE_CODE_USE_VERTEX=1 ANTHROPIC_VERTEX_BASE_URL=$BASE/v1 CLAUDE_CODE_SKIP_VERTEX_AUTH=1 CLOUD_ML_REGION=us-east5 ANTHROPIC_VERTEX_PROJECT_ID=fake-project $disp";;
  esac
  log "$name"
  in_ns "$sc" "$OUT/$name.requests.jsonl" inner_print "$name" "$ver" "${extra[@]}" CLAUDE_CODE_MAX_RETRIES="${CC_RETRIES:-2}" -- "$(cc_bin "$ver")" "${args[@]}" || true
  write_meta "$name" "$(cc_label "$ver")" "$disp" "$sc" "$kind"
}

cap_debug() {  # VER SCENARIO
  local ver=$1 sc=$2 name="cc-$1-debug-$2"
  log "$name"
  in_ns "$sc" "$OUT/$name.requests.jsonl" inner_debug "$name" "$ver" || true
  local disp="ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY CLAUDE_CODE_MAX_RETRIES=${CC_RETRIES:-2} claude -p hello --debug"
  write_meta "$name" "$(cc_label "$ver")" "$disp  (stdout+stderr)" "$sc" "print"
  if [ -f "$OUT/$name-file.txt" ]; then
    cp "$OUT/$name.requests.jsonl" "$OUT/$name-file.requests.jsonl"
    write_meta "$name-file" "$(cc_label "$ver")" "$disp  (file \$HOME/.claude/debug/<session>.txt)" "$sc" "debug-log"
  fi
}

cap_tui() {  # VER SCENARIO COLS
  local ver=$1 sc=$2 cols=$3 pfx="cc-$1-w$3-$2"
  log "tui $pfx"
  local logf="$OUT/$pfx.requests.tmp"
  in_ns "$sc" "$logf" inner_tui "$pfx" "$ver" "$cols" "$logf" || true
  local disp="tmux new-session -x $cols -y 40; script -q -f -c claude <raw>; send-keys hello Enter  (ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY)"
  local k n
  for k in tui-plain tui-escapes tui-joined pty-raw; do
    n="$pfx-$k"
    # rename to cc-VER-KIND-wCOLS-SCENARIO
    local final="cc-$ver-$k-w$cols-$sc"
    [ -f "$OUT/$n.txt" ] && mv "$OUT/$n.txt" "$OUT/$final.txt"
    cp "$logf" "$OUT/$final.requests.jsonl"
    local c="$disp"
    case $k in tui-plain) c="$disp; tmux capture-pane -p";; tui-escapes) c="$disp; tmux capture-pane -p -e";;
               tui-joined) c="$disp; tmux capture-pane -p -J";; pty-raw) c="$disp; raw pty stream written by script(1)";; esac
    write_meta "$final" "$(cc_label "$ver")" "$c" "$sc" "$k" "$cols"
  done
  rm -f "$logf"
}

inner_cmd() {  # NAME [VAR=VAL...] -- CMD...  (generic, no Claude HOME needed but harmless)
  local name=$1; shift
  local h; h=$(mktemp -d /tmp/errsig-cap-home.XXXXXX); mkdir -p "$PROJ"
  run_env "$h" "$OUT/$name.txt" "$@"
  rm -rf "$h"
}

inner_shell() {  # NAME SHELLCMD   (stdout+stderr of a bash -c, in $PROJ)
  local name=$1 c=$2; mkdir -p "$PROJ"
  (cd "$PROJ" && env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp LANG=C.UTF-8 FAKE_KEY="$FAKE_KEY" bash -c "$c" < /dev/null > "$OUT/$name.txt" 2>&1)
}

cap_cmd() {  # NAME SCENARIO CLIENT KIND DISPLAY [VAR=VAL...] -- CMD...
  local name=$1 sc=$2 client=$3 kind=$4 disp=$5; shift 5
  log "$name"
  in_ns "$sc" "$OUT/$name.requests.jsonl" inner_cmd "$name" "$@" || true
  write_meta "$name" "$client" "$disp" "$sc" "$kind"
}

cap_shell() {  # NAME SCENARIO CLIENT KIND SHELLCMD
  local name=$1 sc=$2 client=$3 kind=$4 c=$5
  log "$name"
  in_ns "$sc" "$OUT/$name.requests.jsonl" inner_shell "$name" "$c" || true
  write_meta "$name" "$client" "$c" "$sc" "$kind"
}

# ---- groups -------------------------------------------------------------------------------
CC21_SCEN="permission_denied request_not_allowed oauth_scope oauth_org oauth_revoked gateway_html gateway_text no_body auth_401 org_disabled credit cc_only not_found too_large rate_limit api_error overloaded permission_details"
OLD_SCEN="permission_denied request_not_allowed gateway_html auth_401 rate_limit overloaded"
PY_SCEN="permission_denied permission_details no_body auth_401 rate_limit"
TS_SCEN="permission_denied permission_details no_body"
CURL_SCEN="permission_denied gateway_html request_not_allowed"

pick() { if [ ${#SEL[@]} -gt 0 ]; then printf '%s\n' "${SEL[@]}"; else printf '%s\n' $1; fi; }

py_ver() { echo "anthropic-python $PY_ANTHROPIC"; }

group() {
  local g=$1 s w
  case $g in
    claude-2.1) for s in $(pick "$CC21_SCEN"); do cap_print 2.1 "$s"; done;;
    claude-2.0) for s in $(pick "$OLD_SCEN"); do cap_print 2.0 "$s"; done;;
    claude-1.0) for s in $(pick "$OLD_SCEN"); do cap_print 1.0 "$s"; done;;
    claude-2.1-formats) for s in $(pick permission_denied); do cap_print 2.1 "$s" json; cap_print 2.1 "$s" stream-json; done;;
    tui-2.1|tui-2.0|tui-1.0)
      for s in $(pick permission_denied); do for w in $TUI_WIDTHS; do cap_tui "${g#tui-}" "$s" "$w"; done; done;;
    py-sdk)
      for s in $(pick "$PY_SCEN"); do
        cap_cmd "py-sdk-uncaught-$s" "$s" "$(py_ver)" sdk "ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY python clients/py_uncaught.py" \
          ANTHROPIC_API_KEY="$FAKE_KEY" -- "$VPY" "$HERE/clients/py_uncaught.py"
        cap_cmd "py-sdk-print-$s" "$s" "$(py_ver)" sdk "ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY python clients/py_print.py" \
          ANTHROPIC_API_KEY="$FAKE_KEY" -- "$VPY" "$HERE/clients/py_print.py"
      done;;
    ts-sdk)
      for s in $(pick "$TS_SCEN"); do
        local v
        for v in uncaught console_log string; do
          cap_cmd "ts-sdk-${v//_/-}-$s" "$s" "anthropic-ts-sdk $TS_SDK (node $("$NODE_BIN" --version))" sdk \
            "ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY node clients/ts_$v.cjs" \
            ANTHROPIC_API_KEY="$FAKE_KEY" NODE_PATH="$CACHE/node-sdk/node_modules" -- "$NODE_BIN" "$HERE/clients/ts_$v.cjs"
        done
      done;;
    curl)
      local data='{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hello"}]}'
      local hdr="-H \"x-api-key: \$FAKE_KEY\" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json'"
      for s in $(pick "$CURL_SCEN"); do
        cap_shell "curl-i-$s" "$s" "$(curl --version | head -1 | cut -d' ' -f1-2)" curl \
          "curl -sS -i $BASE/v1/messages $hdr -d '$data'"
        cap_shell "curl-v-$s" "$s" "$(curl --version | head -1 | cut -d' ' -f1-2)" curl \
          "curl -sS -v $BASE/v1/messages $hdr -d '$data'"
        case $s in permission_denied|request_not_allowed)
          cap_shell "curl-json-tool-$s" "$s" "$(curl --version | head -1 | cut -d' ' -f1-2) + python3 -m json.tool" curl \
            "curl -sS $BASE/v1/messages $hdr -d '$data' | python3 -m json.tool";;
        esac
      done;;
    cloud)
      for s in $(pick "bedrock vertex"); do cap_print 2.1 "$s"; done;;
    debug)
      for s in $(pick permission_denied); do cap_debug 2.1 "$s"; cap_debug 2.0 "$s"; done;;
    neg)
      cap_cmd neg-py-openai-403 openai_403 "openai-python $PY_OPENAI" sdk "OPENAI_BASE_URL=$BASE/v1 OPENAI_API_KEY=\$FAKE_OPENAI_KEY python clients/py_openai_uncaught.py" \
        OPENAI_BASE_URL="$BASE/v1" OPENAI_API_KEY="$FAKE_OPENAI_KEY" -- "$VPY" "$HERE/clients/py_openai_uncaught.py"
      cap_cmd neg-ts-openai-403 openai_403 "openai-node $NODE_OPENAI (node $("$NODE_BIN" --version))" sdk "OPENAI_BASE_URL=$BASE/v1 OPENAI_API_KEY=\$FAKE_OPENAI_KEY node clients/ts_openai_uncaught.cjs" \
        OPENAI_BASE_URL="$BASE/v1" OPENAI_API_KEY="$FAKE_OPENAI_KEY" NODE_PATH="$CACHE/node-sdk/node_modules" -- "$NODE_BIN" "$HERE/clients/ts_openai_uncaught.cjs"
      local cv; cv="$(curl --version | head -1 | cut -d' ' -f1-2)"
      cap_shell neg-curl-github-403 github_403 "$cv" curl \
        "curl -sS -i -H 'Accept: application/vnd.github+json' -H 'Authorization: Bearer ghs_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE' $BASE/repos/octo/hello/issues -d '{\"title\":\"x\"}'"
      cap_shell neg-curl-s3-403 s3_403 "$cv" curl "curl -sS -i $BASE/bucket/secret.txt"
      local tf=/tmp/errsig-capture/secret.txt
      mkdir -p /tmp/errsig-capture; echo secret > "$tf"; chmod 000 "$tf"; chmod 755 /tmp/errsig-capture
      cap_shell neg-cat-eacces none "coreutils cat" unknown "runuser -u nobody -- cat $tf"
      sed -i 's/^kind = .*/kind = "print"/' "$OUT/neg-cat-eacces.meta.toml"
      cap_shell neg-py-open-eacces none "python $(/usr/bin/python3 -c 'import platform;print(platform.python_version())')" sdk \
        "runuser -u nobody -- /usr/bin/python3 -c 'print(open(\"$tf\").read())'"
      sed -i 's/^kind = .*/kind = "print"/' "$OUT/neg-py-open-eacces.meta.toml"
      if command -v sshd >/dev/null || [ -x /usr/sbin/sshd ]; then
        cap_ssh
      else
        log "sshd not installed; skipping neg-ssh-publickey"
      fi;;
    litellm|langchain-py|langchain-js|ai-sdk|pydantic-ai|instructor|llm|openai-compat|agent-sdk-py|agent-sdk-ts|py-cloud)
      tp_group "$g";;
    third-party)
      for w in $TP_GROUPS; do tp_group "$w"; done;;
    *) echo "unknown group $g" >&2; exit 2;;
  esac
}

# ---- third-party clients (output in tests/fixtures/third-party) ------------------------------
TP_GROUPS="litellm langchain-py langchain-js ai-sdk pydantic-ai instructor llm openai-compat agent-sdk-py agent-sdk-ts py-cloud"
TP_SCEN="permission_denied auth_401 rate_limit overloaded gateway_html request_not_allowed not_found"
TP_OUT="${TP_OUT:-$ROOT/tests/fixtures/third-party}"

# tp_py NAME SCENARIO CLIENT VENV SCRIPT MODE [VAR=VAL...]: a Python client of tests/capture/clients/
tp_py() {
  local name=$1 sc=$2 client=$3 venv=$4 script=$5 mode=$6; shift 6
  local shown="" kv
  for kv in "$@"; do case $kv in *FAKE*) shown+="${kv%%=*}=\$FAKE "; ;; *) shown+="$kv ";; esac; done
  local py="$CACHE/venv${venv:+-$venv}/bin/python"
  cap_cmd "$name" "$sc" "$client (python $("$py" -c 'import platform;print(platform.python_version())'))" sdk \
    "ANTHROPIC_API_KEY=\$FAKE_KEY ${shown}python clients/$script $mode" \
    ANTHROPIC_API_KEY="$FAKE_KEY" "$@" -- "$py" "$HERE/clients/$script" "$mode"
}

# tp_node NAME SCENARIO CLIENT NODE_MODULES SCRIPT MODE [VAR=VAL...]
tp_node() {
  local name=$1 sc=$2 client=$3 nm=$4 script=$5 mode=$6; shift 6
  local shown="" kv
  for kv in "$@"; do case $kv in *FAKE*) shown+="${kv%%=*}=\$FAKE "; ;; *) shown+="$kv ";; esac; done
  cap_cmd "$name" "$sc" "$client (node $("$NODE_BIN" --version))" sdk \
    "ANTHROPIC_API_KEY=\$FAKE_KEY ${shown}node clients/$script $mode" \
    ANTHROPIC_API_KEY="$FAKE_KEY" NODE_PATH="$nm" "$@" -- "$NODE_BIN" "$HERE/clients/$script" "$mode"
}

# tp_modes SCENARIO: every mode for the 403s, uncaught + logged for rate_limit (retries show), else uncaught
tp_modes() {
  case $1 in permission_denied|bedrock|vertex|compat_permission_denied) echo "uncaught logged logerror";;
             rate_limit) echo "uncaught logged";; *) echo uncaught;; esac
}
tp_js_modes() {
  case $1 in permission_denied|compat_permission_denied) echo "uncaught console-error message";;
             rate_limit) echo "uncaught console-error";; *) echo uncaught;; esac
}

tp_group() {
  local g=$1 s m n3p="$CACHE/node-3p/node_modules"
  OUT=$TP_OUT; export OUT; mkdir -p "$OUT"
  case $g in
    litellm)
      for s in $(pick "$TP_SCEN"); do for m in $(tp_modes "$s"); do
        tp_py "litellm-$m-$s" "$s" "litellm $TP_LITELLM" litellm litellm_client.py "$m" LITELLM_LOCAL_MODEL_COST_MAP=True
      done; done;;
    langchain-py)
      for s in $(pick "$TP_SCEN"); do for m in $(tp_modes "$s"); do
        tp_py "langchain-py-$m-$s" "$s" "langchain-anthropic $TP_LANGCHAIN_PY" langchain langchain_py.py "$m"
      done; done;;
    pydantic-ai)
      for s in $(pick "$TP_SCEN"); do for m in $(tp_modes "$s"); do
        tp_py "pydantic-ai-$m-$s" "$s" "pydantic-ai-slim $TP_PYDANTIC_AI" pydantic-ai pydantic_ai_client.py "$m"
      done; done;;
    instructor)
      for s in $(pick "$TP_SCEN"); do for m in $(tp_modes "$s"); do
        tp_py "instructor-$m-$s" "$s" "instructor $TP_INSTRUCTOR" instructor instructor_client.py "$m"
      done; done;;
    llm)
      for s in $(pick "$TP_SCEN"); do
        cap_cmd "llm-cli-$s" "$s" "llm $TP_LLM + llm-anthropic $TP_LLM_ANTHROPIC" print \
          "ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=\$FAKE_KEY llm -m claude-sonnet-4.5 hello" \
          ANTHROPIC_API_KEY="$FAKE_KEY" -- "$CACHE/venv-llm/bin/llm" -m claude-sonnet-4.5 hello
        if [ "$s" = permission_denied ]; then
          for m in uncaught logged; do
            tp_py "llm-py-$m-$s" "$s" "llm $TP_LLM + llm-anthropic $TP_LLM_ANTHROPIC" llm llm_py.py "$m"
          done
        fi
      done;;
    openai-compat)
      for s in $(pick "$TP_SCEN compat_permission_denied"); do
        for m in $(tp_modes "$s"); do
          tp_py "openai-py-$m-$s" "$s" "openai-python $PY_OPENAI" "" openai_compat_py.py "$m"
        done
        for m in $(tp_js_modes "$s"); do
          tp_node "openai-ts-$m-$s" "$s" "openai-node $NODE_OPENAI" "$CACHE/node-sdk/node_modules" openai_compat_ts.cjs "$m"
        done
      done;;
    langchain-js)
      for s in $(pick "$TP_SCEN"); do for m in $(tp_js_modes "$s"); do
        tp_node "langchain-js-$m-$s" "$s" "@langchain/anthropic $TP_LANGCHAIN_JS" "$n3p" langchain_js.cjs "$m"
      done; done;;
    ai-sdk)
      for s in $(pick "$TP_SCEN"); do for m in $(tp_js_modes "$s"); do
        tp_node "ai-sdk-$m-$s" "$s" "ai $TP_AI + @ai-sdk/anthropic $TP_AI_ANTHROPIC" "$n3p" ai_sdk.cjs "$m"
      done; done;;
    agent-sdk-py)
      for s in $(pick "permission_denied auth_401 rate_limit"); do for m in uncaught logged; do
        tp_py "agent-sdk-py-$m-$s" "$s" "claude-agent-sdk $TP_AGENT_PY + claude-code $CC21" agent agent_sdk_py.py "$m" \
          CLAUDE_CLI="$(cc_bin 2.1)" ANTHROPIC_BASE_URL="$BASE" CLAUDE_CODE_MAX_RETRIES=1
      done; done;;
    agent-sdk-ts)
      for s in $(pick "permission_denied auth_401 rate_limit"); do for m in uncaught console-error; do
        tp_node "agent-sdk-ts-$m-$s" "$s" "@anthropic-ai/claude-agent-sdk $TP_AGENT_TS + claude-code $CC21" "$n3p" agent_sdk_ts.cjs "$m" \
          CLAUDE_CLI="$(cc_bin 2.1)" ANTHROPIC_BASE_URL="$BASE" CLAUDE_CODE_MAX_RETRIES=1
      done; done;;
    py-cloud)
      local aws=(AWS_ACCESS_KEY_ID="$FAKE_AWS_ID" AWS_SECRET_ACCESS_KEY="$FAKE_AWS_SECRET" AWS_EC2_METADATA_DISABLED=true)
      for s in $(pick "bedrock permission_denied"); do for m in $(tp_modes "$s"); do
        tp_py "bedrock-py-$m-$s" "$s" "anthropic-python $PY_ANTHROPIC (AnthropicBedrock)" cloud bedrock_py.py "$m" "${aws[@]}"
        tp_py "boto3-$m-$s" "$s" "boto3 $TP_BOTO3" cloud boto3_bedrock.py "$m" "${aws[@]}"
      done; done
      for s in $(pick "vertex permission_denied"); do for m in $(tp_modes "$s"); do
        tp_py "vertex-py-$m-$s" "$s" "anthropic-python $PY_ANTHROPIC (AnthropicVertex)" cloud vertex_py.py "$m" FAKE_GCP_TOKEN="$FAKE_GCP_TOKEN"
      done; done;;
  esac
}

inner_ssh() {
  local name=$1 d=/tmp/errsig-capture/sshd
  rm -rf "$d"; mkdir -p "$d" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
  /usr/sbin/sshd -f /dev/null -h "$d/host_key" -p 2222 -o ListenAddress=127.0.0.1 \
    -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PubkeyAuthentication=yes \
    -o AuthorizedKeysFile=/nonexistent -o PidFile="$d/sshd.pid" -E "$d/sshd.log"
  sleep 1
  local h; h=$(mktemp -d /tmp/errsig-cap-home.XXXXXX)
  (cd "$PROJ" && env -i PATH=/usr/bin:/bin HOME="$h" LANG=C.UTF-8 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
     -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p 2222 git@127.0.0.1 true < /dev/null > "$OUT/$name.txt" 2>&1)
  kill "$(cat "$d/sshd.pid")" 2>/dev/null || true
  rm -rf "$h" "$d"
}

cap_ssh() {
  local name=neg-ssh-publickey
  log "$name"
  in_ns none "$OUT/$name.requests.jsonl" inner_ssh "$name" || true
  write_meta "$name" "$(ssh -V 2>&1 | cut -d, -f1)" "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p 2222 git@127.0.0.1 true" none print
}

# ---- main -----------------------------------------------------------------------------------
if [ "${1:-}" = "__ns" ]; then
  shift
  ns_main "$@"
  exit $?
fi

[ "$(id -u)" = 0 ] || { echo "capture.sh must run as root (unshare -n)" >&2; exit 1; }
mkdir -p "$OUT" "$PROJ"
cmd=${1:-all}; shift || true
SEL=("$@")
case $cmd in
  install) install_clients;;
  install-3p) install_3p;;
  all)
    install_clients
    for g in claude-2.1 claude-2.1-formats claude-2.0 claude-1.0 tui-2.1 tui-2.0 tui-1.0 py-sdk ts-sdk curl cloud debug neg; do
      group "$g"
    done;;
  *) group "$cmd";;
esac
