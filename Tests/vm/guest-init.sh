#!/bin/busybox sh
# Init of the tier-3 guest: monitors a 64 MiB hot / 448 MiB cold workload with each precise
# backend and prints GUEST lines for the host to judge, then reboots (the kernel has no ACPI).
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
echo "GUEST kernel $(uname -r) cpus $(nproc) clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# Under QEMU's software MMU the Accessed bit of a hot page is set again only after a TLB flush:
# a busy companion on the workload's CPU makes the context switches that flush it.
taskset -c 0 sh -c 'while :; do :; done' &
taskset -c 0 /bin/swamon-workload --hot-mib 64 --cold-mib 448 > /tmp/workload 2>&1 &
while ! grep -q ready /tmp/workload 2>/dev/null; do sleep 0.2; done
echo "GUEST workload $(cat /tmp/workload)"
W=$(awk '{print $3}' /tmp/workload)
taskset -c 1 /bin/swamond --socket /tmp/swamond.sock --set journal_every=0 2>/tmp/swamond.log &
while [ ! -S /tmp/swamond.sock ]; do sleep 0.2; done
export SWAMON_SOCKET=/tmp/swamond.sock
grep "access check" /tmp/swamond.log | sed 's/^/GUEST probe /'
# soft_dirty's whole-process clear write-protects every page each sample, so a writer re-dirties
# only part of its hot range per sample: it gets a longer aggregation (80 samples) to see it all.
for backend in page_idle soft_dirty; do
    swamonctl write access_check $backend || echo "GUEST error access_check $backend"
    if [ $backend = soft_dirty ]; then swamonctl attrs 5000 400000 2000000 10 1000; else swamonctl attrs 5000 100000 1000000 10 1000; fi
    swamonctl targets "$W"
    swamonctl start || echo "GUEST error start $backend"
    # Let the regions converge: ~100 aggregations of page_idle, ~50 of soft_dirty.
    if [ $backend = soft_dirty ]; then sleep 50; else sleep 20; fi
    for i in 1 2 3 4 5; do
        swamonctl read regions | sed "s/^/GUEST regions $backend $i /"
        sleep 1
    done
    swamonctl status | sed "s/^/GUEST status $backend /"
    swamonctl stop
done
echo "GUEST done"
reboot -f
