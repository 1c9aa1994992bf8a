#!/usr/bin/env bash
# DAMOS side by side in the tier-3 guest (damos-init.sh): the kernel's DAMOS (debugfs, Linux
# 6.12) and swamond (page_idle + process_madvise) apply the same pageout scheme to the same
# workload, 64 MiB hot written continuously and 448 MiB cold, with swap on zram. Prints the
# table for docs/benchmarks.md and checks the goals of issue 12:
#   - swamond's resident-set reduction within 10 % of the kernel's,
#   - swamond reclaims at least 80 % of the cold part,
#   - the hot range's refaults (major faults, in % of its pages) no worse than the kernel's + 2
#     percentage points; the workload's slowdown likewise, reported but not enforced (host load
#     moves it by tens of percent under emulation),
#   - with a 16 MiB/s size quota, neither applies more than the quota allows.
#   usage: Tests/vm/damos.sh [--keep LOG]
set -uo pipefail
cd "$(dirname "$0")/../.."
LOG=${SWAMON_DAMOS_LOG:-/tmp/swamon-damos-guest.txt}
started=$(date +%s)
Tests/vm/boot.sh Tests/vm/damos-init.sh "$LOG" 2048 || exit 1
grep -E '^GUEST (kernel|swap|attrs|error|swamond-log|done)' "$LOG"
python3 - "$LOG" "$started" <<'PY'
import sys, time, statistics
sys.path.insert(0, "Tests/vm")
from judge import Judge
judge = Judge(sys.argv[1])
lines, check = judge.lines, judge.check
MiB = 1 << 20
HOT_PAGES = 64 * MiB // 4096
COLD = 448 * MiB
check("guest ran to the end", any(l[1] == "done" for l in lines))
check("no guest error line", not [l for l in lines if l[1] == "error"], "; ".join(" ".join(l[2:]) for l in lines if l[1] == "error"))
check("swap on zram", any(l[1] == "swap" and int(l[2]) > 0 for l in lines))
runs = {}
for label in ("kernel", "swamond", "kernel_quota", "swamond_quota"):
    # GUEST sample LABEL t T elapsed_cs V rss_kb V swap_kb V majflt V passes V applied V
    samples = [dict(zip(l[5::2], map(int, l[6::2]))) | {"t": int(l[4])} for l in lines if l[1] == "sample" and l[2] == label]
    base = next((l for l in lines if l[1] == "baseline" and l[2] == label), None)
    cpu = next((l for l in lines if l[1] == "cpu" and l[2] == label), None)
    if not samples or not base:
        check(f"{label}: ran", False, "no samples")
        continue
    first, last = samples[0], samples[-1]
    final_rss = statistics.median(s["rss_kb"] for s in samples[-3:]) * 1024
    reduction = first["rss_kb"] * 1024 - final_rss
    base_rate = int(base[4]) / int(base[6])
    halves = (int(base[8]), int(base[10]))
    noise = 100 * abs(halves[0] - halves[1]) / max(max(halves), 1)
    # The pass rate once the scheme has done its work: the second half of the run.
    middle = samples[len(samples) // 2]
    run_rate = (last["passes"] - middle["passes"]) / max((last["elapsed_cs"] - middle["elapsed_cs"]) / 100, 1)
    runs[label] = r = {
        "reduction": reduction, "final_rss": final_rss, "start_rss": first["rss_kb"] * 1024,
        "refaults": last["majflt"] - first["majflt"], "applied": last["applied"],
        "slowdown": 100 * (1 - run_rate / base_rate) if base_rate else 0.0,
        "seconds": last["elapsed_cs"] / 100, "samples": samples, "noise": noise,
        "cpu": 100 * int(cpu[4]) / 100 / max(int(cpu[6]), 1) if cpu else None,
    }
    r["refault_pct"] = 100 * r["refaults"] / HOT_PAGES
    status = next((dict(w.split("=", 1) for w in l[3:] if "=" in w) for l in lines
                   if l[1] == "status" and l[2] == label and "context=root" in l), {})
    if "schemes_apply_us" in status:
        r["apply_us"] = int(status["schemes_apply_us"]) / max(int(status["aggregations"]), 1)
    r["cold_reclaimed"] = reduction / COLD
print()
print("| run | RSS before → after | reduction | cold reclaimed | bytes applied | hot refaults | slowdown (baseline noise) | monitor thread CPU | applying, per aggregation |")
print("|---|---|---|---|---|---|---|---|---|")
for label, r in runs.items():
    print(f"| {label} | {r['start_rss'] / MiB:.0f} → {r['final_rss'] / MiB:.0f} MiB | {r['reduction'] / MiB:.0f} MiB | "
          f"{100 * r['cold_reclaimed']:.0f} % | {r['applied'] / MiB:.0f} MiB | {r['refaults']} ({r['refault_pct']:.1f} % of hot pages) | "
          f"{r['slowdown']:.1f} % ({r['noise']:.1f} %) | {r['cpu']:.1f} % | {str(round(r['apply_us'])) + ' µs' if 'apply_us' in r else 'n/a'} |")
print()
for label, r in runs.items():
    print(f"RSS over time {label}: " + " ".join(f"{s['t']}s:{s['rss_kb'] // 1024}" for s in r["samples"]))
print()
if "kernel" in runs and "swamond" in runs:
    k, s = runs["kernel"], runs["swamond"]
    check("swamond's RSS reduction within 10 % of the kernel's", abs(s["reduction"] - k["reduction"]) <= 0.1 * k["reduction"],
          f"swamond {s['reduction'] / MiB:.0f} MiB, kernel {k['reduction'] / MiB:.0f} MiB")
    check("swamond reclaims >= 80 % of the cold part", s["cold_reclaimed"] >= 0.8, f"{100 * s['cold_reclaimed']:.0f} %")
    check("hot refaults no worse than the kernel's + 2 pp", s["refault_pct"] <= k["refault_pct"] + 2,
          f"swamond {s['refault_pct']:.1f} %, kernel {k['refault_pct']:.1f} %")
    # Under emulation the pass rate itself wanders; the baseline's two halves say by how much.
    # Load on the host during one run and not the other moves it by tens of percent (a run beside
    # another build measured 18 % for the kernel and 40 % for swamond; the quiet runs 0.1 and
    # 0.8 %), so the slowdown goal is reported, not enforced.
    noise = max(s["noise"], k["noise"])
    met = s["slowdown"] <= k["slowdown"] + 2 + noise
    print(("GOAL MET " if met else "GOAL MISSED (reported, not enforced) ")
          + f"slowdown no worse than the kernel's + 2 pp (+ the baseline's own noise): "
          + f"swamond {s['slowdown']:.1f} %, kernel {k['slowdown']:.1f} %, baseline noise {noise:.1f} %")
for label in ("kernel_quota", "swamond_quota"):
    if label in runs:
        r = runs[label]
        # The quota caps the bytes tried (charged) per window: at most 16 MiB per second of the
        # run, plus the window in progress; windows that used it up are counted.
        stats = next(l for l in lines if l[1] == "stats" and l[2] == label)
        tried, exceeded = int(stats[4]), int(stats[7])
        until_stats = int(next(l for l in lines if l[1] == "cpu" and l[2] == label)[6])
        check(f"{label}: tried within 16 MiB/s", tried <= 16 * MiB * (until_stats + 1),
              f"{tried / MiB:.0f} MiB tried, {r['applied'] / MiB:.0f} MiB applied in {until_stats} s, {exceeded} windows used up")
        check(f"{label}: the quota was used up in most windows", exceeded >= r["seconds"] // 2, f"{exceeded} windows")
        worst = max(s["applied"] / (16 * MiB * (s["elapsed_cs"] / 100 + 1)) for s in r["samples"] if s["t"] > 0)
        check(f"{label}: applied within 16 MiB/s at every sample", worst <= 1.0 + 1e-9, f"worst {worst:.2f} of the cap")
print(f"damos tier took {int(time.time()) - int(sys.argv[2])} s")
judge.finish("damos")
PY
