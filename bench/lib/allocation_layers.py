"""Summarises the GC's allocation samples of a gc-verbose trace (the TSV of bench/TraceSummary: bytes, type, frames
innermost first) by layer, with the layers of speedscope_layers.py, and by type.
Usage: allocation_layers.py SAMPLES.tsv CALLS

Each sample stands for the ~100 KB allocated since the previous one and names the object that crossed the mark, so
the shares are statistical: good to a few percent with thousands of samples."""
import collections
import sys

from speedscope_layers import LAYERS, RUNTIME, layer_of

path, calls = sys.argv[1], int(sys.argv[2])
by_layer, by_type, by_site = collections.Counter(), collections.Counter(), collections.Counter()
total = 0
samples = 0
for line in open(path):
    fields = line.rstrip("\n").split("\t")
    amount, type_name, frames = int(fields[0]), fields[1], fields[2:]
    outermost_first = list(reversed(frames))
    layer = layer_of(outermost_first)
    by_layer[layer if layer != RUNTIME else "Runtime only (thread pool, timers)"] += amount
    by_type[type_name] += amount
    # The allocating site: the innermost frame outside the base library's helpers (or the innermost frame).
    site = next((f for f in frames if any(match(f) for _, match in LAYERS)), frames[0] if frames else "?")
    by_site[site.split("!", 1)[-1].split("(", 1)[0]] += amount
    total += amount
    samples += 1
if not samples:
    print("No allocation samples.")
    sys.exit(0)
print(f"{samples:,} allocation samples, {total / 1024 / 1024:.0f} MB allocated in the trace, "
      f"{total / calls / 1024:.1f} KB per call over {calls:,} calls.\n")
print("| Layer allocating (innermost frame) | share | KB per call |")
print("|---|---:|---:|")
for layer, amount in by_layer.most_common():
    print(f"| {layer} | {amount / total * 100:.1f} % | {amount / calls / 1024:.1f} |")
print("\n| Type | share | KB per call |")
print("|---|---:|---:|")
for type_name, amount in by_type.most_common(10):
    print(f"| `{type_name}` | {amount / total * 100:.1f} % | {amount / calls / 1024:.1f} |")
print("\n| Allocating method (innermost frame of a layer) | share |")
print("|---|---:|")
for site, amount in by_site.most_common(10):
    print(f"| `{site}` | {amount / total * 100:.1f} % |")
