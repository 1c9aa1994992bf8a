#!/bin/busybox sh
# Init of the benchmark guest (Tests/vm/bench.sh): the same workloads monitored by the kernel's
# DAMON (debugfs, results from the damon_aggregated tracepoint) and by swamond with each backend,
# one after the other with the same attrs; then the CPU cost of the monitoring thread for the
# kernel's kdamond, swamond/page_idle and the minimal sampler at fixed region counts. Prints
# GUEST lines for the host to score; reboots when done.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
echo never > /sys/kernel/mm/transparent_hugepage/enabled
T=/sys/kernel/tracing D=/sys/kernel/debug/damon
echo mono > $T/trace_clock
echo 16384 > $T/buffer_size_kb
echo "GUEST kernel $(uname -r) cpus $(nproc) mem_kb $(awk '/MemTotal/{print $2}' /proc/meminfo)"
# The busy companion on the workload's CPU (see test-environment.md §5: without context switches
# QEMU's software TLB keeps hot pages' Accessed bits from being set again).
taskset -c 0 sh -c 'while :; do :; done' &
. /bin/guest-lib.sh
start_swamond 1
ATTRS=${BENCH_ATTRS:-"5000 100000 1000000 10 1000"}
echo "GUEST attrs $ATTRS"

# Watch lines ("aggregation CTX TARGET T_NS NR TOTAL ACCESSED start-end:nr:age …") to compact
# "T_NS NR_REGIONS start-end:nr …" lines listing only regions with accesses.
# With ALL=1 regions without accesses are listed too (partial-hot: the distribution of access counts).
summarise() {
    awk -v all="${ALL:-0}" '$1 == "aggregation" { line = $4 " " $5; for (i = 8; i <= NF; i++) { split($i, p, ":"); if (p[2] > 0 || all) line = line " " p[1] ":" p[2] } print line }'
}
# damon_aggregated trace lines to watch lines (addresses stay decimal, as traced): a new
# aggregation starts when the region start does not grow (one target's regions are traced in
# address order).
trace_to_watch() {
    awk '/damon_aggregated:/ {
        for (i = 1; i <= NF; i++) if ($i == "damon_aggregated:") k = i
        ts = $(k - 1); sub(":", "", ts); split(ts, s, "."); t = sprintf("%.0f", s[1] * 1000000000 + s[2] * 1000)
        range = $(k + 3); sub(":", "", range); split(range, r, "-")
        if (n > 0 && r[1] + 0 <= last + 0) { print "aggregation kernel 0 " start " " n " 0 0" regions; n = 0; regions = "" }
        if (n == 0) start = t
        last = r[1]; n++
        regions = regions " " r[1] "-" r[2] ":" $(k + 4) ":" $(k + 5)
    } END { if (n > 0) print "aggregation kernel 0 " start " " n " 0 0" regions }'
}
start_workload() { # arguments for swamon-workload
    rm -f /tmp/workload  # else the last workload's ready line may be read before the new one truncates the file
    taskset -c 0 /bin/swamon-workload "$@" > /tmp/workload 2>&1 &
    W=$!
    while ! grep -q ready /tmp/workload 2>/dev/null; do sleep 0.2; done
}

accuracy_kernel() { # $1 pattern
    start_workload --pattern ${1%%-fixed*} --repeat 1 $2 --ground-truth /tmp/truth
    echo "GUEST workload kernel $1 $(cat /tmp/workload)"
    echo "$ATTRS" > $D/attrs; echo $W > $D/target_ids
    echo > $T/trace; echo 1 > $T/events/damon/damon_aggregated/enable
    echo on > $D/monitor_on_DEPRECATED || echo "GUEST error kernel on"
    wait $W   # reaped: a zombie target still counts as alive for the kernel's vaddr
    while [ "$(cat $D/monitor_on_DEPRECATED)" = on ]; do sleep 0.2; done
    echo 0 > $T/events/damon/damon_aggregated/enable
    trace_to_watch < $T/trace | summarise | sed "s/^/GUEST agg kernel $1 /"
    sed "s/^/GUEST truth kernel $1 /" /tmp/truth
}
accuracy_swamond() { # $1 backend[:sampling], $2 pattern; reported as backend, or backend_sampling
    monitor=$1; case $1 in *:*) monitor="${1%%:*}_${1#*:}" ;; esac
    swamonctl write access_check ${1%%:*}
    case $1 in *:*) swamonctl write sampling ${1#*:} ;; *) swamonctl write sampling auto ;; esac
    swamonctl attrs $ATTRS
    start_workload --pattern ${2%%-fixed*} --repeat 1 $3 --ground-truth /tmp/truth
    echo "GUEST workload $monitor $2 $(cat /tmp/workload)"
    swamonctl targets $W
    swamonctl watch --raw > /tmp/watch 2>&1 & WATCH=$!
    swamonctl start || echo "GUEST error swamond start $monitor"
    wait $W
    while [ "$(swamonctl read monitor_on)" = on ]; do sleep 0.2; done
    kill $WATCH
    summarise < /tmp/watch | sed "s/^/GUEST agg $monitor $2 /"
    sed "s/^/GUEST truth $monitor $2 /" /tmp/truth
    swamonctl status | grep context=root | sed "s/^/GUEST status $monitor $2 /"
}

[ "${BENCH_PATTERNS:-}" = none ] && BENCH_PATTERNS=""  # BENCH_PATTERNS=none: overhead only
# partial-hot-fixed: the partial-hot workload under 30 fixed regions (min = max = 30), so each
# region's access count is an estimate of one 6.5 MiB stretch's hot share.
DEFAULT_ATTRS=$ATTRS
for pattern in ${BENCH_PATTERNS-stairs zigzag hot-cold partial-hot partial-hot-fixed}; do
    extra="" ALL=0 ATTRS=$DEFAULT_ATTRS
    case $pattern in
    hot-cold) extra="--seconds 30 --hot-mib 64 --cold-mib 448" ;;
    partial-hot) extra="--seconds 30" ALL=1 ;;
    partial-hot-fixed) extra="--seconds 30" ALL=1 ATTRS="5000 100000 1000000 30 30" ;;
    esac
    accuracy_kernel $pattern "$extra"
    for backend in ${BENCH_BACKENDS:-page_idle page_idle:random soft_dirty referenced}; do accuracy_swamond $backend $pattern "$extra"; done
done

# Overhead: CPU time of the monitoring thread per sample over a fixed window, after a warm-up.
# $1 sampler, $2 regions (a number: min = max = it; `adaptive`: the default 10..1000), $3 target
# MiB. Every sampler gets a fresh workload: idle page tracking leaves each frame it marked and
# nobody touched again idle, and each later read of its bitmap word walks it again, so a monitor
# measured after another one would pay for the frames the first left idle (the kernel's DAMON
# leaves them too: damon_ptep_mkold sets PG_idle). Samples counted: kdamond's from its
# damon_aggregated events (20 samples each), swamond's from status, the minimal sampler's by
# itself (it also measures its own CPU time over the window).
ticks() { awk '{print $14 + $15}' "$1"; }
uptime_cs() { awk '{printf "%d", $1 * 100}' /proc/uptime; }
status_field() { swamonctl status | awk -v key="$1=" '/context=root/{for (i = 1; i <= NF; i++) if (index($i, key) == 1) {sub(key, "", $i); print $i}}'; }
median_regions() { sort -n | awk '{v[NR] = $1} END {print NR ? v[int((NR + 1) / 2)] : 0}'; }
WARM=${BENCH_WARM:-5} WINDOW=${BENCH_WINDOW:-20}
overhead() {
    sampler=$1 n=$2 size=$3
    range="$n $n"; [ $n = adaptive ] && range="10 1000"
    start_workload --hot-mib 64 --cold-mib $((size - 64))
    echo "GUEST workload overhead $size $(cat /tmp/workload)"
    case $sampler in
    kernel)
        echo "5000 100000 1000000 $range" > $D/attrs; echo $W > $D/target_ids; echo on > $D/monitor_on_DEPRECATED
        stat=/proc/$(cat $D/kdamond_pid)/stat ;;
    page_idle|page_idle_random|soft_dirty|referenced)
        swamonctl write access_check ${sampler%_random}
        if [ $sampler = page_idle_random ]; then swamonctl write sampling random; else swamonctl write sampling auto; fi
        swamonctl attrs 5000 100000 1000000 $range; swamonctl targets $W; swamonctl start
        stat=/proc/$SWAMOND/task/$(swamonctl read kdamond_pid)/stat ;;
    minimal|floor)
        # floor: one bitmap read per region and sample and nothing else (the minimal sampler's
        # `reads` mode); adaptive: as many regions as page_idle settled on just before.
        hot_cold=$(awk '{split($5, h, "-"); split($7, c, "-"); print h[1] "-" c[2]}' /tmp/workload)  # hot start - cold end
        count=$n mode=full
        [ $n = adaptive ] && count=${SETTLED:-20}
        [ $sampler = floor ] && mode=reads
        taskset -c 1 /bin/swamon-minimal-sampler $W $hot_cold $count 5000 $((WARM + WINDOW + 2)) $WARM $mode > /tmp/minimal & M=$!  # outlives the window
        stat=/proc/$M/stat ;;
    esac
    sleep $WARM
    [ $sampler = kernel ] && { echo > $T/trace; echo 1 > $T/events/damon/damon_aggregated/enable; }
    s0=$(status_field samples) t0=$(ticks $stat) u0=$(uptime_cs)
    sleep $WINDOW
    t1=$(ticks $stat) u1=$(uptime_cs) s1=$(status_field samples)
    regions=$n
    case $sampler in
    kernel)
        echo 0 > $T/events/damon/damon_aggregated/enable
        trace_to_watch < $T/trace > /tmp/kernel-watch
        samples=$(( $(wc -l < /tmp/kernel-watch) * 20 ))
        regions=$(awk '{print $5}' /tmp/kernel-watch | median_regions)
        echo off > $D/monitor_on_DEPRECATED ;;
    page_idle|page_idle_random|soft_dirty|referenced)
        samples=$((s1 - s0))
        regions=$(status_field regions)
        swamonctl status | grep context=root | sed "s/^/GUEST overhead_status $n $size /"; swamonctl stop ;;
    minimal|floor)
        wait $M; samples=$(awk '{print $5}' /tmp/minimal) regions=$count
        sed "s/^/GUEST overhead_$sampler $n $size /" /tmp/minimal ;;
    esac
    [ $sampler = page_idle ] && SETTLED=$regions
    echo "GUEST overhead $sampler regions $n target_mib $size ticks $((t1 - t0)) elapsed_cs $((u1 - u0)) samples $samples settled_regions $regions"
    kill -9 $W; wait $W
}
[ "${BENCH_SIZES:-}" = none ] && BENCH_SIZES=""  # BENCH_SIZES=none: accuracy only
for size in ${BENCH_SIZES-512 2048}; do
    for n in ${BENCH_REGIONS:-adaptive 100 1000}; do
        # soft_dirty and referenced cost per process, not per region: measured at 100 regions only;
        # the minimal sampler has fixed regions only.
        samplers="kernel page_idle page_idle_random floor"
        [ $n != adaptive ] && samplers="$samplers minimal"
        [ $n = 100 ] && samplers="$samplers soft_dirty referenced"
        samplers=${BENCH_SAMPLERS:-$samplers}
        for sampler in $samplers; do overhead $sampler $n $size; done
    done
done
echo "GUEST done"
reboot -f
