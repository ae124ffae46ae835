#!/usr/bin/env bash
# Whether the sidecar's memory stays bounded over a long run: one fresh MeshProxy (the bench config, every per-call
# policy armed, pinned to one CPU as in bench/run.sh) gets the same cycle again and again until --minutes have passed:
#   1. saturating unary 100 B calls (c=8 m=32) for --cycle-seconds;
#   2. 1,000 concurrent streams (h2load -c 10 -m 100, 2,000 calls, each a 100-message server stream);
#   3. REST through the transcoder (HTTP/1.1, c=16) and unary 16 KiB calls, 3 s each;
#   4. a live canary edit (the 90/10 splits to 80/20, or back), checked applied through meshproxy_config_reloads_total;
#   5. 3 s without traffic, then RSS, anonymous memory, threads and open descriptors.
# Every cycle's figures go to DIR/soak.tsv; the report gives them per cycle and the first cycles' against the last.
# --memory-limit MIB runs the sidecar in a memory cgroup of that limit from its start, as a pod's container runs (the
# chart's is 128Mi): the runtime sizes its GC heap from it, and the report adds the cgroup's OOM kills and how often
# its usage reached the limit.
# That needs root and a writable memory controller (cgroup v1 or v2). A sidecar that dies ends the run with an error.
# Run by hand, never in CI; loopback only; it stops itself after --minutes (default 10) and one cycle at most more.
#
#   BENCH_MESHPROXY=<bench/aot-smoke.sh's app/meshproxy> bench/soak.sh [--no-build] [--minutes N] [--cycle-seconds N]
#     [--memory-limit MIB] [--out DIR]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/bench.sh
source "$HERE/lib/bench.sh"

MINUTES=10
CYCLE_SECONDS=20
MEMORY_LIMIT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift ;;
    --cycle-seconds) CYCLE_SECONDS=$2; shift ;;
    --memory-limit) MEMORY_LIMIT=$2; shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: bench/soak.sh [--no-build] [--minutes N] [--cycle-seconds N] [--memory-limit MIB] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
bench_out soak
bench_setup

status_mib() { awk -v key="$2:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
threads() { awk '$1 == "Threads:" { print $2 }' "/proc/$1/status"; }
descriptors() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
h2load_ok() { sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$1"; }
h2load_failed() { sed -n 's/^requests: .* \([0-9]*\) failed, \([0-9]*\) errored.*/\1 \2/p' "$1" | awk '{ print $1 + $2 }'; }
reloads_applied() {
  curl -fsS "http://127.0.0.1:$OPS_PORT/metrics" | awk '/^meshproxy_config_reloads_total\{.*result="applied"/ { n = $NF } END { print n + 0 }'
}

# The memory cgroup: made with the limit, the sidecar moved into it by a wrapper before the runtime starts, removed at exit.
CGROUP=""
if [ -n "$MEMORY_LIMIT" ]; then
  if [ -w /sys/fs/cgroup/cgroup.subtree_control ] && grep -qw memory /sys/fs/cgroup/cgroup.subtree_control; then
    CGROUP=/sys/fs/cgroup/meshproxy-soak-$$
    mkdir "$CGROUP"
    echo $((MEMORY_LIMIT * 1024 * 1024)) >"$CGROUP/memory.max"
  elif [ -w /sys/fs/cgroup/memory ]; then
    CGROUP=/sys/fs/cgroup/memory/meshproxy-soak-$$
    mkdir "$CGROUP"
    echo $((MEMORY_LIMIT * 1024 * 1024)) >"$CGROUP/memory.limit_in_bytes"
  else
    echo "bench: --memory-limit needs root and a writable memory cgroup controller" >&2
    exit 2
  fi
  # After procs.sh's cleanup has stopped the sidecar: a cgroup with a process in it cannot be removed.
  trap '_bench_cleanup; rmdir "$CGROUP" 2>/dev/null || true' EXIT
  printf '#!/bin/sh\necho $$ >%s/cgroup.procs\nexec %s "$@"\n' "$CGROUP" "$MESHPROXY" >"$OUT/in-cgroup.sh"
  chmod +x "$OUT/in-cgroup.sh"
  MESHPROXY="$OUT/in-cgroup.sh"
fi
# cgroup_figures: how often the cgroup's usage reached its limit (the kernel then reclaims page cache, which counts
# against a pod's limit too: the access log's file writes) and its OOM kills; v2's names or v1's.
cgroup_figures() {
  if [ -f "$CGROUP/memory.events" ]; then
    awk '$1 == "max" { m = $2 } $1 == "oom_kill" { k = $2 } END { print m + 0, k + 0 }' "$CGROUP/memory.events"
  else
    echo "$(cat "$CGROUP/memory.failcnt") $(awk '$1 == "oom_kill" { n = $2 } END { print n + 0 }' "$CGROUP/memory.oom_control")"
  fi
}

start_target meshproxy
config="$OUT/meshproxy/config/meshproxy.yaml"
cycle_dir="$OUT/cycles"
mkdir -p "$cycle_dir"
printf 'cycle\tseconds\tcalls\tfailed\trss_loaded\trss_idle\tanon_idle\thwm\tthreads\tfds\treloads\n' >"$OUT/soak.tsv"
printf '0\t0\t0\t0\t-\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(status_mib "$TARGET_PID" VmRSS)" "$(status_mib "$TARGET_PID" RssAnon)" \
  "$(status_mib "$TARGET_PID" VmHWM)" "$(threads "$TARGET_PID")" "$(descriptors "$TARGET_PID")" "$(reloads_applied)" >>"$OUT/soak.tsv"

started=$(date +%s)
deadline=$((started + MINUTES * 60))
calls=0
failed=0
cycle=0
weights="90 10"
while [ "$(date +%s)" -lt "$deadline" ]; do
  cycle=$((cycle + 1))
  # shellcheck disable=SC2046
  h2load_run -D "$CYCLE_SECONDS" $(scenario_args unary-100) >"$cycle_dir/$cycle.unary.h2load" 2>&1 || true
  h2load_run -n 2000 -c 10 -m 100 -H content-type:application/grpc -H te:trailers -d "$OUT/stream.bin" \
    "http://127.0.0.1:$GRPC_PORT/meshproxy.testing.v1.LibraryService/WatchBooks" >"$cycle_dir/$cycle.streams.h2load" 2>&1 || true
  # shellcheck disable=SC2046
  h2load_run -D 3 $(scenario_args rest) >"$cycle_dir/$cycle.rest.h2load" 2>&1 || true
  # shellcheck disable=SC2046
  h2load_run -D 3 $(scenario_args unary-16k) >"$cycle_dir/$cycle.16k.h2load" 2>&1 || true
  if ! kill -0 "$TARGET_PID" 2>/dev/null; then
    echo "bench: cycle $cycle: the sidecar is gone${CGROUP:+ (times the cgroup reached its limit, OOM kills: $(cgroup_figures))}" >&2
    exit 1
  fi
  rss_loaded=$(status_mib "$TARGET_PID" VmRSS)
  for run in unary streams rest 16k; do
    calls=$((calls + $(h2load_ok "$cycle_dir/$cycle.$run.h2load")))
    failed=$((failed + $(h2load_failed "$cycle_dir/$cycle.$run.h2load")))
  done

  # The canary edit, written whole and renamed into place as an operator's tooling would; it must be applied.
  before=$(reloads_applied)
  if [ "$weights" = "90 10" ]; then weights="80 20"; else weights="90 10"; fi
  read -r stable canary <<<"$weights"
  awk -v stable="$stable" -v canary="$canary" '
    /- cluster: stable/ { print; getline; sub(/weight: [0-9]+/, "weight: " stable); print; next }
    /- cluster: canary/ { print; getline; sub(/weight: [0-9]+/, "weight: " canary); print; next }
    { print }' "$config" >"$config.next"
  mv "$config.next" "$config"
  for _ in $(seq 50); do
    [ "$(reloads_applied)" != "$before" ] && break
    sleep 0.1
  done
  reloads=$(reloads_applied)
  if [ "$reloads" = "$before" ]; then
    echo "bench: cycle $cycle: the canary edit to $weights was not applied within 5 s" >&2
    exit 1
  fi

  sleep 3
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cycle" "$(($(date +%s) - started))" "$calls" "$failed" "$rss_loaded" \
    "$(status_mib "$TARGET_PID" VmRSS)" "$(status_mib "$TARGET_PID" RssAnon)" "$(status_mib "$TARGET_PID" VmHWM)" \
    "$(threads "$TARGET_PID")" "$(descriptors "$TARGET_PID")" "$reloads" >>"$OUT/soak.tsv"
  echo "bench: cycle $cycle: $calls calls, RSS $(status_mib "$TARGET_PID" VmRSS) MiB idle" >&2
done
curl -fsS "http://127.0.0.1:$OPS_PORT/metrics" >"$OUT/metrics.txt"
stop_target
# The bench config logs a tenth of the calls to a file: about a gigabyte in ten minutes, read by nobody here.
rm -f "$OUT/meshproxy/logs/access.log"

python3 "$HERE/lib/soak_report.py" "$OUT/soak.tsv" "$MINUTES" | tee "$OUT/report.md"
if [ -n "$CGROUP" ]; then
  read -r reached kills < <(cgroup_figures)
  echo "In a memory cgroup of $MEMORY_LIMIT MiB: OOM kills $kills; usage reached the limit $reached times, page cache reclaimed." | tee -a "$OUT/report.md"
fi
