#!/usr/bin/env bash
# The operating system's floor under a thread hand-off on the proxy CPU: two threads of a small C program pass a token
# through futexes, back to back and after the CPU idled 300 µs (lib/handoff.c). It is what a hand-off from the socket
# event thread to a pool worker costs without a runtime around it, against which bench/call-stages.sh's hand-offs are
# read. Run by hand, never in CI; needs a C compiler (cc).
#
#   bench/handoff.sh [--rounds N] [--out DIR]
#
# Readings: docs/benchmarks.md, "Two hand-offs a call".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

ROUNDS=4000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/handoff.sh [--rounds N] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
command -v cc >/dev/null || { echo "bench: needs a C compiler (cc)" >&2; exit 2; }
bench_out handoff
cc -O2 -pthread -o "$OUT/handoff" "$HERE/lib/handoff.c"
for gap in 0 300 0 300; do
  taskset -c "$PROXY_CPU" "$OUT/handoff" "$ROUNDS" "$gap"
done | tee "$OUT/report.txt"
