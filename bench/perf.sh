#!/usr/bin/env bash
# Where the shipped build's CPU goes, without the sampler's bias: Linux perf (timer-interrupt samples, call graphs by
# frame pointer) on the Native AOT executable under one load of bench/run.sh's shape (MeshProxy with every policy
# armed, pinned to one CPU; backend and h2load on the other). EventPipe's sampler (bench/profile.sh) can only stop a
# thread at a GC safe point, so its time lands on the next poll, P/Invoke or lock; perf sees every instruction.
# Run by hand; loopback only; needs perf (Debian's linux-perf) and the executable's .dbg beside it for symbols.
#
#   BENCH_MESHPROXY=<bench/aot-smoke.sh's app/meshproxy> bench/perf.sh [--scenario unary-100] [--seconds 7] [--out DIR]
#
# Writes DIR/perf.data, DIR/flat.txt (self time by symbol) and DIR/script.txt (every sample's stack, for summing
# inclusive time under a frame with lib/perf_frames.py, or time by layer with lib/perf_layers.py). Method and readings:
# docs/benchmarks.md, "Per-call work found with perf".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

SCENARIO=unary-100
SECONDS_SAMPLED=7
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) SCENARIO=$2; shift ;;
    --seconds) SECONDS_SAMPLED=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: BENCH_MESHPROXY=EXE bench/perf.sh [--scenario S] [--seconds N] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
require_aot_symbols
BUILD=0
bench_out perf
bench_setup

# perf finds the symbols by the executable's build id.
perf buildid-cache -a "$BENCH_MESHPROXY.dbg" >/dev/null 2>&1 || true
start_target meshproxy

# Warm, then sample the middle of a longer run so that neither its start nor its end is in the profile.
# shellcheck disable=SC2046
h2load_run -n 60000 $(scenario_args "$SCENARIO") >/dev/null 2>&1
# shellcheck disable=SC2046
h2load_run -D $((SECONDS_SAMPLED + 3)) $(scenario_args "$SCENARIO") >"$OUT/h2load.txt" 2>&1 &
load=$!
sleep 1
perf record -F 4999 -g -p "$TARGET_PID" -o "$OUT/perf.data" -- sleep "$SECONDS_SAMPLED" 2>"$OUT/perf-record.log"
wait "$load" || true
stop_target meshproxy

perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' >"$OUT/flat.txt"
perf script -i "$OUT/perf.data" -F comm,tid,ip,sym 2>/dev/null >"$OUT/script.txt"
grep -E '^requests:|finished in' "$OUT/h2load.txt" >&2
echo "bench: top of the self time (all of it in $OUT/flat.txt):" >&2
head -25 "$OUT/flat.txt" | cut -c1-150 >&2
