#!/usr/bin/env bash
# The shipped build, checked end to end: the Dockerfile's Native AOT publish command, word for word (read from the
# Dockerfile), must finish with zero warnings (trim and AOT analysis included; TreatWarningsAsErrors is on anyway), and
# the executable it makes must start, forward one gRPC call and transcode one REST call to the bench backend, report
# its RSS, and exit 0 on SIGTERM.
# Not in CI: ILC takes several minutes on two cores (over ten when the machine is busy). CI runs the same command with
# the JIT (tests/MeshProxy.FunctionalTests/Deployment/PublishTests.cs) and the trim/AOT analyzers on every build.
#
#   bench/aot-smoke.sh [--no-build] [--out DIR]      # --no-build: reuse DIR/app and the backend's Release build
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/aot-smoke.sh [--no-build] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
bench_out aot-smoke

# 1. The Dockerfile's publish, with the image's /app mapped to OUT/app.
publish=$(sed -n 's/^RUN \(dotnet publish proxy\/MeshProxy .*\)$/\1/p' "$REPO/Dockerfile")
case "$publish" in
  *-p:PublishAot=true*" -o /app "*) ;;
  *) echo "bench: the Dockerfile's publish command is not a Native AOT publish to /app: $publish" >&2; exit 1 ;;
esac
if [ "$BUILD" = 1 ]; then
  echo "bench: $publish" >&2
  started=$(date +%s)
  # shellcheck disable=SC2086
  (cd "$REPO" && ${publish/ -o \/app / -o $OUT/app } -nologo) >"$OUT/publish.log" 2>&1 \
    || { tail -30 "$OUT/publish.log" >&2; exit 1; }
  echo "bench: published in $(($(date +%s) - started)) s" >&2
  if grep -q ': warning ' "$OUT/publish.log"; then
    grep ': warning ' "$OUT/publish.log" | sort -u >&2
    echo "bench: the AOT publish has warnings" >&2
    exit 1
  fi
  dotnet build -c Release "$HERE/Backend" -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
fi
binary="$OUT/app/meshproxy"
# A native executable, with no managed assembly beside it to run under dotnet.
if [ ! -x "$binary" ] || [ "$(head -c 4 "$binary" | od -An -c | tr -d ' ')" != '177ELF' ] || [ -e "$OUT/app/meshproxy.dll" ]; then
  echo "bench: $binary is not a Native AOT executable" >&2
  exit 1
fi
echo "bench: $(du -m "$binary" | cut -f1) MiB executable, no warnings" >&2
# How much of the method order still names the code (a renamed method falls back to the default layout, silently).
if [ -f "$binary.dbg" ]; then
  listed=$(grep -vc '^#' "$REPO/proxy/MeshProxy/hot-methods.txt")
  found=$(nm --defined-only "$binary.dbg" | awk '$2 == "t" || $2 == "T" { print $3 }' \
    | grep -Fxc -f <(grep -v '^#' "$REPO/proxy/MeshProxy/hot-methods.txt") || true)
  echo "bench: hot-methods.txt: $found of its $listed methods are in this build (bench/hot-methods.sh refreshes it)" >&2
fi

# 2. The backend, and the binary with one gRPC route and REST transcoding in front of it.
python3 "$HERE/lib/bodies.py" "$OUT"
start_proc backend "$OUT/backend.out" "$HERE/Backend/bin/Release/net10.0/meshproxy-bench-backend" --grpc-port 0 --sink-port 0 --stream-messages 10
backend_pid=$STARTED_PID
wait_for_line "$OUT/backend.out" '^ready ' 30
backend_port=$(sed -n 's/^ready grpc=\([0-9]*\) .*$/\1/p' "$OUT/backend.out")
read -r grpc_port rest_port ops_port admin_port < <(free_ports 4)
cat >"$OUT/meshproxy.yaml" <<YAML
listeners:
  grpc:  { address: 127.0.0.1, port: $grpc_port }
  rest:  { address: 127.0.0.1, port: $rest_port }
  ops:   { address: 127.0.0.1, port: $ops_port }
  admin: { address: 127.0.0.1, port: $admin_port }
drain: { propagationDelay: 0s, deadline: 2s }
routes:
  - name: everything
    match: { method: /meshproxy.testing.v1.EverythingService/* }
    cluster: backend
    retry: { maxAttempts: 2 }
clusters:
  backend:
    destinations:
      - address: http://127.0.0.1:$backend_port
transcoding:
  descriptorSets: [builtin]
  services: [meshproxy.testing.v1.EverythingService]
  print: { emitDefaultValues: false }
YAML
start_proc meshproxy "$OUT/meshproxy.out" "$binary" run --config "$OUT/meshproxy.yaml"
proxy_pid=$STARTED_PID
wait_for_http "http://127.0.0.1:$ops_port/healthz/ready" 30

# 3. One gRPC call (grpc-status 0 in the trailers) and one REST call (HTTP 200, the message back as JSON).
grpc_check "http://127.0.0.1:$grpc_port/meshproxy.testing.v1.EverythingService/Echo" "$OUT/unary-100.bin" 10
echo "bench: gRPC Echo through the AOT binary: grpc-status 0" >&2
status=$(curl -s -o "$OUT/rest.out" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "@$OUT/rest.json" "http://127.0.0.1:$rest_port/t/v1/everything")
if [ "$status" != 200 ] || ! cmp -s <(tr -d ' \n' <"$OUT/rest.out") "$OUT/rest.json"; then
  echo "bench: REST call answered $status: $(cat "$OUT/rest.out")" >&2
  exit 1
fi
echo "bench: REST POST /t/v1/everything through the AOT binary: 200, the same JSON back" >&2
echo "bench: RSS after two calls: $(awk '/^VmRSS:/ { print $2 }' "/proc/$proxy_pid/status") KiB" >&2

# 4. SIGTERM drains and exits 0.
kill -TERM "$proxy_pid"
rc=0
wait "$proxy_pid" || rc=$?
stop_proc "$backend_pid"
if [ "$rc" != 0 ]; then
  tail -20 "$OUT/meshproxy.out" >&2
  echo "bench: the AOT binary exited $rc on SIGTERM" >&2
  exit 1
fi
echo "bench: AOT smoke passed (publish, gRPC, REST, SIGTERM exit 0)" >&2
