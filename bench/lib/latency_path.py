"""bench/latency-path.sh's report: each round's `perf script` of syscall tracepoints, cut into calls and legs.

A call at one in flight is a fixed walk: h2load sends the request, the proxy's event loop wakes, the proxy reads the
request and sends it upstream, the backend wakes, reads and answers, the proxy wakes, reads the answer and sends it
to the caller, and h2load reads it. Reads and sends of 30 bytes or less are HTTP/2 housekeeping (WINDOW_UPDATE, SETTINGS
acknowledgements, PING) and are not steps. The report gives the median of each leg per target: the median over the
rounds of each round's median, leaving out a round that followed under a quarter of the calls of the target's best.

    python3 bench/lib/latency_path.py OUT_DIR
"""
import os
import re
import statistics
import sys

HOUSEKEEPING_BYTES = 30
# A round that followed under 1/BROKEN_ROUND_SHARE of the calls of its target's best round went wrong (the walk was
# lost in events it could not place, as when a backend stalled): its medians would stand for a handful of odd calls.
BROKEN_ROUND_SHARE = 4

# (process, what it does, the leg's name in the report)
STEPS = [
    ("load", "send", "h2load sends the request"),
    ("proxy", "wake", "the proxy's event loop wakes"),
    ("proxy", "read", "the proxy reads the request"),
    ("proxy", "send", "the proxy sends it upstream"),
    ("backend", "wake", "the backend wakes"),
    ("backend", "read", "the backend reads it"),
    ("backend", "send", "the backend answers"),
    ("proxy", "wake", "the proxy's event loop wakes"),
    ("proxy", "read", "the proxy reads the answer"),
    ("proxy", "send", "the proxy sends it to the caller"),
    ("load", "read", "h2load reads it"),
]
# The legs that are the proxy's own work, from its event loop's wake to its send, in each direction (0-based).
PROXY_LEGS = {1, 2, 7, 8}

LINE = re.compile(r"\s*(\d+)/(\d+)\s+([\d.]+):\s+syscalls:(\w+):\s*(.*)")
LENGTH = re.compile(r"\b(?:len|count): (0x[0-9a-f]+)")


def events(path, roles):
    """(microseconds, role, action) for every step-like system call of the three processes, in time order."""
    reading = set()
    found = []
    with open(path, errors="replace") as lines:
        for line in lines:
            match = LINE.match(line)
            if not match or match.group(1) not in roles:
                continue
            _, tid, time, name, rest = match.groups()
            role = roles[match.group(1)]
            at = float(time) * 1e6
            if name in ("sys_enter_recvfrom", "sys_enter_read"):
                reading.add(tid)
            elif name in ("sys_exit_recvfrom", "sys_exit_read"):
                if tid in reading:
                    reading.discard(tid)
                    result = int(rest.strip(), 16)
                    if HOUSEKEEPING_BYTES < result < 1 << 63:
                        found.append((at, role, "read"))
            elif name.startswith("sys_exit_epoll"):
                found.append((at, role, "wake"))
            elif name.startswith("sys_enter_"):
                length = LENGTH.search(rest)
                # writev and sendmsg do not show their length: counted as steps.
                if length is None or int(length.group(1), 16) > HOUSEKEEPING_BYTES:
                    found.append((at, role, "send"))
    found.sort()
    return found


def calls(found):
    """Each whole call's step times. A send from h2load before the proxy has forwarded starts the call again: the
    one before was housekeeping (writev does not show its length)."""
    whole = []
    times = []
    for at, role, action in found:
        if (role, action) == STEPS[len(times)][:2]:
            times.append(at)
            if len(times) == len(STEPS):
                whole.append(times)
                times = []
        elif (role, action) == STEPS[0][:2] and len(times) <= 3:
            times = [at]
    return whole


def main(out):
    rounds = {}
    with open(os.path.join(out, "rounds.tsv")) as table:
        for line in table:
            number, target, proxy, backend, load = line.split()
            roles = {proxy: "proxy", backend: "backend", load: "load"}
            whole = calls(events(os.path.join(out, f"{target}-{number}.txt"), roles))
            if not whole:
                print(f"{target}, round {number}: no whole call found", file=sys.stderr)
                continue
            legs = [statistics.median(c[i + 1] - c[i] for c in whole) for i in range(len(STEPS) - 1)]
            own = statistics.median(sum(c[i + 1] - c[i] for i in PROXY_LEGS) for c in whole)
            total = statistics.median(c[-1] - c[0] for c in whole)
            rounds.setdefault(target, []).append((len(whole), legs, own, total, number))

    targets = list(rounds)
    if not targets:
        sys.exit("bench: no round had a whole call")
    best = {target: max(r[0] for r in of_target) for target, of_target in rounds.items()}
    kept = {target: [r for r in of_target if r[0] * BROKEN_ROUND_SHARE >= best[target]] for target, of_target in rounds.items()}
    for target, of_target in rounds.items():
        for r in of_target:
            if r not in kept[target]:
                print(f"{target}, round {r[4]}: {r[0]} calls followed against {best[target]}; left out", file=sys.stderr)

    def row(label, cell):
        print(f"| {label} | " + " | ".join(cell(t) for t in targets) + " |")

    def median_of(pick):
        return lambda target: f"{statistics.median(pick(r) for r in kept[target]):.0f}"

    print("| leg (median µs, of each round's median) | " + " | ".join(targets) + " |")
    print("|---|" + "---:|" * len(targets))
    for i in range(len(STEPS) - 1):
        row(f"{i + 1}. {STEPS[i + 1][2]}", median_of(lambda r, i=i: r[1][i]))
    row("the proxy's own work (legs 2, 3, 8 and 9)", median_of(lambda r: r[2]))
    row("h2load's send to its read", median_of(lambda r: r[3]))
    row("calls followed, per round", lambda target: ", ".join(
        str(r[0]) if r in kept[target] else f"{r[0]} (left out)" for r in rounds[target]))

if __name__ == "__main__":
    main(sys.argv[1])
