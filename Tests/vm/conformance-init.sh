#!/bin/busybox sh
# Init of the conformance guest: the same conformance script (Tests/conformance/conformance.sh,
# packed as /bin/conformance.sh) against the kernel's DAMON debugfs, then against swamond.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
echo "GUEST kernel $(uname -r)"
sh /bin/conformance.sh debugfs /sys/kernel/debug/damon 2>&1 | sed 's/^/GUEST kernel /'
/bin/swamond --socket /tmp/swamond.sock --set journal_every=0 2>/tmp/swamond.log &
for _ in $(seq 150); do [ -S /tmp/swamond.sock ] && break; sleep 0.2; done
[ -S /tmp/swamond.sock ] || { echo "GUEST error swamond did not start: $(tr '\n' '|' </tmp/swamond.log)"; echo "GUEST done"; reboot -f; }
sh /bin/conformance.sh swamond /tmp/swamond.sock 2>&1 | sed 's/^/GUEST swamond /'
echo "GUEST done"
reboot -f
