#!/usr/bin/env bash
# Where the answer's half of a call goes at one call in flight, stage by stage: uprobes on MeshProxy's Native AOT
# executable at the entry of each stage (the lean client decoding the answer, the attempt loop and the forwarder's
# steps, the endpoint's and telemetry's bookkeeping, Kestrel's frame writer and socket sender), the scheduler's switch
# to a pool worker, and the proxy's send to the caller, recorded with perf; the report gives each stage's median offset
# from the answer's HEADERS (lib/answer_stages.py), over the answers that reach it before the send. Each probe adds
# about a microsecond to the call, so read the differences between stages, not the sum. Run by hand, never in CI;
# loopback only; needs perf with the right to add uprobes (root), and the executable's .dbg beside it.
#
#   BENCH_MESHPROXY=EXE bench/answer-stages.sh [--scenario latency-work] [--out DIR]
#
# Method and readings: docs/benchmarks.md, "The answer before the bookkeeping".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

SCENARIO=latency-work
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) SCENARIO=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: BENCH_MESHPROXY=EXE bench/answer-stages.sh [--scenario latency|latency-work] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
require_aot_symbols
BUILD=0
bench_out answer-stages
bench_setup

# name=symbol, in the order a call reaches them; NN stands for the compiler's state machine number, which changes
# from build to build.
PROBES=(
  "headers=meshproxy_MeshProxy_Upstream_Http2Connection__OnHeaders"
  "data=meshproxy_MeshProxy_Upstream_Http2Connection__OnData"
  "attempts=meshproxy_MeshProxy_TrafficPolicy_Retries_RetryHandler__SendWithRetriesAsync_d__NN__MoveNext"
  "forwarder=meshproxy_MeshProxy_Forwarding_CallForwarder__SendAsync_d__NN__MoveNext"
  "fields=meshproxy_MeshProxy_Forwarding_CallForwarder__CopyFieldsAsync_d__NN__MoveNext"
  "body=meshproxy_MeshProxy_Forwarding_BodyCopy__CopyAsync_d__NN__MoveNext"
  "complete=meshproxy_MeshProxy_Routing_WriteBehindBody__Microsoft_AspNetCore_Http_Features_IHttpResponseBodyFeature_CompleteAsync_d__NN__MoveNext"
  "endpoint=meshproxy_MeshProxy_Routing_GrpcProxyEndpoint__ForwardAsync_d__NN__MoveNext"
  "outcome=meshproxy_MeshProxy_Routing_GrpcProxyEndpoint__Record"
  "callend=meshproxy_MeshProxy_TrafficPolicy_ProxyCall__End"
  "telemetry=meshproxy_MeshProxy_Observability_GrpcCallTelemetry__InvokeAsync_d__NN__MoveNext"
  "framewriter=Microsoft_AspNetCore_Server_Kestrel_Core_Microsoft_AspNetCore_Server_Kestrel_Core_Internal_Http2_Http2FrameWriter__WriteToOutputPipe_d__NN__MoveNext"
  "socketsend=Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets_Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets_Internal_SocketConnection__DoSend_d__NN__MoveNext"
)
# The probes go when the script ends, however it ends; then procs.sh's own cleanup.
trap 'perf probe -q -d "probe_meshproxy:*" >/dev/null 2>&1 || true; _bench_cleanup' EXIT
perf probe -q -d "probe_meshproxy:*" >/dev/null 2>&1 || true
symbols=$(nm "$BENCH_MESHPROXY.dbg" | awk '$2 ~ /[tT]/ {print $3}')
for probe in "${PROBES[@]}"; do
  pattern=${probe#*=}
  symbol=$(grep -m1 -x -E "${pattern//NN/[0-9]+}" <<<"$symbols") || { echo "bench: no symbol like $pattern" >&2; exit 2; }
  perf probe -q -x "$BENCH_MESHPROXY" -a "${probe%%=*}=$symbol"
done

start_target meshproxy
# shellcheck disable=SC2046
h2load_run -n 5000 $(scenario_args "$SCENARIO") >/dev/null 2>&1
# shellcheck disable=SC2046
h2load_run -D 4 $(scenario_args "$SCENARIO") >"$OUT/h2load.txt" 2>&1 &
load=$!
sleep 1.5
perf record -q -p "$TARGET_PID" -e 'probe_meshproxy:*,sched:sched_switch,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev' \
  -o "$OUT/perf.data" -- sleep 0.5 >/dev/null 2>&1
wait "$load" || true
stop_target
perf script -i "$OUT/perf.data" -F tid,time,event,trace 2>/dev/null >"$OUT/events.txt"
python3 "$HERE/lib/answer_stages.py" "$OUT/events.txt" "${PROBES[@]%%=*}" | tee "$OUT/report.md"
