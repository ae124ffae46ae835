#!/usr/bin/env bash
# Where MeshProxy's CPU per call goes: the same setup as bench/run.sh (MeshProxy with every policy armed, pinned to
# one CPU; backend and h2load on the other), warmed, then under saturating unary 100 B load (and REST):
#   1. dotnet-counters: bytes allocated per call, GC collections per second by generation, time paused in GC;
#   2. strace -c -f: system calls per call;
#   3. dotnet-trace (sampled thread time): where the busy threads are, summarised by layer (bench/lib/speedscope_layers.py);
#   4. dotnet-trace (gc-verbose): who allocates, by layer and type (bench/TraceSummary, bench/lib/allocation_layers.py).
# Run by hand; loopback only. Results and method: docs/benchmarks.md, "Request path: before the redesign".
#
#   bench/profile.sh [--no-build] [--out DIR] [--seconds N]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

RUN_SECONDS=8
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) RUN_SECONDS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/profile.sh [--no-build] [--out DIR] [--seconds N]" >&2; exit 2 ;;
  esac
  shift
done
bench_out profile

DOTNET_TRACE=$(dotnet_tool dotnet-trace)
DOTNET_COUNTERS=$(dotnet_tool dotnet-counters)
bench_setup
TRACE_SUMMARY="$HERE/TraceSummary/bin/Release/net10.0/meshproxy-bench-tracesummary"
if [ "$BUILD" = 1 ]; then
  dotnet build -c Release "$HERE/TraceSummary" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
fi
start_target meshproxy
MESHPROXY_PID=$TARGET_PID
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# Warm: JIT tiers settle and pools fill before anything is measured.
for scenario in unary-100 rest; do
  # shellcheck disable=SC2046
  h2load_run -n 40000 $(scenario_args "$scenario") >/dev/null 2>&1
done

# duration SECONDS: the dd:hh:mm:ss the dotnet diagnostics tools take.
duration() {
  printf '00:00:%02d:%02d' $(($1 / 60)) $(($1 % 60))
}

# load SCENARIO NAME: one timed h2load run; prints the calls that succeeded.
load() {
  # shellcheck disable=SC2046
  h2load_run -D "$RUN_SECONDS" $(scenario_args "$1") >"$OUT/$2.h2load" 2>&1 || true
  sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$OUT/$2.h2load"
}

# 1. Counters over a run, for two loads: 256 calls in flight (c=8 m=32) and the light-load shape (c=1 m=1).
echo "scenario	calls	seconds	counters	start	end" >"$OUT/counters.tsv"
for scenario in unary-100 latency rest; do
  start_proc dotnet-counters "$OUT/counters-$scenario.out" "$DOTNET_COUNTERS" collect -p "$MESHPROXY_PID" \
    --counters System.Runtime --refresh-interval 1 --format csv -o "$OUT/counters-$scenario.csv" \
    --duration "$(duration $((RUN_SECONDS + 6)))"
  counters_pid=$STARTED_PID
  sleep 3
  # The CSV's timestamps (local time, 1-second rates) are cut to the load's window by counters_summary.py.
  start=$(date +'%m/%d/%Y %H:%M:%S')
  calls=$(load "$scenario" "counters-$scenario")
  end=$(date +'%m/%d/%Y %H:%M:%S')
  wait "$counters_pid" || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$calls" "$RUN_SECONDS" "$OUT/counters-$scenario.csv" "$start" "$end" >>"$OUT/counters.tsv"
done

# 2. System calls per call (strace slows the proxy down; the counts per call are what matter).
start_proc strace "$OUT/strace.out" strace -c -f -o "$OUT/strace.txt" -p "$MESHPROXY_PID"
strace_pid=$STARTED_PID
sleep 1
strace_calls=$(load unary-100 strace)
stop_proc "$strace_pid"
# What the read() calls read: each traced read's descriptor, resolved through /proc/PID/fd.
start_proc strace "$OUT/strace-reads.out" strace -f -e trace=read -o "$OUT/strace-reads.txt" -p "$MESHPROXY_PID"
strace_pid=$STARTED_PID
sleep 1
# shellcheck disable=SC2046
reads_calls=$(h2load_run -n 5000 $(scenario_args unary-100) | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
ls -l "/proc/$MESHPROXY_PID/fd" >"$OUT/fds.txt"
stop_proc "$strace_pid"

# 3. Sampled thread time (perf cannot sample in these VMs; EventPipe's sampler walks managed stacks).
for scenario in unary-100 rest; do
  start_proc dotnet-trace "$OUT/trace-$scenario.out" "$DOTNET_TRACE" collect -p "$MESHPROXY_PID" \
    --profile dotnet-sampled-thread-time -o "$OUT/trace-$scenario.nettrace" --duration "$(duration $((RUN_SECONDS + 3)))"
  trace_pid=$STARTED_PID
  sleep 2
  load "$scenario" "trace-$scenario" >/dev/null
  wait "$trace_pid" || true
  "$DOTNET_TRACE" convert --format Speedscope -o "$OUT/trace-$scenario" "$OUT/trace-$scenario.nettrace" >/dev/null
done

# 4. Who allocates: the GC's allocation samples (one per ~100 KB, with its stack) over a saturating unary run and a
# REST run.
declare -A allocation_calls
for scenario in unary-100 rest; do
  start_proc dotnet-trace "$OUT/trace-allocations-$scenario.out" "$DOTNET_TRACE" collect -p "$MESHPROXY_PID" \
    --profile gc-verbose -o "$OUT/trace-allocations-$scenario.nettrace" --duration "$(duration $((RUN_SECONDS + 3)))"
  trace_pid=$STARTED_PID
  sleep 2
  allocation_calls[$scenario]=$(load "$scenario" "trace-allocations-$scenario")
  wait "$trace_pid" || true
  "$TRACE_SUMMARY" "$OUT/trace-allocations-$scenario.nettrace" "$OUT/allocations-$scenario.tsv"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
stop_target

{
  echo "_profile $(date -u +%FT%TZ); load average before: $LOAD_BEFORE, after: $LOAD_AFTER; ${RUN_SECONDS}s per run_"
  echo
  python3 "$HERE/lib/counters_summary.py" "$OUT/counters.tsv"
  echo
  python3 "$HERE/lib/strace_summary.py" "$OUT/strace.txt" "$strace_calls" "$OUT/strace-reads.txt" "$OUT/fds.txt" "$reads_calls"
  for scenario in unary-100 rest; do
    echo
    echo "#### Sampled thread time, $scenario"
    echo
    python3 "$HERE/lib/speedscope_layers.py" "$OUT/trace-$scenario.speedscope.json"
  done
  for scenario in unary-100 rest; do
    echo
    echo "#### Allocations, $scenario"
    echo
    python3 "$HERE/lib/allocation_layers.py" "$OUT/allocations-$scenario.tsv" "${allocation_calls[$scenario]}"
  done
} | tee "$OUT/profile.md"
