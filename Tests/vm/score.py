#!/usr/bin/env python3
"""Scores the benchmark guest's output (Tests/vm/bench-init.sh): per accuracy run the working-set
size percentiles, precision and recall against the workload's ground truth, region counts and the
measured aggregation interval; per overhead run the monitoring thread's CPU. Prints markdown
tables and writes every figure to a JSON file. Several guest logs (comma-separated) are merged:
a run in a later log replaces the same run (monitor and pattern, or sampler, regions and size)
of an earlier one.
usage: score.py GUEST_LOG[,GUEST_LOG…] JSON_OUT DATE SECONDS"""
import json, statistics, sys

logs, out, date, seconds = sys.argv[1].split(","), sys.argv[2], sys.argv[3], int(sys.argv[4])

def run_key(l):
    """Which run a GUEST line belongs to, or None for lines of no run."""
    if l[1] in ("agg", "truth", "workload", "status") and len(l) > 3 and l[2] in ("kernel", "page_idle", "soft_dirty", "referenced"):
        return ("accuracy", l[2], l[3])
    if l[1] == "overhead":
        return ("overhead", l[2], l[4], l[6])
    if l[1] in ("overhead_minimal", "overhead_status"):
        return ("overhead", "minimal" if l[1] == "overhead_minimal" else "swamond", l[2], l[3])
    return None

lines, taken = [], set()
for log in reversed(logs):
    mine = [l.rstrip("\n").split() for l in open(log) if l.startswith("GUEST ")]
    keys = {run_key(l) for l in mine} - {None}
    lines = [l for l in mine if run_key(l) is None or run_key(l) not in taken] + lines
    taken |= keys
SKIP = 20          # first aggregations left out, as the issue asks
SETTLE_NS = 300e6  # after a phase switch, aggregations that still show the previous phase

def pct(values, p):
    values = sorted(values)
    if not values: return 0
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)

def overlap(a, b): return max(0, min(a[1], b[1]) - max(a[0], b[0]))

runs = {}
for l in lines:
    kind = l[1]
    if kind in ("agg", "truth", "workload", "status") and len(l) > 3 and l[2] in ("kernel", "page_idle", "soft_dirty", "referenced"):
        monitor = l[2]
        pattern = l[3]
        run = runs.setdefault((monitor, pattern), {"aggs": [], "regions": {}, "phases": [], "status": ""})
        if kind == "agg":
            base = 10 if monitor == "kernel" else 16
            accessed = []
            for item in l[6:]:
                rng, count = item.rsplit(":", 1)
                s, e = rng.split("-")
                accessed.append((int(s, base), int(e, base), int(count)))
            run["aggs"].append((int(l[4]), int(l[5]), accessed))
        elif kind == "truth" and l[4] == "region":
            run["regions"][l[5]] = (int(l[6], 16), int(l[7], 16))
        elif kind == "truth" and l[4] == "phase":
            run["phases"].append((int(l[7]), int(l[8]), l[9].split(",")))
        elif kind == "status":
            run["status"] = " ".join(l[4:])

accuracy = []
for (monitor, pattern), run in runs.items():
    aggs = run["aggs"]
    if not run["regions"]:
        continue
    buffer = (min(r[0] for r in run["regions"].values()), max(r[1] for r in run["regions"].values()))
    wss, precision, recall, counts = [], [], [], []
    for t, nr, accessed in aggs[SKIP:]:
        wss.append(sum(e - s for s, e, _ in accessed))
        counts.append(nr)
        phase = next((p for p in run["phases"] if p[0] + SETTLE_NS <= t < p[1]), None)
        if phase is None:
            continue
        hot = [run["regions"][name] for name in phase[2]]
        in_buf = sum(overlap((s, e), buffer) for s, e, _ in accessed)
        in_hot = sum(overlap((s, e), h) for s, e, _ in accessed for h in hot)
        hot_size = sum(h[1] - h[0] for h in hot)
        if in_buf: precision.append(in_hot / in_buf)
        recall.append(in_hot / hot_size)
    intervals = [(b[0] - a[0]) / 1e6 for a, b in zip(aggs, aggs[1:])]
    accuracy.append({
        "monitor": monitor, "pattern": pattern, "aggregations": len(aggs),
        "wss_p50": pct(wss, 50), "wss_p90": pct(wss, 90),
        "precision": statistics.median(precision) if precision else None,
        "recall": statistics.median(recall) if recall else None,
        "regions_median": statistics.median(counts) if counts else None,
        "aggregation_ms_median": statistics.median(intervals) if intervals else None,
        "aggregation_ms_min": min(intervals) if intervals else None,
        "aggregation_ms_max": max(intervals) if intervals else None,
        "status": run["status"],
    })

overhead = []
for l in lines:
    if l[1] == "overhead":
        sampler, regions, size, ticks, elapsed = l[2], int(l[4]), int(l[6]), int(l[8]), int(l[10])
        samples = int(l[12]) if l[12].isdigit() else 0
        share = ticks / elapsed if elapsed else 0.0
        # CPU time (USER_HZ ticks of 10 ms) per sample counted in the same window.
        minimal = next((m for m in lines if m[1] == "overhead_minimal" and m[2] == str(regions) and m[3] == str(size)), None)
        if sampler == "minimal" and minimal:
            per_sample = float(minimal[14])  # its own getrusage over the window, µs
        else:
            per_sample = ticks * 10000 / samples if samples else float("nan")
        overhead.append({"sampler": sampler, "regions": regions, "target_mib": size, "cpu_share": share,
                         "cpu_us_per_sample": per_sample, "ns_per_region_sample": per_sample * 1000 / regions,
                         "samples": samples, "window_s": elapsed / 100})

kernel_line = next((" ".join(l[2:]) for l in lines if l[1] == "kernel"), "")
json.dump({"date": date, "guest": kernel_line, "seconds": seconds, "accuracy": accuracy, "overhead": overhead},
          open(out, "w"), indent=1)

MB = 1e6
print(f"## Accuracy (guest: {kernel_line}; {date})\n")
print("| pattern | monitor | WSS p50 MB | WSS p90 MB | precision | recall | regions (median) | aggregation ms median (min-max) |")
print("|---|---|---|---|---|---|---|---|")
order = {"kernel": 0, "page_idle": 1, "soft_dirty": 2, "referenced": 3}
for a in sorted(accuracy, key=lambda a: (a["pattern"], order.get(a["monitor"], 9))):
    f = lambda v, fmt: "-" if v is None else fmt.format(v)
    print(f"| {a['pattern']} | {a['monitor']} | {a['wss_p50'] / MB:.1f} | {a['wss_p90'] / MB:.1f} | {f(a['precision'], '{:.3f}')} | "
          f"{f(a['recall'], '{:.3f}')} | {f(a['regions_median'], '{:g}')} | {f(a['aggregation_ms_median'], '{:.0f}')} "
          f"({f(a['aggregation_ms_min'], '{:.0f}')}-{f(a['aggregation_ms_max'], '{:.0f}')}) |")
print("\n## Overhead of the monitoring thread (5 ms samples)\n")
print("| target | regions | sampler | CPU % of a core | µs per sample | ns per region-sample | vs minimal | vs kdamond |")
print("|---|---|---|---|---|---|---|---|")
by = {(o["sampler"], o["regions"], o["target_mib"]): o for o in overhead}
for o in sorted(overhead, key=lambda o: (o["target_mib"], o["regions"], o["sampler"])):
    m = by.get(("minimal", o["regions"], o["target_mib"]))
    k = by.get(("kernel", o["regions"], o["target_mib"]))
    ratio = lambda ref: "-" if not ref or not ref["cpu_us_per_sample"] else f"{o['cpu_us_per_sample'] / ref['cpu_us_per_sample']:.2f}x"
    print(f"| {o['target_mib']} MiB | {o['regions']} | {o['sampler']} | {100 * o['cpu_share']:.1f} | {o['cpu_us_per_sample']:.0f} | "
          f"{o['ns_per_region_sample']:.0f} | {ratio(m)} | {ratio(k)} |")
print(f"\nguest run took {seconds} s")
