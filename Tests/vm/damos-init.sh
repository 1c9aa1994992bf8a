#!/bin/busybox sh
# Init of the DAMOS guest (Tests/vm/damos.sh): the same proactive-reclaim scheme through the
# kernel's DAMOS (debugfs) and through swamond (page_idle, process_madvise), one after the other,
# on the same workload (64 MiB hot written continuously, 448 MiB cold), with swap on zram. Each
# run: the workload alone for BASE seconds (its pass rate without monitoring), then monitored
# with the scheme for RUN seconds, printing every 2 s: resident memory, major faults, passes, bytes
# applied. Then both again with a 16 MiB/s quota. Prints GUEST lines; reboots when done.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
echo never > /sys/kernel/mm/transparent_hugepage/enabled
D=/sys/kernel/debug/damon
echo "GUEST kernel $(uname -r) cpus $(nproc) mem_kb $(awk '/MemTotal/{print $2}' /proc/meminfo)"
echo 1G > /sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 || echo "GUEST error no zram swap"
echo "GUEST swap $(awk '/SwapTotal/{print $2}' /proc/meminfo)"
# The busy companion on the workload's CPU (test-environment.md §5: without context switches
# QEMU's software TLB keeps hot pages' Accessed bits from being set again).
taskset -c 0 sh -c 'while :; do :; done' &
. /bin/guest-lib.sh
start_swamond 1
ATTRS="5000 100000 1000000 10 1000"
BASE=${DAMOS_BASE:-20} RUN=${DAMOS_RUN:-60} QUOTA_RUN=${DAMOS_QUOTA_RUN:-30}
echo "GUEST attrs $ATTRS base $BASE run $RUN quota_run $QUOTA_RUN"

ticks() { awk '{print $14 + $15}' "$1" 2>/dev/null || echo 0; }
# $1 label, $2 monitor (kernel|swamond), $3 quota bytes per second (0: none), $4 seconds
run() {
    rm -f /tmp/workload /tmp/passes
    taskset -c 0 /bin/swamon-workload --hot-mib 64 --cold-mib 448 --passes-file /tmp/passes > /tmp/workload 2>&1 &
    W=$!
    while ! grep -q ready /tmp/workload 2>/dev/null; do sleep 0.2; done
    echo "GUEST workload $1 $(cat /tmp/workload)"
    sleep 5
    # The pass rate alone, in two halves: their difference is the measurement's own noise.
    p0=$(cat /tmp/passes 2>/dev/null || echo 0)
    sleep $((BASE / 2))
    ph=$(cat /tmp/passes 2>/dev/null || echo 0)
    sleep $((BASE / 2))
    p1=$(cat /tmp/passes 2>/dev/null || echo 0)
    echo "GUEST baseline $1 passes $((p1 - p0)) seconds $BASE first_half $((ph - p0)) second_half $((p1 - ph))"
    # Pageout regions of at least a page, never accessed, for 5 s (50 aggregations) or more.
    scheme="4096 18446744073709551615 0 0 50 4294967295 2 0 $3 $([ "$3" = 0 ] && echo 0 || echo 1000) 0 0 0 0 0 0 0 0"
    if [ "$2" = kernel ]; then
        # Which regions the kernel's DAMOS tries (damos_before_apply), for the record.
        echo > /sys/kernel/tracing/trace; echo 1 > /sys/kernel/tracing/events/damon/damos_before_apply/enable 2>/dev/null
        echo "$ATTRS" > $D/attrs; echo $W > $D/target_ids; echo "$scheme" > $D/schemes
        echo on > $D/monitor_on_DEPRECATED || echo "GUEST error kernel on $1"
        taskset -p 2 "$(cat $D/kdamond_pid)" >/dev/null  # on CPU 1, where swamond runs
        stat=/proc/$(cat $D/kdamond_pid)/stat
    else
        swamonctl write access_check page_idle || echo "GUEST error access_check $1"
        swamonctl attrs $ATTRS; swamonctl targets $W; swamonctl write schemes "$scheme"
        swamonctl start || echo "GUEST error start $1"
        stat=/proc/$SWAMOND/task/$(swamonctl read kdamond_pid)/stat
    fi
    c0=$(ticks $stat)
    start=$(awk '{print $1}' /proc/uptime)
    i=0
    while [ $i -le $4 ]; do
        now=$(awk -v s=$start '{printf "%.2f", $1 - s}' /proc/uptime)
        passes=$(cat /tmp/passes 2>/dev/null || echo 0)
        rss=$(awk '/VmRSS/{print $2}' /proc/$W/status)
        swap=$(awk '/VmSwap/{print $2}' /proc/$W/status)
        majflt=$(awk '{print $12}' /proc/$W/stat)
        if [ "$2" = kernel ]; then
            applied=$(awk '{print $22}' $D/schemes)
        else
            applied=$(swamonctl read schemes_stats | awk '{print $4}')
        fi
        echo "GUEST sample $1 t $i elapsed_cs ${now%.*}${now#*.} rss_kb $rss swap_kb $swap majflt $majflt passes $((passes - p1)) applied ${applied:-0}"
        sleep 2; i=$((i + 2))
    done
    c1=$(ticks $stat)
    elapsed=$(awk -v s=$start '{printf "%d", $1 - s}' /proc/uptime)
    if [ "$2" = kernel ]; then
        echo "GUEST stats $1 $(cut -d' ' -f19- $D/schemes)"
        echo off > $D/monitor_on_DEPRECATED
        echo 0 > /sys/kernel/tracing/events/damon/damos_before_apply/enable 2>/dev/null
        grep damos_before_apply /sys/kernel/tracing/trace | head -40 | sed "s/^ */GUEST trace $1 /"
        echo "GUEST maps $1 $(awk '{print $1}' /proc/$W/maps | tr '\n' ' ')"
    else
        echo "GUEST stats $1 $(swamonctl read schemes_stats)"
        swamonctl status | sed "s/^/GUEST status $1 /"
        swamonctl stop
    fi
    echo "GUEST cpu $1 ticks $((c1 - c0)) seconds $elapsed hz 100"
    kill -9 $W; sleep 2
}

run kernel kernel 0 $RUN
run swamond swamond 0 $RUN
run kernel_quota kernel 16777216 $QUOTA_RUN
run swamond_quota swamond 16777216 $QUOTA_RUN
grep -E "error|warning" /tmp/swamond.log | sed 's/^/GUEST swamond-log /'
echo "GUEST done"
reboot -f
