"""bench/call-stages.sh's report: the proxy's uprobes, switches and system calls at one call in flight, cut into halves.

A half starts when the proxy's event thread wakes (epoll_wait returns events) and ends with the proxy's next send of
more than 30 bytes (smaller sends are HTTP/2 housekeeping): the request's half ends with the call sent upstream, the
answer's half with the answer sent to the caller. A half in which the lean client decodes a header block (the
`headers` stage) is the answer's. For each half the report gives every stage's median offset from the wake, over the
halves where it was reached before the send, in the order reached; a stage reached in fewer than half of them (work
that runs after the send) is left out. "(a worker runs)" is the scheduler's first switch to a pool worker.

    python3 bench/lib/call_stages.py EVENTS_TXT
"""
import re
import statistics
import sys

# What counts as HTTP/2 housekeeping rather than a step is latency-path.sh's rule.
from latency_path import HOUSEKEEPING_BYTES, LENGTH

LINE = re.compile(r"\s*(\d+)\s+([\d.]+):\s+(\w+):(\w+):\s*(.*)")
RETURN = re.compile(r"\b0x([0-9a-f]+)\s*$")
# The stage that only an answer's half reaches.
ANSWER_MARKER = "headers"


def halves(path):
    """Each half as {stage: offset in µs of its first hit} plus '(sent)' for the send that ends it."""
    current = None
    with open(path) as lines:
        for line in lines:
            match = LINE.match(line)
            if not match:
                continue
            _, time, group, event, rest = match.groups()
            now = float(time) * 1e6
            if group == "syscalls":
                if event == "sys_exit_epoll_wait":
                    woke = RETURN.search(rest)
                    if current is None and woke and int(woke.group(1), 16) > 0:
                        current = {"(start)": now}
                    continue
                length = LENGTH.search(rest)
                if current is not None and (event == "sys_enter_sendmsg" or (length and int(length.group(1), 16) > HOUSEKEEPING_BYTES)):
                    current["(sent)"] = now - current["(start)"]
                    yield current
                    current = None
                continue
            if current is None:
                continue
            if group == "sched":
                if "next_comm=.NET TP Worker" in rest:
                    current.setdefault("(a worker runs)", now - current["(start)"])
                continue
            current.setdefault(event.removesuffix("__return"), now - current["(start)"])


def table(title, found):
    print(f"| {title} (median µs from the event thread's wake) | µs | halves |")
    print("|---|---:|---:|")
    stages = {stage for half in found for stage in half if stage != "(start)"}
    rows = []
    for stage in stages:
        offsets = [half[stage] for half in found if stage in half]
        if len(offsets) * 2 >= len(found):
            rows.append((statistics.median(offsets), stage, len(offsets)))
    for offset, stage, count in sorted(rows):
        print(f"| {stage} | {offset:.0f} | {count} |")


def main():
    found = [half for half in halves(sys.argv[1]) if half["(sent)"] < 2000]
    requests = [half for half in found if ANSWER_MARKER not in half]
    answers = [half for half in found if ANSWER_MARKER in half]
    if not requests or not answers:
        print("no calls found")
        return
    table("the request's half", requests)
    print()
    table("the answer's half", answers)


if __name__ == "__main__":
    main()
