# Process helpers for bench/run.sh and bench/profile.sh. Every process the bench starts is tracked by its id and
# stopped by that id on exit; nothing is ever stopped by name.

BENCH_PIDS=()

_bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap _bench_cleanup EXIT
trap 'exit 130' INT TERM

# start_proc NAME LOGFILE COMMAND...: starts COMMAND in the background (taskset and env exec, so the id is the
# command's own); sets STARTED_PID.
start_proc() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  STARTED_PID=$!
  BENCH_PIDS+=("$STARTED_PID")
  echo "bench: started $name (pid $STARTED_PID)" >&2
}

# stop_proc PID: SIGTERM, then SIGKILL after 10 s.
stop_proc() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# wait_for_line FILE REGEX SECONDS
wait_for_line() {
  local i
  for i in $(seq $(($3 * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: timed out waiting for '$2' in $1" >&2
  cat "$1" >&2
  exit 1
}

# wait_for_http URL SECONDS: until the URL answers 2xx.
wait_for_http() {
  local i
  for i in $(seq $(($2 * 10))); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "bench: timed out waiting for $1" >&2
  exit 1
}

# grpc_check URL BODY SECONDS: one gRPC call over h2c must end with grpc-status 0 (retried until SECONDS).
grpc_check() {
  local i
  for i in $(seq $(($3 * 10))); do
    if curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
         --data-binary "@$2" -o /dev/null -D - "$1" 2>/dev/null | grep -qi '^grpc-status: 0'; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: no successful gRPC call to $1" >&2
  exit 1
}

# free_ports N: N distinct free loopback ports, on one line.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# cpu_ticks PID: user + system CPU time of the whole process (every thread), in clock ticks; 0 without a PID.
cpu_ticks() {
  if [ -z "$1" ]; then
    echo 0
    return
  fi
  # Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
