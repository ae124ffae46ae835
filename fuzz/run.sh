#!/usr/bin/env bash
# Fuzzes one MeshProxy parser with afl++ and SharpFuzz, for a bounded time or number of inputs, then stops by itself.
#
#   fuzz/run.sh TARGET [LIMIT]      TARGET: protojson | template | rest | config | frame
#                                    LIMIT:  600 or 600s = seconds (default 300s); 1000000x = that many inputs;
#                                            1000000x,900s = whichever comes first
#   fuzz/run.sh TARGET replay       replays every input afl++ saved as a crash or hang for TARGET
#
# afl++ (Debian) and the sharpfuzz instrumenter are installed without root into the bench tools cache
# (bench/lib/debtools.sh). The harness is built in Release into a work folder, our two assemblies are instrumented there,
# and afl-fuzz runs it under `nice` with the seeds of fuzz/seeds/TARGET. Results (queue, crashes, hangs, fuzzer_stats)
# stay in $MESHPROXY_FUZZ_DIR/TARGET (default /tmp/meshproxy-fuzz/TARGET), so a second run resumes the corpus.
# MESHPROXY_FUZZ_KEEP_BUILD=1 fuzzes the harness already built even if the sources changed since (several targets in a
# row while editing). Exit status: 0 with no crash or hang, 1 otherwise (the files are listed).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source bench/lib/debtools.sh

target="${1:-}"
limit="${2:-300s}"
case "$target" in
  protojson | template | rest | config | frame) ;;
  *) echo "usage: fuzz/run.sh protojson|template|rest|config|frame [SECONDS|EXECSx|replay]" >&2; exit 2 ;;
esac

work="${MESHPROXY_FUZZ_DIR:-${TMPDIR:-/tmp}/meshproxy-fuzz}"
build="$work/build"
out="$work/$target"
mkdir -p "$work"

# 1. Tools.
deb_install afl++ afl-fuzz
afl_fuzz=$(deb_bin afl-fuzz)
sharpfuzz=$(dotnet_tool sharpfuzz SharpFuzz.CommandLine 2.3.0)

# 2. The harness, built once per source state: instrumenting rewrites the assemblies in place, so it happens on a
#    fresh build only (instrumenting twice fails).
stamp=$(git -C "$repo" rev-parse HEAD)$(git -C "$repo" status --porcelain -- proxy fuzz protos | sha256sum | cut -c1-16)
if [ "$(cat "$build/.stamp" 2>/dev/null)" != "$stamp" ] && ! { [ "${MESHPROXY_FUZZ_KEEP_BUILD:-0}" = 1 ] && [ -f "$build/.stamp" ]; }; then
  rm -rf "$build"
  echo "fuzz: building the harness into $build" >&2
  nice dotnet build "$repo/fuzz/MeshProxy.Fuzz.csproj" -c Release -o "$build" -nologo -v q >&2
  for assembly in meshproxy.dll MeshProxy.Grpc.dll; do
    nice "$sharpfuzz" "$build/$assembly" >&2
  done
  echo "$stamp" > "$build/.stamp"
fi
harness=(dotnet "$build/MeshProxy.Fuzz.dll" "$target")

if [ "$limit" = replay ]; then
  shopt -s nullglob
  files=("$out"/default/crashes/id:* "$out"/default/hangs/id:*)
  if [ "${#files[@]}" -eq 0 ]; then echo "fuzz: no crash or hang saved for $target"; exit 0; fi
  # The instrumented build faults outside afl++ (no coverage map): replay on a plain one.
  exec dotnet run --project "$repo/fuzz/MeshProxy.Fuzz.csproj" -- "$target" "${files[@]}"
fi

bound=()
IFS=, read -ra limits <<<"$limit"
for one in "${limits[@]}"; do
  case "$one" in
    *x) bound+=(-E "${one%x}") ;;
    *s) bound+=(-V "${one%s}") ;;
    *) bound+=(-V "$one") ;;
  esac
done

# 3. Seeds: the checked-in ones; a second run resumes from what the last one found.
input=(-i "$repo/fuzz/seeds/$target")
if [ -d "$out/default/queue" ]; then input=(-i -); fi

# afl-fuzz cannot check a managed binary, and the .NET runtime needs time to start before the fork server answers;
# on a shared box it must not bind to a core or ask for the CPU governor.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_FORKSRV_INIT_TMOUT=60000 AFL_AUTORESUME=1
export LD_LIBRARY_PATH
LD_LIBRARY_PATH=$(deb_libpath)
echo "fuzz: $target for ${limit}; output in $out" >&2
nice -n 10 "$afl_fuzz" "${input[@]}" -o "$out" -t 5000 -m none "${bound[@]}" -- "${harness[@]}" >"$work/$target.log" 2>&1 || {
  echo "fuzz: afl-fuzz failed; the end of $work/$target.log:" >&2; tail -20 "$work/$target.log" >&2; exit 1; }

# 4. Figures.
stats="$out/default/fuzzer_stats"
value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "fuzz: $target: $(value execs_done) inputs in $(value run_time)s ($(value execs_per_sec)/s), corpus $(value corpus_count), crashes $(value saved_crashes), hangs $(value saved_hangs)"
if [ "$(value saved_crashes)" != 0 ] || [ "$(value saved_hangs)" != 0 ]; then
  ls "$out"/default/crashes/id:* "$out"/default/hangs/id:* 2>/dev/null
  exit 1
fi
