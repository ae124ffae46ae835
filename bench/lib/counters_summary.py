"""Allocation and GC per call from dotnet-counters CSV files (System.Runtime, 1-second intervals), one per scenario.
Usage: counters_summary.py COUNTERS.tsv (scenario, calls, seconds, csv path per line)

Each row is one second's increment; the rows from the load's start to one second after its end are summed, so the
whole load is in and at most two idle seconds (timers, health probes: a few KB) with it."""
import datetime
import collections
import csv
import sys

TITLES = {"unary-100": "gRPC unary 100 B, c=8 m=32 (256 in flight)", "latency": "gRPC unary 100 B, c=1 m=1",
          "rest": "REST, HTTP/1.1, c=16"}

print("| Load | calls | allocated per call | GC per second (gen0 / gen1 / gen2) | time paused in GC | CPU per call (runtime's count) |")
print("|---|---:|---:|---:|---:|---:|")
with open(sys.argv[1]) as index:
    next(index)
    for line in index:
        scenario, calls, seconds, path, start, end = line.rstrip("\n").split("\t")
        calls, seconds = int(calls), float(seconds)
        start, end = (datetime.datetime.strptime(t, "%m/%d/%Y %H:%M:%S") for t in (start, end))
        sums = collections.Counter()
        first = None
        with open(path) as f:
            for row in csv.DictReader(f):
                at = datetime.datetime.strptime(row["Timestamp"], "%m/%d/%Y %H:%M:%S")
                first = first or at
                if row["Counter Type"] == "Rate" and start <= at <= end + datetime.timedelta(seconds=1):
                    sums[row["Counter Name"].split(" (", 1)[0] + row["Counter Name"].partition(")")[2]] += float(row["Mean/Increment"])
        if first is None or first > start:
            print(f"| {TITLES.get(scenario, scenario)} | counters started after the load: not measured | | | | |")
            continue
        gcs = " / ".join(f"{sums[f'dotnet.gc.collections[gc.heap.generation=gen{g}]'] / seconds:.1f}" for g in range(3))
        cpu = sums["dotnet.process.cpu.time[cpu.mode=user]"] + sums["dotnet.process.cpu.time[cpu.mode=system]"]
        print(f"| {TITLES.get(scenario, scenario)} | {calls:,} | {sums['dotnet.gc.heap.total_allocated'] / calls / 1024:.1f} KB "
              f"| {gcs} | {sums['dotnet.gc.pause.time'] / seconds * 100:.1f} % | {cpu / calls * 1e6:.0f} µs |")
