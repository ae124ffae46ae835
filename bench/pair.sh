#!/usr/bin/env bash
# A/B of two MeshProxy executables run at the same time: both on the proxy CPU, each saturated by its own h2load, so
# both see the same machine. On this VM one executable's CPU per call drifts by 30 % between runs minutes apart
# (bench/run.sh's A, B, A, B rounds could not tell a 3 % change from noise); running the pair at once cancels the drift,
# and the ratio B/A of their CPU per call repeats to about 1 % (docs/benchmarks.md, "Telling a 3 % change apart").
# Run by hand, never in CI; loopback only.
#
#   bench/pair.sh A_EXE B_EXE [--rounds N] [--seconds N] [--scenario NAME] [--out DIR]
#
# Each round runs both loads for --seconds (default 10) after one warm-up of 60,000 calls each; prints per round each
# executable's calls and proxy CPU µs per call (from /proc), and B/A. Pass the same executable twice to see the
# method's own spread. Scenarios are bench/run.sh's (default unary-100). MESHPROXY_ENV applies to both.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

[ $# -ge 2 ] || { echo "usage: bench/pair.sh A_EXE B_EXE [--rounds N] [--seconds N] [--scenario NAME] [--out DIR]" >&2; exit 2; }
A_EXE=$1
B_EXE=$2
shift 2
ROUNDS=6
RUN_SECONDS=10
SCENARIO=unary-100
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --seconds) RUN_SECONDS=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "bench/pair.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
BUILD=0
bench_out pair
ROOT=$OUT
mkdir -p "$ROOT/a" "$ROOT/b"

# The backend and the request bodies once (in a/), the bodies copied for b/; then each target in its own folder.
OUT=$ROOT/a
bench_setup
cp "$ROOT"/a/*.bin "$ROOT"/a/*.json "$ROOT/b/"
pids=()
trap 'for pid in "${pids[@]}" "$BACKEND_PID"; do stop_proc "$pid"; done' EXIT
start_in() {
  OUT=$ROOT/$1
  MESHPROXY=$2
  start_target meshproxy
  pids+=("$TARGET_PID")
  eval "${1}_pid=$TARGET_PID ${1}_args=\"$(scenario_args "$SCENARIO")\""
  h2load_run -n 60000 $(scenario_args "$SCENARIO") >"$OUT/warmup.txt" 2>&1
}
start_in a "$A_EXE"
start_in b "$B_EXE"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
calls() { awk '/^requests:/ {print $8}' "$1"; }
ticks_per_second=$(getconf CLK_TCK)
echo "round  A calls  A µs/call  B calls  B µs/call  B/A"
for round in $(seq 1 "$ROUNDS"); do
  a0=$(cpu_ticks "$a_pid"); b0=$(cpu_ticks "$b_pid")
  # shellcheck disable=SC2154,SC2086
  h2load_run -D "$RUN_SECONDS" $a_args >"$ROOT/a/h2load-$round.txt" 2>&1 &
  load_a=$!
  # shellcheck disable=SC2154,SC2086
  h2load_run -D "$RUN_SECONDS" $b_args >"$ROOT/b/h2load-$round.txt" 2>&1 &
  load_b=$!
  wait "$load_a" "$load_b"
  a1=$(cpu_ticks "$a_pid"); b1=$(cpu_ticks "$b_pid")
  awk -v r="$round" -v na="$(calls "$ROOT/a/h2load-$round.txt")" -v nb="$(calls "$ROOT/b/h2load-$round.txt")" \
      -v ta=$((a1 - a0)) -v tb=$((b1 - b0)) -v hz="$ticks_per_second" \
      'BEGIN { a = ta * 1e6 / hz / na; b = tb * 1e6 / hz / nb; printf "%5d  %7d  %9.1f  %7d  %9.1f  %.3f\n", r, na, a, nb, b, b / a }' \
    | tee -a "$ROOT/pair.txt"
done
