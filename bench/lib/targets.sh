# What bench/run.sh and bench/profile.sh share: tools, builds, request bodies, the backend and the targets.
# Uses HERE, REPO, OUT, BUILD, PROXY_CPU and LOAD_CPU (lib/bench.sh) and the helpers of lib/debtools.sh and lib/procs.sh.

# bench_setup: installs h2load and haproxy, builds MeshProxy and the backend (Release, unless BUILD=0), writes the
# request bodies into OUT and starts the backend on the load CPU (BACKEND_PID, BACKEND_PORT, SINK_PORT).
bench_setup() {
  deb_install haproxy haproxy
  deb_install nghttp2-client h2load
  HAPROXY=$(deb_bin haproxy)
  H2LOAD=$(deb_bin h2load)
  # BENCH_MESHPROXY: another executable to measure as "meshproxy", e.g. the Native AOT one bench/aot-smoke.sh publishes.
  MESHPROXY=${BENCH_MESHPROXY:-"$REPO/proxy/MeshProxy/bin/Release/net10.0/meshproxy"}
  local backend="$HERE/Backend/bin/Release/net10.0/meshproxy-bench-backend"
  RELAY=${BENCH_RELAY:-"$HERE/Relay/bin/aot/meshproxy-bench-relay"}
  if [ "$BUILD" = 1 ]; then
    echo "bench: building MeshProxy and the backend (Release)" >&2
    dotnet build -c Release "$REPO/proxy/MeshProxy" -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
    dotnet build -c Release "$HERE/Backend" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
    dotnet build -c Release "$HERE/RawYarp" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
  fi
  python3 "$HERE/lib/bodies.py" "$OUT"

  # One backend for the whole run, on the load CPU.
  start_proc backend "$OUT/backend.out" taskset -c "$LOAD_CPU" "$backend" --grpc-port 0 --sink-port 0 --stream-messages 100
  BACKEND_PID=$STARTED_PID
  wait_for_line "$OUT/backend.out" '^ready ' 30
  read -r BACKEND_PORT SINK_PORT < <(sed -n 's/^ready grpc=\([0-9]*\) sink=\([0-9]*\)$/\1 \2/p' "$OUT/backend.out")
  GRPC_PORT=$BACKEND_PORT
  grpc_check "http://127.0.0.1:$BACKEND_PORT/meshproxy.testing.v1.EverythingService/Echo" "$OUT/unary-100.bin" 30
}

# relay_publish: publishes bench/Relay Native AOT (the relay-* targets) unless BENCH_RELAY names a build.
relay_publish() {
  [ -n "${BENCH_RELAY:-}" ] && return 0
  echo "bench: publishing the relay floor (Native AOT)" >&2
  dotnet publish -c Release -r linux-x64 "$HERE/Relay" -o "$HERE/Relay/bin/aot" -v q -nologo >>"$OUT/build.log" 2>&1 \
    || { tail -20 "$OUT/build.log" >&2; exit 1; }
}

# start_target NAME: starts a fresh process of the target on the proxy CPU; sets TARGET_PID (empty for direct),
# GRPC_PORT, and REST_PORT / OPS_PORT (empty when the target has none).
start_target() {
  local name=$1 dir="$OUT/$1"
  mkdir -p "$dir/logs" "$dir/config"
  REST_PORT=""
  OPS_PORT=""
  case "$name" in
    direct)
      TARGET_PID=""
      GRPC_PORT=$BACKEND_PORT
      ;;
    meshproxy|meshproxy-bare)
      local admin_port
      read -r GRPC_PORT REST_PORT OPS_PORT admin_port < <(free_ports 4)
      # The config has a folder of its own: the config watcher wakes on every write in its folder, and the run writes
      # h2load's per-request logs into $dir (one inotify event a call at c=1) and the access log into logs/.
      sed -e "s/@GRPC_PORT@/$GRPC_PORT/; s/@REST_PORT@/$REST_PORT/; s/@OPS_PORT@/$OPS_PORT/; s/@ADMIN_PORT@/$admin_port/" \
          -e "s/@BACKEND_PORT@/$BACKEND_PORT/; s/@SINK_PORT@/$SINK_PORT/; s#@LOG_DIR@#$dir/logs#" \
          "$HERE/config/$name.yaml.in" >"$dir/config/meshproxy.yaml"
      # MESHPROXY_ENV: runtime settings to try without a rebuild (bench/memory.sh sets it per variant); unset, the
      # ones the Dockerfile's image sets (the ArrayPool size and the gen0 budget; docs/benchmarks.md).
      local env=${MESHPROXY_ENV-DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=256 DOTNET_GCgen0size=1000000 DOTNET_GCRegionSize=100000}
      # shellcheck disable=SC2086
      start_proc meshproxy "$dir/stdout.log" taskset -c "$PROXY_CPU" env $env "$MESHPROXY" run --config "$dir/config/meshproxy.yaml"
      TARGET_PID=$STARTED_PID
      wait_for_http "http://127.0.0.1:$OPS_PORT/healthz/ready" 60
      ;;
    rawyarp)
      read -r GRPC_PORT < <(free_ports 1)
      start_proc rawyarp "$dir/stdout.log" taskset -c "$PROXY_CPU" \
        "$HERE/RawYarp/bin/Release/net10.0/meshproxy-bench-rawyarp" "$GRPC_PORT" "$BACKEND_PORT"
      TARGET_PID=$STARTED_PID
      ;;
    haproxy|haproxy-tcp)
      read -r GRPC_PORT < <(free_ports 1)
      sed -e "s/@GRPC_PORT@/$GRPC_PORT/; s/@BACKEND_PORT@/$BACKEND_PORT/" "$HERE/config/$name.cfg.in" >"$dir/haproxy.cfg"
      start_proc haproxy "$dir/stdout.log" taskset -c "$PROXY_CPU" env LD_LIBRARY_PATH="$(deb_libpath)" "$HAPROXY" -db -f "$dir/haproxy.cfg"
      TARGET_PID=$STARTED_PID
      ;;
    relay-tcp-pool|relay-tcp|relay-h2|relay-h2-pool|relay-kestrel|relay-aspnet|relay-lean|relay-invoker|relay-yarp)
      read -r GRPC_PORT < <(free_ports 1)
      start_proc relay "$dir/stdout.log" taskset -c "$PROXY_CPU" "$RELAY" "$GRPC_PORT" "$BACKEND_PORT" "${name#relay-}"
      TARGET_PID=$STARTED_PID
      ;;
    *) echo "bench: unknown target $name" >&2; exit 2 ;;
  esac
  # One real call, checked end to end (grpc-status in the trailers), before any load.
  grpc_check "http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.EverythingService/Echo" "$OUT/unary-100.bin" 30
}

stop_target() {
  if [ -n "$TARGET_PID" ]; then
    stop_proc "$TARGET_PID"
  fi
  TARGET_PID=""
}

# h2load on the load CPU.
h2load_run() {
  taskset -c "$LOAD_CPU" env LD_LIBRARY_PATH="$(deb_libpath)" "$H2LOAD" "$@"
}

# scenario_args SCENARIO: h2load's arguments (without -D/-n) for one scenario of the current target, headers
# included; fails when the target cannot serve it (REST needs MeshProxy's REST listener).
scenario_args() {
  local echo="http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.EverythingService/Echo"
  local grpc="-H content-type:application/grpc -H te:trailers"
  case "$1" in
    unary-100) echo "$grpc -c 8 -m 32 -d $OUT/unary-100.bin $echo" ;;
    unary-16k) echo "$grpc -c 8 -m 16 -d $OUT/unary-16k.bin $echo" ;;
    latency)   echo "$grpc -c 1 -m 1 -d $OUT/unary-100.bin $echo" ;;
    # The same against a backend that works 300 µs a call: the proxy's CPU idles during every call, as in production.
    latency-work) echo "$grpc -H bench-work-us:300 -c 1 -m 1 -d $OUT/unary-100.bin $echo" ;;
    stream)    echo "$grpc -c 4 -m 8 -d $OUT/stream.bin http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.LibraryService/WatchBooks" ;;
    # REST's load shape over native gRPC (the same method and message): the baseline of the REST-to-gRPC ratio.
    grpc-c16)  echo "$grpc -c 16 -m 1 -d $OUT/unary-100.bin $echo" ;;
    rest)      [ -n "$REST_PORT" ] && echo "--h1 -H content-type:application/json -c 16 -m 1 -d $OUT/rest.json http://127.0.0.1:$REST_PORT/t/v1/everything" ;;
    *) return 1 ;;
  esac
}
