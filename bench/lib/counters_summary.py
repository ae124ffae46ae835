"""Allocation and GC per call from dotnet-counters CSV files (System.Runtime, 1-second intervals), one per scenario.
Usage: counters_summary.py COUNTERS.tsv (scenario, calls, seconds, csv path per line)

Rates are summed over the whole collection window, which starts 2 s before the load and ends about 2 s after it; the
idle seconds add a few KB (timers, health probes), negligible against the load's bytes."""
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
        scenario, calls, seconds, path = line.rstrip("\n").split("\t")
        calls, seconds = int(calls), float(seconds)
        sums = collections.Counter()
        with open(path) as f:
            for row in csv.DictReader(f):
                if row["Counter Type"] == "Rate":
                    sums[row["Counter Name"].split(" (", 1)[0] + row["Counter Name"].partition(")")[2]] += float(row["Mean/Increment"])
        gcs = " / ".join(f"{sums[f'dotnet.gc.collections[gc.heap.generation=gen{g}]'] / seconds:.1f}" for g in range(3))
        cpu = sums["dotnet.process.cpu.time[cpu.mode=user]"] + sums["dotnet.process.cpu.time[cpu.mode=system]"]
        print(f"| {TITLES.get(scenario, scenario)} | {calls:,} | {sums['dotnet.gc.heap.total_allocated'] / calls / 1024:.1f} KB "
              f"| {gcs} | {sums['dotnet.gc.pause.time'] / seconds * 100:.1f} % | {cpu / calls * 1e6:.0f} µs |")
