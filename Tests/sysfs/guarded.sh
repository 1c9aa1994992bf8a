#!/bin/sh
# Runs a command only if /sys/kernel/mm/damon is swamon-sysfs's mount in this (private) mount
# namespace: the kernel's selftests write DAMON's sysfs tree, and the machine's own tree may
# belong to a kdamond that is not ours. swamonctl damo checks the same before it runs anything;
# this is the second lock on the door.
# Usage (through swamonctl damo): swamonctl damo --damo /bin/sh -- Tests/sysfs/guarded.sh CMD ARGS…
set -eu
awk '$5 == "/sys/kernel/mm/damon" { top = $0 } END { exit !(top ~ / - fuse\.swamon-sysfs /) }' /proc/self/mountinfo || {
    echo "refusing to run $1: /sys/kernel/mm/damon is not swamon-sysfs's mount here" >&2
    exit 70
}
exec "$@"
