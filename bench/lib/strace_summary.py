"""System calls per call from `strace -c -f` output. Usage: strace_summary.py STRACE.txt CALLS"""
import sys

path, calls = sys.argv[1], int(sys.argv[2])
rows = []
for line in open(path):
    parts = line.split()
    # % time, seconds, usecs/call, calls, [errors,] syscall
    if len(parts) in (5, 6) and parts[0].replace(".", "").isdigit() and parts[-1] != "total":
        rows.append((parts[-1], int(parts[3]), int(parts[4]) if len(parts) == 6 else 0))
total = sum(count for _, count, _ in rows)
print(f"System calls under strace -c -f during {calls:,} gRPC unary calls: {total / calls:.1f} per call.\n")
print("| system call | per call | errors per call |")
print("|---|---:|---:|")
for name, count, errors in sorted(rows, key=lambda r: -r[1])[:12]:
    print(f"| {name} | {count / calls:.2f} | {errors / calls:.2f} |")

# Optional: what read() read, from `strace -f -e trace=read` and `ls -l /proc/PID/fd` taken during another load.
if len(sys.argv) > 5:
    import collections
    import re

    reads_path, fds_path, read_calls = sys.argv[3], sys.argv[4], int(sys.argv[5])
    targets = {}
    for line in open(fds_path):
        match = re.search(r" (\d+) -> (.*)$", line.rstrip("\n"))
        if match:
            targets[match.group(1)] = re.sub(r"\[\d+\]$", "", match.group(2))
    by_target = collections.Counter()
    for line in open(reads_path):
        match = re.search(r"read\((\d+),", line)
        if match:
            by_target[targets.get(match.group(1), "(closed since)")] += 1
    print(f"\nread() by what it reads (strace -e trace=read, {read_calls:,} calls):\n")
    print("| descriptor | reads per call |")
    print("|---|---:|")
    for target, count in by_target.most_common(6):
        print(f"| `{target}` | {count / read_calls:.2f} |")
