#!/usr/bin/env bash
# What mTLS between sidecars costs the serving sidecar, against the same chain over cleartext (issue 14's closing
# note). Run by hand, never in CI or `dotnet test`; loopback only. Method and figures: docs/security.md, "What mTLS costs".
#
#   bench/mtls.sh                # about 2 minutes after the build: 2 x 20 s of load, 3 x 10 s of new connections
#   bench/mtls.sh --quick        # smoke test of the harness: 3 s runs
#
# Options: --seconds N (per load run), --handshake-seconds N (per connection run), --no-build, --out DIR.
# Env: BENCH_PROXY_CPU / BENCH_LOAD_CPU (default 1 / 0), as bench/run.sh.
#
# Layout. h2load cannot present a client certificate, so a second MeshProxy is the mTLS client:
#   h2load --h2c--> sidecar A --(mTLS | h2c)--> sidecar B --h2c--> backend
# B runs alone on BENCH_PROXY_CPU and is the one measured; A, the backend, h2load and the connection clients share
# BENCH_LOAD_CPU. A routes by a header, so both chains run through the same two processes: `x-chain: mtls` goes to B's
# mTLS listener (cluster tls: { spiffeId }), anything else to B's cleartext gRPC listener. B's config is the same for
# both (its tls: section is loaded either way), so the difference is the TLS of the hop and nothing else.
#   1. per request: unary 100 B at saturation through each chain; B's CPU time (user + system, /proc) per completed call.
#      A keeps its connections to B open (HTTP/2 multiplexing), so this is the record-layer cost, not handshakes.
#   2. per connection: new connections to B for a fixed time, B's CPU time per connection: `openssl s_time -new`
#      (a full TLS handshake presenting A's client certificate, checked by B against the bundle and the SPIFFE rules),
#      `openssl s_time -reuse` (asks to resume; B turns resumption off on purpose, so these are full handshakes too),
#      and a cleartext baseline (TCP connect, HTTP/2 preface and SETTINGS, close).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

RUN_SECONDS=20
HANDSHAKE_SECONDS=10
WARM_SECONDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) RUN_SECONDS=3; HANDSHAKE_SECONDS=3; WARM_SECONDS=1 ;;
    --seconds) RUN_SECONDS=$2; shift ;;
    --handshake-seconds) HANDSHAKE_SECONDS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/mtls.sh [--quick] [--seconds N] [--handshake-seconds N] [--no-build] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

bench_out mtls
# The machine's openssl when there is one, else Debian's unpacked without root.
if command -v openssl >/dev/null; then
  OPENSSL=$(command -v openssl)
else
  deb_install openssl openssl
  OPENSSL=$(deb_bin openssl)
fi
openssl_run() { env LD_LIBRARY_PATH="$(deb_libpath)" "$OPENSSL" "$@"; }
bench_setup
TICK=$(getconf CLK_TCK)

# Workload certificates as an issuer writes them (cert-manager's file names): a CA for the trust domain bench.test,
# and an X.509-SVID for each sidecar (one SPIFFE URI SAN, server and client auth, ECDSA P-256 as cert-manager issues).
CERTS="$OUT/certs"
mkdir -p "$CERTS/a" "$CERTS/b"
openssl_run req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench.test CA" \
  -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
svid() {
  local dir="$CERTS/$1"
  openssl_run req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
  printf 'subjectAltName=URI:spiffe://bench.test/ns/bench/sa/%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:false\n' "$1" >"$dir/ext"
  openssl_run x509 -req -in "$dir/tls.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial -days 1 \
    -extfile "$dir/ext" -out "$dir/tls.crt" 2>/dev/null
  cp "$CERTS/ca.crt" "$dir/ca.crt"
}
svid a
svid b

read -r B_GRPC B_MTLS B_REST B_OPS B_ADMIN A_GRPC A_REST A_OPS A_ADMIN < <(free_ports 9)
mkdir -p "$OUT/a/logs" "$OUT/b/logs"
cat >"$OUT/b/meshproxy.yaml" <<EOF
version: "bench-mtls-b"
listeners:
  grpc:  { address: 127.0.0.1, port: $B_GRPC }
  mtls:  { address: 127.0.0.1, port: $B_MTLS }
  rest:  { address: 127.0.0.1, port: $B_REST }
  ops:   { address: 127.0.0.1, port: $B_OPS }
  admin: { address: 127.0.0.1, port: $B_ADMIN }
drain: { propagationDelay: 0s, deadline: 2s }
tls:
  directory: $CERTS/b
routes:
  - { name: app, match: { prefix: / }, cluster: app }
clusters:
  app: { destinations: [ { address: "http://127.0.0.1:$BACKEND_PORT" } ] }
EOF
cat >"$OUT/a/meshproxy.yaml" <<EOF
version: "bench-mtls-a"
listeners:
  grpc:  { address: 127.0.0.1, port: $A_GRPC }
  rest:  { address: 127.0.0.1, port: $A_REST }
  ops:   { address: 127.0.0.1, port: $A_OPS }
  admin: { address: 127.0.0.1, port: $A_ADMIN }
drain: { propagationDelay: 0s, deadline: 2s }
tls:
  directory: $CERTS/a
routes:
  - name: mtls
    match: { prefix: /, headers: [ { name: x-chain, exact: mtls } ] }
    cluster: b-mtls
  - { name: cleartext, match: { prefix: / }, cluster: b-cleartext }
clusters:
  b-mtls:
    destinations: [ { address: "https://127.0.0.1:$B_MTLS" } ]
    tls: { spiffeId: "spiffe://bench.test/ns/bench/sa/b" }
  b-cleartext:
    destinations: [ { address: "http://127.0.0.1:$B_GRPC" } ]
EOF

env=${MESHPROXY_ENV-DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=256 DOTNET_GCgen0size=1000000 DOTNET_GCRegionSize=100000}
# shellcheck disable=SC2086
start_proc sidecar-b "$OUT/b/stdout.log" taskset -c "$PROXY_CPU" env $env "$MESHPROXY" run --config "$OUT/b/meshproxy.yaml"
B_PID=$STARTED_PID
# shellcheck disable=SC2086
start_proc sidecar-a "$OUT/a/stdout.log" taskset -c "$LOAD_CPU" env $env "$MESHPROXY" run --config "$OUT/a/meshproxy.yaml"
wait_for_http "http://127.0.0.1:$B_OPS/healthz/ready" 60
wait_for_http "http://127.0.0.1:$A_OPS/healthz/ready" 60

ECHO="http://127.0.0.1:$A_GRPC/meshproxy.testing.v1.EverythingService/Echo"
GRPC_HEADERS=(-H content-type:application/grpc -H te:trailers)
# Each chain answers one real call with grpc-status 0 before any load (the mTLS one through B's mTLS listener).
for chain in cleartext mtls; do
  curl -s --http2-prior-knowledge -H "x-chain: $chain" -H 'content-type: application/grpc' \
    -H 'te: trailers' --data-binary "@$OUT/unary-100.bin" -o /dev/null -D - "$ECHO" | grep -qi '^grpc-status: 0' \
    || { echo "bench: the $chain chain does not answer" >&2; cat "$OUT/a/stdout.log" "$OUT/b/stdout.log" >&2; exit 1; }
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$(date -u +%FT%TZ)
printf 'measure\tchain\tcount\tb_ticks\tcpu_us_per_unit\textra\n' >"$OUT/results.tsv"

# record MEASURE CHAIN COUNT TICKS EXTRA: one line of results.tsv, B's CPU µs per unit worked out.
record() {
  local us
  us=$(awk -v t="$4" -v n="$3" -v hz="$TICK" 'BEGIN { if (n > 0) printf "%.1f", t * 1000000 / hz / n; else print "n/a" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$us" "$5" >>"$OUT/results.tsv"
  echo "bench:   $1 $2: $3 done, B ${us} µs CPU each ($5)" >&2
}

# 1. Per request, the two chains in turn (cleartext, mTLS, cleartext, mTLS would halve the drift; one round keeps it short).
for chain in cleartext mtls; do
  echo "bench: per request, $chain" >&2
  h2load_run -D "$WARM_SECONDS" "${GRPC_HEADERS[@]}" -H "x-chain:$chain" -c 8 -m 32 -d "$OUT/unary-100.bin" "$ECHO" >/dev/null 2>&1 || true
  b0=$(cpu_ticks "$B_PID")
  h2load_run -D "$RUN_SECONDS" "${GRPC_HEADERS[@]}" -H "x-chain:$chain" -c 8 -m 32 -d "$OUT/unary-100.bin" "$ECHO" >"$OUT/$chain.h2load" 2>&1 || true
  b1=$(cpu_ticks "$B_PID")
  succeeded=$(sed -n 's/^requests: .* \([0-9]*\) succeeded, .*/\1/p' "$OUT/$chain.h2load")
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$OUT/$chain.h2load")
  record request "$chain" "${succeeded:-0}" "$((b1 - b0))" "${rps:-0} req/s"
done

# 2. Per connection: full handshakes, attempted resumptions, and cleartext connections, each for HANDSHAKE_SECONDS.
connections() {
  local kind=$1 out="$OUT/connections-$1.txt"
  echo "bench: per connection, $kind" >&2
  b0=$(cpu_ticks "$B_PID")
  case "$kind" in
    tls-full|tls-resume)
      local mode=-new
      [ "$kind" = tls-resume ] && mode=-reuse
      taskset -c "$LOAD_CPU" env LD_LIBRARY_PATH="$(deb_libpath)" "$OPENSSL" s_time -connect "127.0.0.1:$B_MTLS" -cert "$CERTS/a/tls.crt" -key "$CERTS/a/tls.key" \
        -CAfile "$CERTS/ca.crt" "$mode" -time "$HANDSHAKE_SECONDS" >"$out" 2>&1 || true
      count=$(sed -n 's/^\([0-9]*\) connections in .*/\1/p' "$out" | tail -1)
      ;;
    cleartext)
      taskset -c "$LOAD_CPU" python3 - "$B_GRPC" "$HANDSHAKE_SECONDS" >"$out" 2>&1 <<'PY' || true
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
count, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(preface)
        s.recv(9)  # the server's SETTINGS frame header: the connection is up on its side
    count += 1
print(f"{count} connections")
PY
      count=$(sed -n 's/^\([0-9]*\) connections$/\1/p' "$out")
      ;;
  esac
  b1=$(cpu_ticks "$B_PID")
  record connection "$kind" "${count:-0}" "$((b1 - b0))" "$(tr '\n' ' ' <"$out" | grep -o '[0-9.]* connections/user sec' | head -1 || true)"
}
connections tls-full
connections tls-resume
connections cleartext
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# The report: B's CPU per request and per connection, and what mTLS adds.
{
  echo "# mTLS against cleartext, serving sidecar's CPU"
  echo
  echo "started $STARTED_AT; load average before: $LOAD_BEFORE, after: $LOAD_AFTER; ${RUN_SECONDS}s load runs, ${HANDSHAKE_SECONDS}s connection runs; B pinned to CPU $PROXY_CPU"
  echo
  echo "| measure | chain | count | B CPU µs each | |"
  echo "|---|---|---:|---:|---|"
  tail -n +2 "$OUT/results.tsv" | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $5, $6 }'
  awk -F'\t' '
    $1 == "request" { req[$2] = $5 }
    $1 == "connection" { con[$2] = $5 }
    END {
      if (req["cleartext"] + 0 > 0) printf "\nmTLS adds %.1f µs of B CPU per request (%+.0f%%).\n", req["mtls"] - req["cleartext"], (req["mtls"] / req["cleartext"] - 1) * 100
      if (con["cleartext"] != "") printf "A full mTLS handshake costs B %.0f µs of CPU more than a cleartext HTTP/2 connection.\n", con["tls-full"] - con["cleartext"]
    }' "$OUT/results.tsv"
} | tee "$OUT/report.md"
