#!/bin/busybox sh
# Init of the tier-3 guest: monitors a 64 MiB hot / 448 MiB cold workload with each precise
# backend (page_idle, soft_dirty, page_idle on a workload whose hot pages are scattered, page_idle
# again with transparent huge pages), then physical memory (paddr), and prints GUEST lines for
# the host to judge; then reboots (no ACPI here).
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
echo never > /sys/kernel/mm/transparent_hugepage/enabled
echo "GUEST kernel $(uname -r) cpus $(nproc) clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# Under QEMU's software MMU the Accessed bit of a hot page is set again only after a TLB flush:
# a busy companion on the workload's CPU makes the context switches that flush it.
taskset -c 0 sh -c 'while :; do :; done' &
HOG=$!
. /bin/guest-lib.sh
start_swamond 1

start_workload() { # $1: label, then swamon-workload's arguments (default: 64 MiB hot, 448 MiB cold)
    label=$1; shift
    [ $# -eq 0 ] && set -- --hot-mib 64 --cold-mib 448
    rm -f /tmp/workload  # else the last workload's ready line may be read before the new one truncates the file
    taskset -c 0 /bin/swamon-workload "$@" > /tmp/workload 2>&1 &
    W=$!
    while ! grep -q ready /tmp/workload 2>/dev/null; do sleep 0.2; done
    echo "GUEST $label $(cat /tmp/workload)"
}

# $1 label, $2 access check, $3 attrs, $4 seconds to converge, $5 targets
monitor() {
    swamonctl write access_check $2 || echo "GUEST error access_check $1"
    swamonctl attrs $3
    swamonctl targets $5
    swamonctl start || echo "GUEST error start $1"
    sleep $4
    for i in 1 2 3 4 5; do
        swamonctl read regions | sed "s/^/GUEST regions $1 $i /"
        sleep 1
    done
    swamonctl status | sed "s/^/GUEST status $1 /"
    swamonctl stop
}

start_workload workload
grep "access check" /tmp/swamond.log | sed 's/^/GUEST probe /'
# page_idle: ~100 aggregations to converge.
monitor page_idle page_idle "5000 100000 1000000 10 1000" 20 "$W"
# soft_dirty: every sample's whole-process clear write-protects every page, and under emulation
# each write fault after it is slow: a pass of the writer over its 64 MiB takes about a second,
# so a 5 ms sample catches its sampled page re-dirtied only 1-2 % of the time, too close to the
# never-written cold range for DAMON to tell them apart reliably. 200 ms samples (20 per
# aggregation) catch it about a quarter of the time. The companion is not needed here (clearing
# flushes the TLB) and only slows the writer, so it is paused.
kill -STOP $HOG
monitor soft_dirty soft_dirty "200000 4000000 40000000 10 1000" 80 "$W"
kill -CONT $HOG
kill -9 $W; sleep 1

# Sparse sampling (page_idle's default) where no region boundary can separate hot from cold:
# 10 %, 25 % and 50 % of three 64 MiB regions' pages, placed at random, written all the time,
# under 30 fixed regions (each one's count estimates its stretch's hot share).
start_workload workload_partial --pattern partial-hot --seconds 60
monitor partial page_idle "5000 100000 1000000 30 30" 20 "$W"
kill -9 $W; sleep 1

# Transparent huge pages: the kernel keeps the idle flag on the head page only.
echo always > /sys/kernel/mm/transparent_hugepage/enabled
start_workload workload_thp
echo "GUEST thp $(grep AnonHugePages /proc/$W/smaps_rollup)"
monitor page_idle_thp page_idle "5000 100000 1000000 10 1000" 20 "$W"
kill -9 $W; sleep 1
echo never > /sys/kernel/mm/transparent_hugepage/enabled

# Physical memory: the biggest System RAM range, with the workload running somewhere in it.
start_workload workload_paddr
monitor paddr page_idle "5000 100000 1000000 10 1000" 20 paddr
echo "GUEST iomem $(grep 'System RAM' /proc/iomem | tr '\n' ';')"
echo "GUEST done"
reboot -f
