#!/usr/bin/env bash
# Regenerates proxy/MeshProxy/hot-methods.txt, the order in which ILC lays out the Native AOT executable's methods: the
# methods bench/perf.sh samples under bench/run.sh's loads, the unary gRPC call's first (one call in flight, then
# saturating), then what REST, streaming and 16 KiB calls add. Packing the per-call path into a few hundred KiB of code
# is what makes a call at light load, which finds its code cold, cheaper (docs/benchmarks.md, "Hot methods first").
# Run by hand after the call path changes, on the AOT executable of the current code; then rebuild.
#
#   BENCH_MESHPROXY=<bench/aot-smoke.sh's app/meshproxy> bench/hot-methods.sh [--seconds 7] [--out DIR]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

SECONDS_SAMPLED=7
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_SAMPLED=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: BENCH_MESHPROXY=EXE bench/hot-methods.sh [--seconds N] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
require_aot_symbols
bench_out hot-methods

scripts=()
for scenario in latency unary-100 rest stream unary-16k; do
  echo "bench: sampling $scenario" >&2
  "$HERE/perf.sh" --scenario "$scenario" --seconds "$SECONDS_SAMPLED" --out "$OUT/$scenario" >"$OUT/$scenario.log" 2>&1 \
    || { tail -20 "$OUT/$scenario.log" >&2; exit 1; }
  scripts+=("$OUT/$scenario/script.txt")
done
nm --defined-only "$BENCH_MESHPROXY.dbg" | awk '$2 == "t" || $2 == "T" { print $3 }' >"$OUT/symbols.txt"
python3 "$HERE/lib/hot_methods.py" "$REPO/proxy/MeshProxy/hot-methods.txt" "$OUT/symbols.txt" "${scripts[@]}"
