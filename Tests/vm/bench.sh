#!/usr/bin/env bash
# swamond against the kernel's DAMON in the tier-3 guest (Tests/vm/bench-init.sh): accuracy of
# the kernel's DAMON and of swamond (page_idle with its default sparse sampling and with the
# kernel's random rule, soft_dirty, referenced) on the stairs, zigzag, hot-cold and partial-hot
# workloads (partial-hot also under 30 fixed regions) with the same attrs, and the monitoring
# thread's CPU cost for kdamond, swamond (page_idle sparse and random), the read floor and the
# minimal sampler at the default adaptive 10..1000 regions and at 100 and 1000 fixed regions
# (soft_dirty and referenced at 100) on 512 MiB and 2 GiB targets, each on a fresh workload.
# Prints markdown tables (with the goals of issue 14 judged) and writes the raw figures as JSON
# to $SWAMON_BENCH_JSON (default docs/benchmarks-vm.json). Parts can be chosen through the
# kernel command line, e.g. SWAMON_VM_APPEND='BENCH_PATTERNS=none BENCH_SIZES=512' (overhead
# only, 512 MiB); the guest variables are BENCH_PATTERNS, BENCH_BACKENDS, BENCH_SIZES,
# BENCH_REGIONS, BENCH_SAMPLERS (space-separated lists in double quotes, or `none`), BENCH_WARM
# and BENCH_WINDOW (seconds).
set -uo pipefail
cd "$(dirname "$0")/../.."
LOG=${SWAMON_BENCH_LOG:-/tmp/swamon-bench-guest.txt}
JSON=${SWAMON_BENCH_JSON:-docs/benchmarks-vm.json}
started=$(date +%s)
Tests/vm/boot.sh Tests/vm/bench-init.sh "$LOG" 3072 || exit 1
python3 Tests/vm/score.py "$LOG" "$JSON" "$(date -u +%Y-%m-%d)" "$(( $(date +%s) - started ))"
