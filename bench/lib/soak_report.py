"""bench/soak.sh's report: every cycle's figures, then the first cycles' against the last.

    python3 bench/lib/soak_report.py DIR/soak.tsv MINUTES
"""
import statistics
import sys
import time


def main():
    path, minutes = sys.argv[1], sys.argv[2]
    with open(path) as lines:
        header = lines.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in lines if line.strip()]
    cycles = rows[1:]  # the first row is the sidecar as started
    if not cycles:
        sys.exit("soak_report: no cycle finished")

    print(f"_soak {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; {minutes} minutes asked, "
          f"{len(cycles)} cycles in {cycles[-1]['seconds']} s_")
    print()
    print("| cycle | s | calls so far | failed | RSS loaded | RSS idle | anon idle | peak | threads | fds | reloads applied |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| {cycle} | {seconds} | {calls:,} | {failed} | {loaded} | {rss_idle} MiB | {anon_idle} MiB | {hwm} MiB | {threads} | {fds} | {reloads} |".format(
            cycle=row["cycle"], seconds=row["seconds"], calls=int(row["calls"]), failed=row["failed"],
            loaded=row["rss_loaded"] + (" MiB" if row["rss_loaded"] != "-" else ""), rss_idle=row["rss_idle"],
            anon_idle=row["anon_idle"], hwm=row["hwm"], threads=row["threads"], fds=row["fds"], reloads=row["reloads"]))
    print()

    # A leak shows as a level that keeps rising; a bounded process levels off after its first cycles. So the first
    # quarter of the cycles (after warm-up) is set against the last quarter, by median.
    quarter = max(1, len(cycles) // 4)
    first, last = cycles[:quarter], cycles[-quarter:]

    def median(rows_, key):
        return statistics.median(float(r[key]) for r in rows_)

    print(f"| first {quarter} cycle(s) against the last {quarter}, medians | first | last |")
    print("|---|---:|---:|")
    for key, label in (("rss_idle", "RSS idle, MiB"), ("anon_idle", "anonymous memory idle, MiB"),
                       ("rss_loaded", "RSS right after the load, MiB"), ("threads", "threads"), ("fds", "open descriptors")):
        print(f"| {label} | {median(first, key):.0f} | {median(last, key):.0f} |")
    print(f"| peak RSS (VmHWM) at the end, MiB | | {cycles[-1]['hwm']} |")
    print()
    print(f"{int(cycles[-1]['calls']):,} calls, {cycles[-1]['failed']} failed or errored (h2load's counts)")


if __name__ == "__main__":
    main()
