#!/usr/bin/env bash
# Both halves of a call at one call in flight, stage by stage: uprobes on MeshProxy's Native AOT executable at the
# entry of each stage, the runtime handing a pool worker back to managed code, the scheduler's switches and the proxy's
# system calls, recorded with perf. A half runs from the proxy's event thread waking (epoll_wait returning) to the
# proxy's next send: the request's half (Kestrel's read of the caller's frames, the host, telemetry, the endpoint's
# stages, the lean client's send) and the answer's half (the lean client's decoding, the attempt loop, the forwarder,
# the endpoint, Kestrel's frame writer and socket sender). The report gives each stage's median offset from the wake
# (lib/call_stages.py). Each probe adds about a microsecond, so read the differences between stages, not the sum. Run
# by hand, never in CI; loopback only; needs perf with the right to add uprobes (root), and the executable's .dbg
# beside it. The probes are removed when the script ends, however it ends.
#
#   BENCH_MESHPROXY=EXE bench/call-stages.sh [--scenario latency-work] [--out DIR]
#
# Method and readings: docs/benchmarks.md, "The answer before the bookkeeping" and "Two hand-offs a call".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

SCENARIO=latency-work
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) SCENARIO=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: BENCH_MESHPROXY=EXE bench/call-stages.sh [--scenario latency|latency-work] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
require_aot_symbols
BUILD=0
bench_out call-stages
bench_setup

# name=symbol, by the half in which each first fires (the async steps fire in both); NN stands for the compiler's state
# machine number, which changes from build to build; %return probes the function's return rather than its entry.
KESTREL=Microsoft_AspNetCore_Server_Kestrel_Core_Microsoft_AspNetCore_Server_Kestrel_Core_Internal
REQUEST=(
  "receive=Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets_Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets_Internal_SocketConnection__DoReceive_d__NN__MoveNext"
  "decode=${KESTREL}_Http2_Http2Connection__DecodeHeadersAsync"
  "stream=${KESTREL}_Http2_Http2Stream_1<System___Canon>__Execute"
  "host=Microsoft_AspNetCore_Hosting_Microsoft_AspNetCore_Hosting_HostingApplication__CreateContext"
  "telemetry=meshproxy_MeshProxy_Observability_GrpcCallTelemetry__InvokeAsync_d__NN__MoveNext"
  "endpoint=meshproxy_MeshProxy_Routing_GrpcProxyEndpoint__InvokeAsync_d__NN__MoveNext"
  "route=meshproxy_MeshProxy_Routing_GrpcProxyEndpoint__RouteAsync"
  "admit=meshproxy_MeshProxy_TrafficPolicy_Overload_OverloadGate__AdmitAsync"
  "call=meshproxy_MeshProxy_TrafficPolicy_ProxyCall__Start"
  "forward=meshproxy_MeshProxy_Routing_GrpcProxyEndpoint__ForwardAsync_d__NN__MoveNext"
  "forwarder=meshproxy_MeshProxy_Forwarding_CallForwarder__SendAsync_d__NN__MoveNext"
  "attempts=meshproxy_MeshProxy_TrafficPolicy_Retries_RetryHandler__SendWithRetriesAsync_d__NN__MoveNext"
  "open=meshproxy_MeshProxy_Upstream_Http2Connection__Open"
  "flush=meshproxy_MeshProxy_Upstream_Http2Connection__Flush"
)
ANSWER=(
  "headers=meshproxy_MeshProxy_Upstream_Http2Connection__OnHeaders"
  "data=meshproxy_MeshProxy_Upstream_Http2Connection__OnData"
  "fields=meshproxy_MeshProxy_Forwarding_CallForwarder__CopyFieldsAsync_d__NN__MoveNext"
  "body=meshproxy_MeshProxy_Forwarding_BodyCopy__CopyAsync_d__NN__MoveNext"
  "complete=meshproxy_MeshProxy_Routing_WriteBehindBody__Microsoft_AspNetCore_Http_Features_IHttpResponseBodyFeature_CompleteAsync_d__NN__MoveNext"
  "outcome=meshproxy_MeshProxy_Routing_GrpcProxyEndpoint__Record"
  "callend=meshproxy_MeshProxy_TrafficPolicy_ProxyCall__End"
  "framewriter=${KESTREL}_Http2_Http2FrameWriter__WriteToOutputPipe_d__NN__MoveNext"
  "socketsend=Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets_Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets_Internal_SocketConnection__DoSend_d__NN__MoveNext"
)
# A pool worker back in managed code after the runtime woke it: the hand-off's end as the call's code sees it.
RUNTIME=("woken=S_P_CoreLib_System_Threading_LowLevelLifoSemaphore__WaitForSignal%return")

trap 'perf probe -q -d "probe_meshproxy:*" >/dev/null 2>&1 || true; _bench_cleanup' EXIT
perf probe -q -d "probe_meshproxy:*" >/dev/null 2>&1 || true
symbols=$(nm "$BENCH_MESHPROXY.dbg" | awk '$2 ~ /[tT]/ {print $3}')
for probe in "${REQUEST[@]}" "${ANSWER[@]}" "${RUNTIME[@]}"; do
  pattern=${probe#*=} suffix=""
  case "$pattern" in *%return) suffix=%return pattern=${pattern%\%return} ;; esac
  symbol=$(grep -m1 -x -E "${pattern//NN/[0-9]+}" <<<"$symbols") || { echo "bench: no symbol like $pattern" >&2; exit 2; }
  perf probe -q -x "$BENCH_MESHPROXY" -a "${probe%%=*}=$symbol$suffix"
done

start_target meshproxy
# shellcheck disable=SC2046
h2load_run -n 5000 $(scenario_args "$SCENARIO") >/dev/null 2>&1
# shellcheck disable=SC2046
h2load_run -D 4 $(scenario_args "$SCENARIO") >"$OUT/h2load.txt" 2>&1 &
load=$!
sleep 1.5
perf record -q -p "$TARGET_PID" -o "$OUT/perf.data" \
  -e 'probe_meshproxy:*,sched:sched_switch,syscalls:sys_exit_epoll_wait,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev' \
  -- sleep 0.5 >/dev/null 2>&1
wait "$load" || true
stop_target
perf script -i "$OUT/perf.data" -F tid,time,event,trace 2>/dev/null >"$OUT/events.txt"
python3 "$HERE/lib/call_stages.py" "$OUT/events.txt" | tee "$OUT/report.md"
