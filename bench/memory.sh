#!/usr/bin/env bash
# Memory of the sidecar under load, one runtime setting at a time: for each variant a fresh MeshProxy (the bench
# config, every per-call policy armed; pinned to one CPU as in bench/run.sh) gets
#   1. the first 20,000 saturating unary calls (c=8 m=32; the warm-up figure);
#   2. a measured saturating run of --calls calls under dotnet-counters: bytes allocated per call, GC per second;
#   3. 1,000 concurrent streams (h2load -c 10 -m 100, 4,000 calls, each a 100-message server stream);
# and its RSS is read after each step, again after 12 s without traffic (the idle trim: Hosting/IdleHeapTrim.cs), and
# the peak (VmHWM) at the end.
# Run by hand, briefly, never in CI; loopback only. Results: docs/benchmarks.md, "Request path: after".
#
#   bench/memory.sh [--no-build] [--out DIR] [--calls N] [--smaps] [--variant NAME=ENV[,ENV...]]...
#   bench/memory.sh --variant jit= --variant gen0-4m=DOTNET_GCgen0size=400000   # bare hex: the AOT runtime ignores 0x...
#   BENCH_MESHPROXY=/tmp/aot/app/meshproxy bench/memory.sh --variant aot=     # the Native AOT binary (no counters)
#   bench/memory.sh --variant base= --variant new@/tmp/new/meshproxy=          # NAME@EXECUTABLE: A/B of two builds
# After the saturating run it also splits RSS into anonymous (GC heap, JIT'd code, stacks), file-backed (the mapped
# executable and assemblies) and shared memory (the JIT's double-mapped code), from /proc/PID/status.
# --smaps keeps /proc/PID/smaps at each step (idle, after the saturating run, after the streams, rested) and splits each into
# the executable's sections, the GC heap, malloc, thread stacks and libraries (bench/lib/smaps_summary.py).
# --allocations adds, after the saturating run, 6 s more of it under dotnet-trace (gc-verbose): the GC's allocation
# samples by layer, type and allocating method (bench/TraceSummary, bench/lib/allocation_layers.py), as
# bench/profile.sh's step 4, per variant (the stream step's RSS then comes after that run too). JIT builds only: the
# Native AOT executable has no EventPipe to trace.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

CALLS=60000
ALLOCATIONS=0
SMAPS=0
VARIANTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --calls) CALLS=$2; shift ;;
    --allocations) ALLOCATIONS=1 ;;
    --smaps) SMAPS=1 ;;
    --variant) VARIANTS+=("$2"); shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/memory.sh [--no-build] [--out DIR] [--calls N] [--smaps] [--allocations] [--variant NAME[@EXECUTABLE]=ENV[,ENV...]]..." >&2; exit 2 ;;
  esac
  shift
done
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=("default=")
bench_out memory

DOTNET_COUNTERS=$(dotnet_tool dotnet-counters)
bench_setup
if [ "$ALLOCATIONS" = 1 ]; then
  DOTNET_TRACE=$(dotnet_tool dotnet-trace)
  TRACE_SUMMARY="$HERE/TraceSummary/bin/Release/net10.0/meshproxy-bench-tracesummary"
  if [ "$BUILD" = 1 ] || [ ! -x "$TRACE_SUMMARY" ]; then
    dotnet build -c Release "$HERE/TraceSummary" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
  fi
fi

rss() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
h2load_rps() { sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$1"; }
h2load_ok() { sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$1"; }

printf 'variant\tenv\trss_start\twarm_rps\trss_warm\tcalls\trss_saturated\tstreams_ok\trss_streams\trss_peak\tsplit_saturated\trss_rested\n' >"$OUT/memory.tsv"
# smaps NAME STEP: the target's mappings now, kept for the --smaps summary.
smaps() { [ "$SMAPS" = 1 ] && cp "/proc/$TARGET_PID/smaps" "$OUT/$1/smaps.$2" || true; }
rss_split() { awk '/^RssAnon:|^RssFile:|^RssShmem:/ { v[$1] = $2 / 1024 } END { printf "%.0f / %.0f / %.0f", v["RssAnon:"], v["RssFile:"], v["RssShmem:"] }' "/proc/$1/status"; }
DEFAULT_MESHPROXY=""
echo "scenario	calls	seconds	counters	start	end" >"$OUT/counters.tsv"
for variant in "${VARIANTS[@]}"; do
  name=${variant%%=*}
  DEFAULT_MESHPROXY=${DEFAULT_MESHPROXY:-$MESHPROXY}
  MESHPROXY=$DEFAULT_MESHPROXY
  case "$name" in *@*) MESHPROXY=${name#*@}; name=${name%%@*} ;; esac
  MESHPROXY_ENV=$(echo "${variant#*=}" | tr ',' ' ')
  echo "bench: variant $name: ${MESHPROXY_ENV:-(defaults)}" >&2
  start_target meshproxy
  mkdir -p "$OUT/$name"
  rss_start=$(rss "$TARGET_PID")
  smaps "$name" idle
  # shellcheck disable=SC2046
  h2load_run -n 20000 $(scenario_args unary-100) >"$OUT/$name/warmup.h2load" 2>&1 || true
  rss_warm=$(rss "$TARGET_PID")

  # Counters need the diagnostics IPC (not in a Native AOT build without EventSource support): skipped when absent.
  counters_pid=""
  if ls /tmp/dotnet-diagnostic-"$TARGET_PID"-* >/dev/null 2>&1; then
    start_proc dotnet-counters "$OUT/$name/counters.out" "$DOTNET_COUNTERS" collect -p "$TARGET_PID" \
      --counters System.Runtime --refresh-interval 1 --format csv -o "$OUT/$name/counters.csv"
    counters_pid=$STARTED_PID
    sleep 3
  fi
  start=$(date +'%m/%d/%Y %H:%M:%S')
  seconds_start=$(date +%s.%N)
  # shellcheck disable=SC2046
  h2load_run -n "$CALLS" $(scenario_args unary-100) >"$OUT/$name/saturated.h2load" 2>&1 || true
  seconds=$(echo "$(date +%s.%N) - $seconds_start" | bc)
  end=$(date +'%m/%d/%Y %H:%M:%S')
  sleep 2
  if [ -n "$counters_pid" ]; then
    # SIGTERM (a background job ignores SIGINT); its CSV is written row by row, so nothing is lost.
    stop_proc "$counters_pid"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(h2load_ok "$OUT/$name/saturated.h2load")" "$seconds" \
      "$OUT/$name/counters.csv" "$start" "$end" >>"$OUT/counters.tsv"
  fi
  rss_saturated=$(rss "$TARGET_PID")
  split_saturated=$(rss_split "$TARGET_PID")
  smaps "$name" saturated
  if [ "$ALLOCATIONS" = 1 ]; then
    start_proc dotnet-trace "$OUT/$name/trace.out" "$DOTNET_TRACE" collect -p "$TARGET_PID" \
      --profile gc-verbose -o "$OUT/$name/allocations.nettrace" --duration 00:00:00:09
    trace_pid=$STARTED_PID
    sleep 2
    # shellcheck disable=SC2046
    h2load_run -D 6 $(scenario_args unary-100) >"$OUT/$name/allocations.h2load" 2>&1 || true
    wait "$trace_pid" || true
    if [ ! -s "$OUT/$name/allocations.nettrace" ]; then
      # A Native AOT executable is built without EventPipe, so dotnet-trace has nothing to attach to.
      echo "bench: no allocation trace from variant $name: --allocations needs the JIT build, not a Native AOT executable" >&2
      exit 2
    fi
    "$TRACE_SUMMARY" "$OUT/$name/allocations.nettrace" "$OUT/$name/allocations.tsv"
    {
      echo "#### Allocations, unary-100, $name (\`${MESHPROXY_ENV:--}\`)"
      echo
      python3 "$HERE/lib/allocation_layers.py" "$OUT/$name/allocations.tsv" "$(h2load_ok "$OUT/$name/allocations.h2load")"
      echo
    } >>"$OUT/allocations.md"
  fi

  h2load_run -n 4000 -c 10 -m 100 -H content-type:application/grpc -H te:trailers -d "$OUT/stream.bin" \
    "http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.LibraryService/WatchBooks" >"$OUT/$name/streams.h2load" 2>&1 || true
  rss_streams=$(rss "$TARGET_PID")
  smaps "$name" streams
  sleep 12
  rss_rested=$(rss "$TARGET_PID")
  smaps "$name" rested
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${MESHPROXY_ENV:--}" "$rss_start" "$(h2load_rps "$OUT/$name/warmup.h2load")" \
    "$rss_warm" "$(h2load_ok "$OUT/$name/saturated.h2load")" "$rss_saturated" "$(h2load_ok "$OUT/$name/streams.h2load")" \
    "$rss_streams" "$(hwm "$TARGET_PID")" "$split_saturated" "$rss_rested" >>"$OUT/memory.tsv"
  stop_target
done

{
  echo "_memory $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg); $CALLS saturating calls per variant_"
  echo
  echo "| variant | settings | RSS idle | first 20k calls, req/s | RSS after 20k | RSS after $CALLS more | of which anon / file / shmem | 1,000 streams: calls OK | RSS after | 12 s later | peak RSS |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  tail -n +2 "$OUT/memory.tsv" | awk -F'\t' '{ printf "| %s | `%s` | %s MiB | %.0f | %s MiB | %s MiB | %s MiB | %s | %s MiB | %s MiB | %s MiB |\n", $1, $2, $3, $4, $5, $7, $11, $8, $9, $12, $10 }'
  if [ "$(wc -l <"$OUT/counters.tsv")" -gt 1 ]; then
    echo
    python3 "$HERE/lib/counters_summary.py" "$OUT/counters.tsv"
  fi
  if [ "$SMAPS" = 1 ]; then
    for variant in "${VARIANTS[@]}"; do
      name=${variant%%=*}
      name=${name%%@*}
      echo
      echo "#### Resident memory by kind, $name (MiB)"
      echo
      python3 "$HERE/lib/smaps_summary.py" "idle=$OUT/$name/smaps.idle" "after $CALLS calls=$OUT/$name/smaps.saturated" \
        "after the streams=$OUT/$name/smaps.streams" "12 s later=$OUT/$name/smaps.rested"
    done
  fi
  if [ -f "$OUT/allocations.md" ]; then
    echo
    cat "$OUT/allocations.md"
  fi
} | tee "$OUT/memory.md"
