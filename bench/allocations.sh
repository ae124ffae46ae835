#!/usr/bin/env bash
# Who allocates per call, for an A/B of builds or runtime settings: bench/profile.sh's step 4 alone. For each variant a
# fresh MeshProxy (the bench config, every per-call policy armed, pinned to one CPU) is warmed with 20,000 saturating
# unary calls, then dotnet-trace (gc-verbose) records the GC's allocation samples over a saturating run, summarised by
# layer, type and allocating method (bench/TraceSummary, bench/lib/allocation_layers.py).
# Run by hand, briefly, never in CI; loopback only. Results: docs/benchmarks.md.
#
#   bench/allocations.sh [--no-build] [--out DIR] [--seconds N] [--variant NAME[@EXECUTABLE]=ENV[,ENV...]]...
#   bench/allocations.sh --no-build --variant base@/tmp/base/meshproxy=DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=256
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

RUN_SECONDS=6
VARIANTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) RUN_SECONDS=$2; shift ;;
    --variant) VARIANTS+=("$2"); shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/allocations.sh [--no-build] [--out DIR] [--seconds N] [--variant NAME[@EXECUTABLE]=ENV[,ENV...]]..." >&2; exit 2 ;;
  esac
  shift
done
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=("default=DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=256")
bench_out allocations

DOTNET_TRACE=$(dotnet_tool dotnet-trace)
bench_setup
TRACE_SUMMARY="$HERE/TraceSummary/bin/Release/net10.0/meshproxy-bench-tracesummary"
if [ "$BUILD" = 1 ] || [ ! -x "$TRACE_SUMMARY" ]; then
  dotnet build -c Release "$HERE/TraceSummary" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
fi

DEFAULT_MESHPROXY=$MESHPROXY
for variant in "${VARIANTS[@]}"; do
  name=${variant%%=*}
  MESHPROXY=$DEFAULT_MESHPROXY
  case "$name" in *@*) MESHPROXY=${name#*@}; name=${name%%@*} ;; esac
  MESHPROXY_ENV=$(echo "${variant#*=}" | tr ',' ' ')
  echo "bench: variant $name: ${MESHPROXY_ENV:-(defaults)}" >&2
  start_target meshproxy
  # shellcheck disable=SC2046
  h2load_run -n 20000 $(scenario_args unary-100) >/dev/null 2>&1 || true
  start_proc dotnet-trace "$OUT/$name.trace.out" "$DOTNET_TRACE" collect -p "$TARGET_PID" \
    --profile gc-verbose -o "$OUT/$name.nettrace" --duration "$(printf '00:00:00:%02d' $((RUN_SECONDS + 3)))"
  trace_pid=$STARTED_PID
  sleep 2
  # shellcheck disable=SC2046
  h2load_run -D "$RUN_SECONDS" $(scenario_args unary-100) >"$OUT/$name.h2load" 2>&1 || true
  calls=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$OUT/$name.h2load")
  wait "$trace_pid" || true
  stop_target
  "$TRACE_SUMMARY" "$OUT/$name.nettrace" "$OUT/$name.tsv"
  {
    echo "#### Allocations, unary-100, $name (\`${MESHPROXY_ENV:--}\`)"
    echo
    echo "_$(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg)_"
    echo
    python3 "$HERE/lib/allocation_layers.py" "$OUT/$name.tsv" "$calls"
    echo
  } | tee -a "$OUT/allocations.md"
done
