"""One line of results.tsv from an h2load run: its output, its --log-file (per request: start, status, microseconds),
and the CPU ticks the script measured. Usage: h2load_result.py OUTPUT LOG ROUND TARGET SCENARIO PROXY_TICKS BACKEND_TICKS"""
import re
import sys

output_path, log_path, round_, target, scenario, proxy_ticks, backend_ticks = sys.argv[1:8]
output = open(output_path).read()
finished = re.search(r"^finished in .*?, ([0-9.]+) req/s", output, re.M)
requests = re.search(r"^requests: .*?(\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", output, re.M)
codes = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", output, re.M)
if not (finished and requests and codes):
    sys.stderr.write(f"bench: cannot read h2load's output {output_path}:\n{output}\n")
    sys.exit(1)
# A timed run ends with the calls still in flight reset by h2load: neither succeeded nor failed.
succeeded = int(requests.group(1))
failed = sum(int(requests.group(i)) for i in (2, 3, 4)) + sum(int(codes.group(i)) for i in (2, 3, 4))
durations = []
with open(log_path) as log:
    for line in log:
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].startswith("2"):
            durations.append(int(parts[2]))
durations.sort()


def percentile(p):
    if not durations:
        return 0
    return durations[min(len(durations) - 1, int(p * len(durations)))]


print("\t".join(map(str, [round_, target, scenario, finished.group(1), succeeded, failed, proxy_ticks, backend_ticks,
                          percentile(0.50), percentile(0.99)])))
