"""bench/answer-stages.sh's report: the proxy's uprobes and sends at one call in flight, cut into answers.

An answer starts when the lean client decodes its first header block (the `headers` probe) and ends with the proxy's
next send of more than 30 bytes (its DATA and trailers to the caller; smaller sends are HTTP/2 housekeeping). For each
stage the report gives its median offset from the start, over the answers where it was reached before the send, in
the order reached; a stage reached in fewer than half of them (work that runs after the send) is left out.

    python3 bench/lib/answer_stages.py EVENTS_TXT STAGE...
"""
import re
import statistics
import sys

# What counts as HTTP/2 housekeeping rather than a step is latency-path.sh's rule.
from latency_path import HOUSEKEEPING_BYTES, LENGTH

LINE = re.compile(r"\s*(\d+)\s+([\d.]+):\s+(\w+):(\w+):\s*(.*)")


def answers(path, first):
    """Each answer as {stage: offset in µs of its first hit} plus '(sent)' for the send that ends it."""
    current = None
    with open(path) as lines:
        for line in lines:
            match = LINE.match(line)
            if not match:
                continue
            _, time, group, event, rest = match.groups()
            now = float(time) * 1e6
            if group == "syscalls":
                length = LENGTH.search(rest)
                if current is not None and (event == "sys_enter_sendmsg" or (length and int(length.group(1), 16) > HOUSEKEEPING_BYTES)):
                    current["(sent)"] = now - current["(start)"]
                    yield current
                    current = None
                continue
            if group == "sched":
                # The first time a pool worker gets the proxy's CPU after the answer came: the hand-off's end.
                if current is not None and "next_comm=.NET TP Worker" in rest:
                    current.setdefault("(a worker runs)", now - current["(start)"])
                continue
            if event == first and current is None:
                current = {"(start)": now}
            if current is not None:
                current.setdefault(event, now - current["(start)"])


def main():
    path, stages = sys.argv[1], sys.argv[2:]
    found = [a for a in answers(path, stages[0]) if a["(sent)"] < 2000]
    if not found:
        print("no answers found")
        return
    print(f"| stage (median µs from the answer's HEADERS) | µs | answers |")
    print("|---|---:|---:|")
    rows = []
    for stage in stages + ["(a worker runs)", "(sent)"]:
        offsets = [a[stage] for a in found if stage in a]
        if len(offsets) * 2 >= len(found):
            rows.append((statistics.median(offsets), stage, len(offsets)))
    for offset, stage, count in sorted(rows):
        print(f"| {stage} | {offset:.0f} | {count} |")


if __name__ == "__main__":
    main()
