#!/usr/bin/env bash
# Chaos run: what a sidecar with the DEFAULT config loses when a backend breaks under load, and what hostile inputs get.
# Run by hand, never in CI or `dotnet test`; loopback only; every process runs under `nice` and is stopped by its id at
# the end (also on Ctrl-C). Results and how to read them: docs/reliability.md, "Chaos runs".
#
#   bench/chaos.sh                        # every scenario, about 4 minutes
#   bench/chaos.sh --only "kill hang"     # some of them
#
# Scenarios (each starts 3 fresh backends and a COLD sidecar, then 32 grpc-js callers for --seconds, the fault at --fault-at):
#   kill         backend b is SIGKILLed mid-run             (CreateUser: not safe to repeat)
#   unavailable  backend b answers UNAVAILABLE from then on (CreateUser)
#   hang         backend b never answers from then on       (CreateUser; callers' deadline --deadline-ms)
#   slow         backend b answers after 300 ms from then on (CreateUser)
#   kill-idem    the kill, for a method safe to repeat      (GetUser; the route says idempotent: true)
#   hang-retry   the hang, with the route's one-line fix for any method: retry: { perTryTimeout: 1s }
#   hang-hedged  the hang, for a method safe to repeat, with hedging: { delay: 1s }
#   reload       60 weight edits (meshproxy canary set) under load, 4 a second
#   hostile      rapid reset, a bad frame, a CONTINUATION flood, an oversized message, a truncated message, bad REST
#                JSON: the status each got and the sidecar's RSS after it
# Options: --seconds N (default 20), --fault-at N (default 6), --deadline-ms N (default 5000), --only "LIST",
#          --load-balancing NAME (the cluster's loadBalancing, to compare a policy with the default; default none set),
#          --no-build, --out DIR.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib/procs.sh
source "$HERE/lib/procs.sh"
# Ctrl-C or a failed step: everything started is stopped by id (procs.sh's EXIT trap).

SECONDS_PER_RUN=20
FAULT_AT=6
DEADLINE_MS=5000
ONLY="kill unavailable hang slow kill-idem hang-retry hang-hedged reload hostile"
BUILD=1
OUT=""
LOAD_BALANCING=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN=$2; shift ;;
    --fault-at) FAULT_AT=$2; shift ;;
    --deadline-ms) DEADLINE_MS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --load-balancing) LOAD_BALANCING=$2; shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/chaos.sh [--seconds N] [--fault-at N] [--deadline-ms N] [--only LIST] [--load-balancing NAME] [--no-build] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/meshproxy-chaos.XXXXXX")}
mkdir -p "$OUT"
echo "chaos: results in $OUT" >&2

NICE="nice -n 10"
MESHPROXY="$REPO/proxy/MeshProxy/bin/Release/net10.0/meshproxy"
if [ "$BUILD" = 1 ]; then
  echo "chaos: building MeshProxy (Release)" >&2
  $NICE dotnet build -c Release "$REPO/proxy/MeshProxy" -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
fi
# The node peers' packages (@grpc/grpc-js, proto-loader) and the proto include path the tests give them.
if [ ! -d "$REPO/tests/node/node_modules/@grpc/grpc-js" ]; then
  (cd "$REPO/tests/node" && npm install --no-audit --no-fund >"$OUT/npm.log" 2>&1)
fi
COMMON_PROTOS=$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/google.api.commonprotos/*/content/protos | sort -V | tail -1)
export MESHPROXY_PROTO_PATH="$REPO/protos:$COMMON_PROTOS"

# forget_pid PID: a process stopped by the script leaves the list the EXIT trap stops.
forget_pid() {
  local kept=() pid
  for pid in "${BENCH_PIDS[@]}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  BENCH_PIDS=("${kept[@]}")
}

# start_backends DIR: backends a, b, c (BACKEND_PID_x, GRPC_x, CONTROL_x).
start_backends() {
  local dir=$1 name
  for name in a b c; do
    start_proc "backend-$name" "$dir/backend-$name.out" $NICE node "$HERE/chaos/backend.js" "$name"
    eval "BACKEND_PID_$name=$STARTED_PID"
    wait_for_line "$dir/backend-$name.out" '"grpc"' 30
    eval "$(sed -n 's/^{"name":"\(.\)","grpc":\([0-9]*\),"control":\([0-9]*\)}$/GRPC_\1=\2; CONTROL_\1=\3/p' "$dir/backend-$name.out")"
  done
}

# write_config FILE ROUTE_EXTRA: the default config (3 destinations, one route, nothing tuned) on free ports.
write_config() {
  read -r GRPC_PORT REST_PORT OPS_PORT ADMIN_PORT < <(free_ports 4)
  cat >"$1" <<YAML
version: "chaos"
listeners:
  grpc:  { address: 127.0.0.1, port: $GRPC_PORT }
  rest:  { address: 127.0.0.1, port: $REST_PORT }
  ops:   { address: 127.0.0.1, port: $OPS_PORT }
  admin: { address: 127.0.0.1, port: $ADMIN_PORT }
routes:
  - name: users
    match: { method: /users.v1.UserService/* }
    cluster: users
$2
clusters:
  users:${LOAD_BALANCING:+
    loadBalancing: $LOAD_BALANCING}
    destinations:
      - { address: http://127.0.0.1:$GRPC_a, name: a }
      - { address: http://127.0.0.1:$GRPC_b, name: b }
      - { address: http://127.0.0.1:$GRPC_c, name: c }
transcoding:
  descriptorSets: [builtin]
  services: [users.v1.UserService]
YAML
}

# start_sidecar DIR: a fresh (cold) sidecar on DIR/meshproxy.yaml (SIDECAR_PID), ready.
start_sidecar() {
  start_proc meshproxy "$1/meshproxy.log" $NICE "$MESHPROXY" run --config "$1/meshproxy.yaml"
  SIDECAR_PID=$STARTED_PID
  wait_for_http "http://127.0.0.1:$OPS_PORT/healthz/ready" 60
}

stop_all() {
  local pid
  for pid in "$@"; do
    stop_proc "$pid"
    forget_pid "$pid"
  done
}

rss() {
  awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 } END { printf "rss=%d MiB peak=%d MiB", rss / 1024, hwm / 1024 }' "/proc/$1/status"
}

# figure NAME FILE: one line from the caller's JSON.
figure() {
  python3 - "$1" "$2" "$OUT/figures.tsv" <<'PY'
import json, sys
name, path, tsv = sys.argv[1:4]
r = json.load(open(path))
failed = ", ".join(f"{k} {v}" for k, v in sorted(r["failed"].items())) or "none"
print(f"chaos: {name:<12} calls={r['calls']:<6} ok={r['ok']:<6} failed: {failed:<30} success={r['successPercent']:.4f} %  p50={r['p50Ms']} ms p99={r['p99Ms']} ms max={r['maxMs']} ms")
for detail, n in sorted(r["failedDetails"].items()):
    print(f"chaos:   {n} x {detail}")
with open(tsv, "a") as f:
    f.write(f"{name}\t{r['calls']}\t{r['ok']}\t{failed}\t{r['successPercent']:.4f}\t{r['p50Ms']}\t{r['p99Ms']}\n")
PY
}

# load_scenario NAME METHOD ROUTE_EXTRA FAULT...: cold sidecar, 32 callers, FAULT (a command) at FAULT_AT seconds.
load_scenario() {
  local name=$1 method=$2 extra=$3 dir="$OUT/$1"
  shift 3
  mkdir -p "$dir"
  echo "chaos: $name" >&2
  start_backends "$dir"
  write_config "$dir/meshproxy.yaml" "$extra"
  start_sidecar "$dir"
  start_proc caller "$dir/caller.json" $NICE node "$HERE/chaos/caller.js" \
    "{\"target\":\"127.0.0.1:$GRPC_PORT\",\"method\":\"$method\",\"concurrency\":32,\"channels\":4,\"durationMs\":$((SECONDS_PER_RUN * 1000)),\"deadlineMs\":$DEADLINE_MS}"
  local caller=$STARTED_PID
  sleep "$FAULT_AT"
  "$@"
  wait "$caller" || true
  forget_pid "$caller"
  curl -s "http://127.0.0.1:$ADMIN_PORT/clusters" >"$dir/clusters.json" || true
  figure "$name" "$dir/caller.json"
  stop_all "$SIDECAR_PID" "$BACKEND_PID_a" "$BACKEND_PID_b" "$BACKEND_PID_c"
}

kill_b() { kill -9 "$BACKEND_PID_b"; wait "$BACKEND_PID_b" 2>/dev/null || true; }
mode_b() { curl -sf -o /dev/null "http://127.0.0.1:$CONTROL_b/mode/$1"; }

# reload_edits DIR: 60 weight edits of the split, 4 a second, by the same command an operator uses.
reload_edits() {
  local i
  for i in $(seq 1 60); do
    if [ $((i % 2)) = 1 ]; then
      $NICE "$MESHPROXY" canary set "$1/meshproxy.yaml" users users=70 users-canary=30 >>"$1/canary.log" 2>&1
    else
      $NICE "$MESHPROXY" canary set "$1/meshproxy.yaml" users users=90 users-canary=10 >>"$1/canary.log" 2>&1
    fi
    sleep 0.25
  done
}

reload_scenario() {
  local dir="$OUT/reload"
  mkdir -p "$dir"
  echo "chaos: reload" >&2
  start_backends "$dir"
  write_config "$dir/meshproxy.yaml" ""
  # The one route splits over two clusters, so there is a weight to edit.
  python3 - "$dir/meshproxy.yaml" "$GRPC_c" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
text = text.replace("    cluster: users\n", "    backends:\n      - { cluster: users, weight: 90 }\n      - { cluster: users-canary, weight: 10 }\n")
text = text.replace("transcoding:", f"  users-canary:\n    destinations: [ {{ address: http://127.0.0.1:{port}, name: c }} ]\ntranscoding:")
open(path, "w").write(text)
PY
  start_sidecar "$dir"
  start_proc caller "$dir/caller.json" $NICE node "$HERE/chaos/caller.js" \
    "{\"target\":\"127.0.0.1:$GRPC_PORT\",\"method\":\"/users.v1.UserService/CreateUser\",\"concurrency\":32,\"channels\":4,\"durationMs\":$((SECONDS_PER_RUN * 1000)),\"deadlineMs\":$DEADLINE_MS}"
  local caller=$STARTED_PID
  sleep 2
  reload_edits "$dir"
  wait "$caller" || true
  forget_pid "$caller"
  local reloads
  reloads=$(curl -s "http://127.0.0.1:$OPS_PORT/metrics" | awk '/^meshproxy_config_reloads_total/ { s += $2 } END { print s + 0 }')
  echo "chaos: reload: $(grep -c updated "$dir/canary.log") edits written, reloads counted by the sidecar: $reloads" >&2
  figure reload "$dir/caller.json"
  stop_all "$SIDECAR_PID" "$BACKEND_PID_a" "$BACKEND_PID_b" "$BACKEND_PID_c"
}

backend_calls() {
  local total=0 name n
  for name in a b c; do
    eval "n=\$(curl -s http://127.0.0.1:\$CONTROL_$name/stats | sed 's/.*\"calls\":\\([0-9]*\\).*/\\1/')"
    total=$((total + n))
  done
  echo "$total"
}

hostile_scenario() {
  local dir="$OUT/hostile" line
  mkdir -p "$dir"
  echo "chaos: hostile" >&2
  start_backends "$dir"
  write_config "$dir/meshproxy.yaml" ""
  start_sidecar "$dir"
  echo "chaos: hostile: idle sidecar $(rss "$SIDECAR_PID")"
  local before after
  before=$(backend_calls)
  line=$($NICE node "$HERE/chaos/hostile.js" rapid-reset "$GRPC_PORT" 2500)
  sleep 1
  after=$(backend_calls)
  echo "chaos: hostile: rapid reset: $(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])'), upstream calls $((after - before)); $(rss "$SIDECAR_PID")"
  for kind in bad-frame "continuation-flood 5" "oversized 8"; do
    # shellcheck disable=SC2086
    line=$($NICE node "$HERE/chaos/hostile.js" ${kind%% *} "$GRPC_PORT" ${kind#* })
    echo "chaos: hostile: ${kind%% *}: $(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])'); $(rss "$SIDECAR_PID")"
  done
  # A gRPC frame that announces 100 bytes and carries 3.
  printf '\x00\x00\x00\x00\x64abc' >"$dir/truncated.bin"
  line=$(curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' --data-binary "@$dir/truncated.bin" \
    -o /dev/null -D - "http://127.0.0.1:$GRPC_PORT/users.v1.UserService/CreateUser" | tr -d '\r' | grep -i '^grpc-status\|^grpc-message' | tr '\n' ' ')
  echo "chaos: hostile: truncated message: $line; $(rss "$SIDECAR_PID")"
  line=$(curl -s -X POST -H 'content-type: application/json' --data '{"display_name": ' -w ' HTTP %{http_code}' "http://127.0.0.1:$REST_PORT/v1/users")
  echo "chaos: hostile: bad REST JSON: $line; $(rss "$SIDECAR_PID")"
  line=$(curl -s -X POST -H 'content-type: application/json' --data '{"display_name": "\ud800"}' -w ' HTTP %{http_code}' "http://127.0.0.1:$REST_PORT/v1/users")
  echo "chaos: hostile: lone surrogate in REST JSON: $line; $(rss "$SIDECAR_PID")"
  # Still serving after all of it.
  line=$($NICE node "$HERE/chaos/caller.js" "{\"target\":\"127.0.0.1:$GRPC_PORT\",\"method\":\"/users.v1.UserService/GetUser\",\"concurrency\":4,\"channels\":1,\"durationMs\":1000,\"deadlineMs\":2000}")
  echo "chaos: hostile: afterwards: $(echo "$line" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(str(r["ok"]) + "/" + str(r["calls"]) + " calls OK")'); $(rss "$SIDECAR_PID")"
  stop_all "$SIDECAR_PID" "$BACKEND_PID_a" "$BACKEND_PID_b" "$BACKEND_PID_c"
}

echo "chaos: load before: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)${LOAD_BALANCING:+, loadBalancing: $LOAD_BALANCING}"
printf 'scenario\tcalls\tok\tfailed\tsuccess_percent\tp50_ms\tp99_ms\n' >"$OUT/figures.tsv"
CREATE=/users.v1.UserService/CreateUser
for scenario in $ONLY; do
  case "$scenario" in
    kill)        load_scenario kill "$CREATE" "" kill_b ;;
    unavailable) load_scenario unavailable "$CREATE" "" mode_b unavailable ;;
    hang)        load_scenario hang "$CREATE" "" mode_b hang ;;
    slow)        load_scenario slow "$CREATE" "" mode_b "slow?ms=300" ;;
    kill-idem)   load_scenario kill-idem /users.v1.UserService/GetUser "    idempotent: true" kill_b ;;
    hang-retry)  load_scenario hang-retry "$CREATE" "    retry: { perTryTimeout: 1s }" mode_b hang ;;
    hang-hedged) load_scenario hang-hedged /users.v1.UserService/GetUser "    idempotent: true
    hedging: { delay: 1s }" mode_b hang ;;
    reload)      reload_scenario ;;
    hostile)     hostile_scenario ;;
    *) echo "chaos: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
echo "chaos: load after: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
