"""Inclusive time under a frame, from bench/perf.sh's script.txt (perf script -F comm,tid,ip,sym).

    python3 bench/lib/perf_frames.py DIR/script.txt FRAME [N]

Prints the share of all samples whose stack holds a frame containing FRAME, then what it spends that time in: the
frames it calls directly ("(self)" for its own code), the N largest.
"""
import collections
import sys


def samples(path):
    """Each sample's stack, innermost frame first."""
    stack = []
    with open(path) as lines:
        for line in lines:
            if not line.strip():
                if stack:
                    yield stack
                stack = []
            elif line[0] in " \t":
                parts = line.split(None, 1)
                stack.append(parts[1].strip() if len(parts) > 1 else "?")
            else:
                stack = []
    if stack:
        yield stack


def main():
    path, needle = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    total = under = 0
    callees = collections.Counter()
    for stack in samples(path):
        total += 1
        hits = [i for i, frame in enumerate(stack) if needle in frame]
        if not hits:
            continue
        under += 1
        outermost = hits[-1]
        callees[stack[outermost - 1] if outermost > 0 else "(self)"] += 1
    if total == 0:
        sys.exit("no samples in " + path)
    print(f"{under / total * 100:.2f}% of samples under {needle}")
    for frame, count in callees.most_common(top):
        print(f"  {count / total * 100:6.2f}% {frame[:140]}")


if __name__ == "__main__":
    main()
