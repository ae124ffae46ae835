#!/usr/bin/env bash
# Where one call's time goes at one call in flight (bench/run.sh's `latency` load: unary 100 B, c=1), hop by hop:
# the system calls of h2load, the proxy and the backend are recorded with perf's syscall tracepoints (no sampling, no
# ptrace), each call is followed from h2load's send through the proxy and the backend and back, and the report gives
# the median of every leg for each target, haproxy's beside MeshProxy's. The tracepoints add about a microsecond to
# each traced system call, the same for both targets. Run by hand, never in CI; loopback only; needs perf (Debian's
# linux-perf) and the right to read tracepoints (root, or perf_event_paranoid at most 1).
#
#   BENCH_MESHPROXY=EXE bench/latency-path.sh [--targets "meshproxy haproxy"] [--rounds 3] [--scenario latency] [--out DIR]
#
# --scenario latency-work: the same call against a backend that works 300 µs before it answers (bench/run.sh's
# `latency-work` load), so that the proxy's CPU idles through every call as it does in production.
#
# Targets besides bench/run.sh's: relay-tcp, relay-tcp-pool, relay-h2 and relay-h2-pool (bench/Relay, published here
# unless BENCH_RELAY names a build) and haproxy-tcp, the floor under any relay; meshproxy-bare, the same executable with
# no per-call policy armed (config/meshproxy-bare.yaml.in). docs/benchmarks.md, "The floor under a relay". And
# relay-kestrel, relay-aspnet, relay-lean, relay-invoker and relay-yarp: the layers above Kestrel, one at a time
# (the same docs, "The layers above Kestrel").
#
# Rounds alternate the targets; each records 0.5 s in the middle of a 4 s load. Method and readings:
# docs/benchmarks.md, "One call in flight, leg by leg".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

TARGETS="meshproxy haproxy"
ROUNDS=3
SCENARIO=latency
while [ $# -gt 0 ]; do
  case "$1" in
    --targets) TARGETS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/latency-path.sh [--targets \"meshproxy haproxy\"] [--rounds N] [--scenario latency|latency-work] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
require_perf
BUILD=0
bench_out latency-path
bench_setup
case " $TARGETS " in *" relay-"*) relay_publish ;; esac

EVENTS=syscalls:sys_enter_recvfrom,syscalls:sys_exit_recvfrom,syscalls:sys_enter_read,syscalls:sys_exit_read
EVENTS=$EVENTS,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev
EVENTS=$EVENTS,syscalls:sys_exit_epoll_wait,syscalls:sys_exit_epoll_pwait
: >"$OUT/rounds.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for target in $TARGETS; do
    start_target "$target"
    # shellcheck disable=SC2046
    h2load_run -n 5000 $(scenario_args "$SCENARIO") >/dev/null 2>&1
    # shellcheck disable=SC2046
    h2load_run -D 4 $(scenario_args "$SCENARIO") >"$OUT/$target-$round.h2load" 2>&1 &
    load=$!
    sleep 1.5
    h2load_pid=$(pgrep -n -x h2load)
    perf record -q -p "$TARGET_PID,$BACKEND_PID,$h2load_pid" -e "$EVENTS" -o "$OUT/$target-$round.data" -- sleep 0.5 \
      >/dev/null 2>&1
    wait "$load" || true
    perf script -i "$OUT/$target-$round.data" -F pid,tid,time,event,trace 2>/dev/null >"$OUT/$target-$round.txt"
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$TARGET_PID" "$BACKEND_PID" "$h2load_pid" >>"$OUT/rounds.tsv"
    stop_target
  done
done
python3 "$HERE/lib/latency_path.py" "$OUT" | tee "$OUT/report.md"
