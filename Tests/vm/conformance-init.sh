#!/bin/busybox sh
# Init of the conformance guest: the same conformance script (Tests/conformance/conformance.sh,
# packed as /bin/conformance.sh) against the kernel's DAMON debugfs, then against swamond.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
echo "GUEST kernel $(uname -r)"
sh /bin/conformance.sh debugfs /sys/kernel/debug/damon 2>&1 | sed 's/^/GUEST kernel /'
. /bin/guest-lib.sh
start_swamond
sh /bin/conformance.sh swamond /tmp/swamond.sock 2>&1 | sed 's/^/GUEST swamond /'
echo "GUEST done"
reboot -f
