"""Prints bench/run.sh's Markdown report from results.tsv and targets.tsv (medians over rounds).
Usage: report.py OUT_DIR CLK_TCK NOTE"""
import collections
import glob
import re
import statistics
import sys

out, clk_tck, note = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SCENARIOS = {
    "unary-100": "unary 100 B, c=8 m=32 (saturating)",
    "unary-16k": "unary 16 KiB, c=8 m=16",
    "latency": "unary 100 B, c=1 m=1 (light load)",
    "latency-work": "unary 100 B, c=1 m=1, a backend that works 300 µs",
    "stream": "server streaming, 100 x 103 B per call, c=4 m=8",
    "grpc-c16": "unary 100 B, c=16 m=1 (REST's shape over gRPC)",
    "rest": "REST POST /t/v1/everything, HTTP/1.1 JSON, c=16",
}


def rows(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


runs = collections.defaultdict(list)
targets = []
for r in rows(f"{out}/results.tsv"):
    runs[(r["target"], r["scenario"])].append(r)
    if r["target"] not in targets:
        targets.append(r["target"])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def per_request_us(ticks, count):
    return int(ticks) * 1e6 / clk_tck / int(count) if int(count) else None


def fmt(value, digits=0, signed=False):
    if value is None:
        return "-"
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text


print(f"_{note}_\n")
print("| Scenario | Target | req/s | proxy CPU µs/req | backend CPU µs/req | p50 ms | p99 ms | added p50 ms | added p99 ms | failed |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
best = {}
for scenario, title in SCENARIOS.items():
    direct = runs.get(("direct", scenario))
    direct_p50 = median(int(r["p50_us"]) / 1000 for r in direct) if direct else None
    direct_p99 = median(int(r["p99_us"]) / 1000 for r in direct) if direct else None
    for target in targets:
        measured = runs.get((target, scenario))
        if not measured:
            continue
        rps = median(float(r["rps"]) for r in measured)
        proxy = None if target == "direct" else median(per_request_us(r["proxy_ticks"], r["succeeded"]) for r in measured)
        backend = median(per_request_us(r["backend_ticks"], r["succeeded"]) for r in measured)
        p50 = median(int(r["p50_us"]) / 1000 for r in measured)
        p99 = median(int(r["p99_us"]) / 1000 for r in measured)
        added50 = p50 - direct_p50 if direct_p50 is not None and target != "direct" else None
        added99 = p99 - direct_p99 if direct_p99 is not None and target != "direct" else None
        failed = sum(int(r["failed"]) for r in measured)
        print(f"| {title} | {target} | {fmt(rps)} | {fmt(proxy, 1)} | {fmt(backend, 1)} | {fmt(p50, 2)} | {fmt(p99, 2)} "
              f"| {fmt(added50, 2, True)} | {fmt(added99, 2, True)} | {failed} |")
        if scenario == "unary-100":
            for r in measured:
                best[(r["round"], target)] = float(r["rps"])

per_target = collections.defaultdict(lambda: collections.defaultdict(dict))
for r in rows(f"{out}/targets.tsv"):
    if r["value"]:
        per_target[r["target"]][r["metric"]][r["round"]] = float(r["value"])

print()
print("| Target | RSS after the run | first 20k calls, req/s | steady unary 100 B, req/s | warm-up: first 20k as a share of best |")
print("|---|---:|---:|---:|---:|")
for target in targets:
    metrics = per_target[target]
    rss = median(v / 1024 for v in metrics["rss_kib"].values())
    warm = metrics["warmup_rps"]
    shares = [w / max(w, best[(rnd, target)]) for rnd, w in warm.items() if (rnd, target) in best]
    steady = median(best[(rnd, t)] for (rnd, t) in best if t == target)
    print(f"| {target} | {fmt(rss, 0) + ' MiB' if rss is not None else '-'} | {fmt(median(warm.values()))} | {fmt(steady)} "
          f"| {fmt(median(shares) * 100 if shares else None)} % |")

# The proxy's own count of what callers got (h2load sees HTTP statuses only; gRPC failures come as 200 + trailers).
statuses = collections.Counter()
for path in glob.glob(f"{out}/meshproxy/r*-metrics.txt"):
    for line in open(path):
        match = re.match(r'^meshproxy_requests_total\{.*grpc_status="([A-Z_]+)".*\} (\d+)', line)
        if match:
            statuses[match.group(1)] += int(match.group(2))
if statuses:
    print()
    print("MeshProxy's calls by grpc-status, all rounds: " + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
