#!/usr/bin/env bash
# Load benchmark of the request path: MeshProxy (every per-call policy armed) against raw YARP (one route, no
# transforms), haproxy and the backend alone.
# Run by hand, never in CI or `dotnet test`; loopback only. Results and method: docs/benchmarks.md,
# "Request path: before the redesign".
#
#   bench/run.sh                 # the full benchmark: 3 interleaved rounds, about 12 minutes
#   bench/run.sh --quick         # smoke test of the harness: 1 round of 2-second runs
#
# Options: --rounds N, --seconds N (per measured run), --targets "meshproxy rawyarp haproxy direct", --no-build, --out DIR.
# bench/latency-path.sh's relay-* targets run here too, with BENCH_SCENARIOS naming gRPC loads only (they have no REST).
# Env: BENCH_REPO (checkout whose proxy is measured; default this one), BENCH_PROXY_CPU / BENCH_LOAD_CPU (default 1 / 0),
# BENCH_SCENARIOS (a subset of "unary-100 unary-16k latency latency-work stream grpc-c16 rest", for A/B runs of one
# scenario).
#
# Layout: the proxy under test runs alone on BENCH_PROXY_CPU; the backend and h2load share BENCH_LOAD_CPU. Each round
# starts every target as a fresh process (A, B, C, A, B, C...), so the warm-up curve is measured each time and slow
# drift in the machine's load spreads over all targets; the report gives medians over rounds.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

ROUNDS=3
RUN_SECONDS=7
WARM_SECONDS=1
WARMUP_REQUESTS=20000
TARGETS="meshproxy rawyarp haproxy direct"
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

bench_out bench

bench_setup
# bench/Relay's Kestrel modes run the gRPC loads too (docs/benchmarks.md, "The layers above Kestrel").
case " $TARGETS " in *" relay-"*) relay_publish ;; esac

# measure ROUND TARGET SCENARIO: a short unmeasured warm run of the same shape, then the measured run; appends a line
# to results.tsv.
measure() {
  local round=$1 target=$2 scenario=$3 args log="$OUT/$2/r$1-$3"
  args=$(scenario_args "$scenario") || true
  [ -z "$args" ] && return 0
  # shellcheck disable=SC2086
  h2load_run -D "$WARM_SECONDS" $args >/dev/null 2>&1 || true
  local p0 b0 p1 b1
  p0=$(cpu_ticks "${TARGET_PID:-}"); b0=$(cpu_ticks "$BACKEND_PID")
  # shellcheck disable=SC2086
  h2load_run -D "$RUN_SECONDS" --log-file="$log.requests" $args >"$log.h2load" 2>&1 || true
  p1=$(cpu_ticks "${TARGET_PID:-}"); b1=$(cpu_ticks "$BACKEND_PID")
  local line
  # A run h2load could not complete is reported and left out; the other runs still count.
  if line=$(python3 "$HERE/lib/h2load_result.py" "$log.h2load" "$log.requests" \
      "$round" "$target" "$scenario" "$((p1 - p0))" "$((b1 - b0))"); then
    echo "$line" >>"$OUT/results.tsv"
    echo "$line" | awk -F'\t' '{ printf "bench:   %-10s %-10s %9.0f req/s\n", $2, $3, $4 }' >&2
  fi
  rm -f "$log.requests"
}

SCENARIOS=${BENCH_SCENARIOS:-"unary-100 unary-16k latency latency-work stream grpc-c16 rest"}
echo "round	target	metric	value" >"$OUT/targets.tsv"
printf 'round\ttarget\tscenario\trps\tsucceeded\tfailed\tproxy_ticks\tbackend_ticks\tp50_us\tp99_us\n' >"$OUT/results.tsv"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$(date -u +%FT%TZ)
# The backend's own warm-up, so that the first target measured does not pay for it.
# shellcheck disable=SC2046
h2load_run -n "$WARMUP_REQUESTS" $(scenario_args unary-100) >/dev/null 2>&1

for round in $(seq 1 "$ROUNDS"); do
  for target in $TARGETS; do
    echo "bench: round $round, $target" >&2
    start_target "$target"
    # Warm-up curve: the first requests of a fresh process, saturating unary 100 B.
    # shellcheck disable=SC2046
    h2load_run -n "$WARMUP_REQUESTS" $(scenario_args unary-100) >"$OUT/$target/r$round-warmup.h2load" 2>&1 || true
    printf '%s\t%s\twarmup_rps\t%s\n' "$round" "$target" \
      "$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$OUT/$target/r$round-warmup.h2load")" >>"$OUT/targets.tsv"
    for scenario in $SCENARIOS; do
      measure "$round" "$target" "$scenario"
    done
    if [ -n "$TARGET_PID" ]; then
      printf '%s\t%s\trss_kib\t%s\n' "$round" "$target" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$TARGET_PID/status")" >>"$OUT/targets.tsv"
      printf '%s\t%s\tthreads\t%s\n' "$round" "$target" "$(awk '/^Threads:/ { print $2 }' "/proc/$TARGET_PID/status")" >>"$OUT/targets.tsv"
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
