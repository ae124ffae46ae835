#!/usr/bin/env bash
# Load benchmark of the request path: MeshProxy (every per-call policy armed) against haproxy and the backend alone.
# Run by hand, never in CI or `dotnet test`; loopback only. Results and method: docs/benchmarks.md,
# "Request path: before the redesign".
#
#   bench/run.sh                 # the full benchmark: 3 interleaved rounds, about 10 minutes
#   bench/run.sh --quick         # smoke test of the harness: 1 round of 2-second runs
#
# Options: --rounds N, --seconds N (per measured run), --targets "meshproxy haproxy direct", --no-build, --out DIR.
# Env: BENCH_REPO (checkout whose proxy is measured; default this one), BENCH_PROXY_CPU / BENCH_LOAD_CPU (default 1 / 0).
#
# Layout: the proxy under test runs alone on BENCH_PROXY_CPU; the backend and h2load share BENCH_LOAD_CPU. Each round
# starts every target as a fresh process (A, B, C, A, B, C...), so the warm-up curve is measured each time and slow
# drift in the machine's load spreads over all targets; the report gives medians over rounds.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${BENCH_REPO:-$(cd "$HERE/.." && pwd)}
# shellcheck source=bench/lib/debtools.sh
source "$HERE/lib/debtools.sh"
# shellcheck source=bench/lib/procs.sh
source "$HERE/lib/procs.sh"

ROUNDS=3
RUN_SECONDS=8
WARM_SECONDS=1
WARMUP_REQUESTS=20000
TARGETS="meshproxy haproxy direct"
BUILD=1
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) ROUNDS=1; RUN_SECONDS=2; WARMUP_REQUESTS=2000 ;;
    --rounds) ROUNDS=$2; shift ;;
    --seconds) RUN_SECONDS=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--rounds N] [--seconds N] [--targets LIST] [--no-build] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

PROXY_CPU=${BENCH_PROXY_CPU:-1}
LOAD_CPU=${BENCH_LOAD_CPU:-0}
if [ "$(nproc --all)" -lt 2 ]; then
  echo "bench: needs 2 CPUs (proxy on one, backend and load on the other)" >&2
  exit 1
fi

OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/meshproxy-bench.XXXXXX")}
mkdir -p "$OUT"
echo "bench: results in $OUT" >&2

# --- tools and builds -----------------------------------------------------------------------------------------------
deb_install haproxy haproxy
deb_install nghttp2-client h2load
HAPROXY=$(deb_bin haproxy)
H2LOAD=$(deb_bin h2load)
MESHPROXY="$REPO/proxy/MeshProxy/bin/Release/net10.0/meshproxy"
BACKEND="$HERE/Backend/bin/Release/net10.0/meshproxy-bench-backend"
if [ "$BUILD" = 1 ]; then
  echo "bench: building MeshProxy and the backend (Release)" >&2
  dotnet build -c Release "$REPO/proxy/MeshProxy" -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
  dotnet build -c Release "$HERE/Backend" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
fi

# --- request bodies ---------------------------------------------------------------------------------------------------
python3 "$HERE/lib/bodies.py" "$OUT"

# --- backend (one for the whole run, on the load CPU) -------------------------------------------------------------------
start_proc backend "$OUT/backend.out" taskset -c "$LOAD_CPU" "$BACKEND" --grpc-port 0 --sink-port 0 --stream-messages 100
BACKEND_PID=$STARTED_PID
wait_for_line "$OUT/backend.out" '^ready ' 30
read -r BACKEND_PORT SINK_PORT < <(sed -n 's/^ready grpc=\([0-9]*\) sink=\([0-9]*\)$/\1 \2/p' "$OUT/backend.out")

# --- targets ---------------------------------------------------------------------------------------------------------
# start_target NAME: starts a fresh process of the target on the proxy CPU; sets TARGET_PID (empty for direct),
# GRPC_PORT and REST_PORT (empty when the target has no REST listener).
start_target() {
  local name=$1 dir="$OUT/$1"
  mkdir -p "$dir/logs"
  REST_PORT=""
  case "$name" in
    direct)
      TARGET_PID=""
      GRPC_PORT=$BACKEND_PORT
      ;;
    meshproxy)
      read -r GRPC_PORT REST_PORT OPS_PORT ADMIN_PORT < <(free_ports 4)
      sed -e "s/@GRPC_PORT@/$GRPC_PORT/; s/@REST_PORT@/$REST_PORT/; s/@OPS_PORT@/$OPS_PORT/; s/@ADMIN_PORT@/$ADMIN_PORT/" \
          -e "s/@BACKEND_PORT@/$BACKEND_PORT/; s/@SINK_PORT@/$SINK_PORT/; s#@LOG_DIR@#$dir/logs#" \
          "$HERE/config/meshproxy.yaml.in" >"$dir/meshproxy.yaml"
      start_proc meshproxy "$dir/stdout.log" taskset -c "$PROXY_CPU" "$MESHPROXY" run --config "$dir/meshproxy.yaml"
      TARGET_PID=$STARTED_PID
      wait_for_http "http://127.0.0.1:$OPS_PORT/healthz/ready" 60
      ;;
    haproxy)
      read -r GRPC_PORT < <(free_ports 1)
      sed -e "s/@GRPC_PORT@/$GRPC_PORT/; s/@BACKEND_PORT@/$BACKEND_PORT/" "$HERE/config/haproxy.cfg.in" >"$dir/haproxy.cfg"
      start_proc haproxy "$dir/stdout.log" taskset -c "$PROXY_CPU" env LD_LIBRARY_PATH="$(deb_libpath)" "$HAPROXY" -db -f "$dir/haproxy.cfg"
      TARGET_PID=$STARTED_PID
      ;;
    *) echo "bench: unknown target $name" >&2; exit 2 ;;
  esac
  # One real call, checked end to end (grpc-status in the trailers), before any load.
  grpc_check "http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.EverythingService/Echo" "$OUT/unary-100.bin" 30
}

stop_target() {
  [ -n "$TARGET_PID" ] && stop_proc "$TARGET_PID"
  TARGET_PID=""
}

# h2load with the load CPU; prints its output.
h2load_run() {
  taskset -c "$LOAD_CPU" env LD_LIBRARY_PATH="$(deb_libpath)" "$H2LOAD" "$@"
}

GRPC_HEADERS=(-H 'content-type: application/grpc' -H 'te: trailers')

# scenario_args SCENARIO: h2load's arguments (without -D/-n) for one scenario; empty when the target cannot serve it.
scenario_args() {
  local echo="http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.EverythingService/Echo"
  case "$1" in
    unary-100)    echo "-c 8 -m 32 -d $OUT/unary-100.bin $echo" ;;
    unary-16k)    echo "-c 8 -m 16 -d $OUT/unary-16k.bin $echo" ;;
    latency)      echo "-c 1 -m 1 -d $OUT/unary-100.bin $echo" ;;
    stream)       echo "-c 4 -m 8 -d $OUT/stream.bin http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.LibraryService/WatchBooks" ;;
    rest)         [ -n "$REST_PORT" ] && echo "--h1 -c 16 -m 1 -d $OUT/rest.json http://127.0.0.1:$REST_PORT/t/v1/everything" ;;
  esac
}

scenario_headers() {
  if [ "$1" = rest ]; then echo "content-type: application/json"; else echo "content-type: application/grpc"; fi
}

# measure ROUND TARGET SCENARIO: a short unmeasured warm run of the same shape, then the measured run; appends a line
# to results.tsv.
measure() {
  local round=$1 target=$2 scenario=$3 args log="$OUT/$2/r$1-$3"
  args=$(scenario_args "$scenario") || true
  [ -z "$args" ] && return 0
  local header
  header=$(scenario_headers "$scenario")
  # shellcheck disable=SC2086
  h2load_run -D "$WARM_SECONDS" -H "$header" -H 'te: trailers' $args >/dev/null 2>&1 || true
  local p0 b0 p1 b1
  p0=$(cpu_ticks "${TARGET_PID:-}"); b0=$(cpu_ticks "$BACKEND_PID")
  # shellcheck disable=SC2086
  h2load_run -D "$RUN_SECONDS" -H "$header" -H 'te: trailers' --log-file="$log.requests" $args >"$log.h2load" 2>&1 || true
  p1=$(cpu_ticks "${TARGET_PID:-}"); b1=$(cpu_ticks "$BACKEND_PID")
  python3 "$HERE/lib/h2load_result.py" "$log.h2load" "$log.requests" \
    "$round" "$target" "$scenario" "$((p1 - p0))" "$((b1 - b0))" >>"$OUT/results.tsv"
  rm -f "$log.requests"
  tail -1 "$OUT/results.tsv" | awk -F'\t' '{ printf "bench:   %-10s %-10s %9.0f req/s\n", $2, $3, $4 }' >&2
}

SCENARIOS="unary-100 unary-16k latency stream rest"
echo "round	target	metric	value" >"$OUT/targets.tsv"
printf 'round\ttarget\tscenario\trps\tsucceeded\tfailed\tproxy_ticks\tbackend_ticks\tp50_us\tp99_us\n' >"$OUT/results.tsv"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$(date -u +%FT%TZ)
# The backend's own warm-up, so that the first target measured does not pay for it.
GRPC_PORT=$BACKEND_PORT
h2load_run -n "$WARMUP_REQUESTS" "${GRPC_HEADERS[@]}" -c 8 -m 32 -d "$OUT/unary-100.bin" \
  "http://127.0.0.1:$BACKEND_PORT/meshproxy.testing.v1.EverythingService/Echo" >/dev/null 2>&1

for round in $(seq 1 "$ROUNDS"); do
  for target in $TARGETS; do
    echo "bench: round $round, $target" >&2
    start_target "$target"
    # Warm-up curve: the first requests of a fresh process, saturating unary 100 B.
    h2load_run -n "$WARMUP_REQUESTS" "${GRPC_HEADERS[@]}" -c 8 -m 32 -d "$OUT/unary-100.bin" \
      "http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.EverythingService/Echo" >"$OUT/$target/r$round-warmup.h2load" 2>&1 || true
    printf '%s\t%s\twarmup_rps\t%s\n' "$round" "$target" \
      "$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$OUT/$target/r$round-warmup.h2load")" >>"$OUT/targets.tsv"
    for scenario in $SCENARIOS; do
      measure "$round" "$target" "$scenario"
    done
    if [ -n "$TARGET_PID" ]; then
      printf '%s\t%s\trss_kib\t%s\n' "$round" "$target" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$TARGET_PID/status")" >>"$OUT/targets.tsv"
    fi
    if [ "$target" = meshproxy ]; then
      # What the callers got, by grpc-status, from the proxy's own metrics (h2load only sees HTTP statuses).
      curl -sf "http://127.0.0.1:$OPS_PORT/metrics" >"$OUT/$target/r$round-metrics.txt" || true
    fi
    stop_target
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 "$HERE/lib/report.py" "$OUT" "$(getconf CLK_TCK)" \
  "started $STARTED_AT; load average before: $LOAD_BEFORE, after: $LOAD_AFTER; $ROUNDS round(s) of ${RUN_SECONDS}s runs" \
  | tee "$OUT/report.md"
