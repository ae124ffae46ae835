"""The Native AOT executable's hot methods, in the order ILC should lay them out (bench/hot-methods.sh).

    python3 hot_methods.py OUT_FILE SYMBOLS_FILE SCRIPT [SCRIPT...]

SCRIPT: `perf script -F comm,tid,ip,sym` of one load (bench/perf.sh's script.txt), in order of importance. SYMBOLS_FILE:
the executable's code symbols (`nm` of its .dbg), to keep only names ILC can place. Within one load, methods come by
the samples in which they were the executable's innermost frame, then the ones only seen further up the stack (they
run every call too, just briefly); each later load appends only what the earlier ones did not list. The first load's
path thus ends up packed at the front of the code section, whatever the later ones add.
"""

import collections
import sys

from perf_frames import samples

HEADER = """\
# Native AOT method order (ILC --order; MeshProxy.csproj): the per-call path first, packed, so that a call at light load
# touches ~110 pages of code instead of ~560 spread over 11 MB (docs/benchmarks.md, "Hot methods first").
# Regenerate with bench/hot-methods.sh after the call path changes. A name no longer in the build is skipped by ILC
# (and counted by bench/aot-smoke.sh): a stale list costs locality, never correctness. Lines are symbol names.
"""


def ranked(path, known):
    """The executable's methods in one load: by samples they were the innermost of (the kernel's and libraries' frames
    left out), then by samples anywhere on the stack."""
    top, anywhere = collections.Counter(), collections.Counter()
    for stack in samples(path):
        frames = [frame for frame in stack if frame in known]
        if frames:
            top[frames[0]] += 1
            anywhere.update(set(frames))
    listed = [name for name, _ in top.most_common()]
    seen = set(listed)
    return listed + [name for name, _ in anywhere.most_common() if name not in seen]


def main(out_file, symbols_file, scripts):
    with open(symbols_file) as f:
        known = {line.rstrip("\n") for line in f}
    order, seen = [], set()
    for script in scripts:
        added = [name for name in ranked(script, known) if name not in seen]
        seen.update(added)
        order.extend(added)
        print(f"hot-methods: {script}: {len(added)} methods added", file=sys.stderr)
    with open(out_file, "w") as f:
        f.write(HEADER)
        f.write("\n".join(order) + "\n")
    print(f"hot-methods: {len(order)} methods in {out_file}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
