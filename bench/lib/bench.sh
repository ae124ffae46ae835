# Sourced first by bench/run.sh and bench/profile.sh (which set HERE to bench/): the helpers, and the settings both share.
# shellcheck source=bench/lib/debtools.sh
source "$HERE/lib/debtools.sh"
# shellcheck source=bench/lib/procs.sh
source "$HERE/lib/procs.sh"
# shellcheck source=bench/lib/targets.sh
source "$HERE/lib/targets.sh"

REPO=${BENCH_REPO:-$(cd "$HERE/.." && pwd)}
PROXY_CPU=${BENCH_PROXY_CPU:-1}
LOAD_CPU=${BENCH_LOAD_CPU:-0}
BUILD=1
OUT=""

# bench_out NAME: makes OUT (given with --out, or a fresh temporary folder) and checks the machine has the two CPUs.
bench_out() {
  if [ "$(nproc --all)" -lt 2 ]; then
    echo "bench: needs 2 CPUs (proxy on one, backend and load on the other)" >&2
    exit 1
  fi
  OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/meshproxy-$1.XXXXXX")}
  mkdir -p "$OUT"
  echo "bench: results in $OUT" >&2
}

# require_perf: the scripts that record with Linux perf stop here without it.
require_perf() {
  command -v perf >/dev/null || { echo "bench: needs perf (Debian's linux-perf)" >&2; exit 2; }
}

# require_aot_symbols: perf, and BENCH_MESHPROXY naming a Native AOT executable with its .dbg beside it (its symbols).
require_aot_symbols() {
  if [ -z "${BENCH_MESHPROXY:-}" ] || [ ! -f "$BENCH_MESHPROXY.dbg" ]; then
    echo "bench: BENCH_MESHPROXY must name a Native AOT executable with its .dbg beside it (bench/aot-smoke.sh)" >&2
    exit 2
  fi
  require_perf
}
