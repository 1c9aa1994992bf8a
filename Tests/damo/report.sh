#!/bin/sh
# Runs `damo report …` (and nothing else: no damo command here may reach the kernel) in a
# private mount namespace in which /sys/kernel/mm/damon is an empty read-only tmpfs, so that
# even a damo that probed or wrote DAMON's sysfs would find nothing and change nothing. The
# machine's own /sys/kernel/mm/damon belongs to a kdamond that is not ours.
# Usage: Tests/damo/report.sh report SUBCOMMAND --input FILE …   (SWAMON_DAMO names damo)
set -eu
damo=${SWAMON_DAMO:-/var/cache/swamon/damo-3.4.3/bin/damo}
if [ "${1:-}" != report ]; then
    echo "report.sh runs only 'damo report'" >&2
    exit 64
fi
exec unshare --mount --propagation private /bin/sh -c '
    if [ -d /sys/kernel/mm/damon ]; then
        mount -t tmpfs -o ro,size=4k swamon-no-damon /sys/kernel/mm/damon
        awk '\''$5 == "/sys/kernel/mm/damon" { ours = ($0 ~ / - tmpfs swamon-no-damon /) } END { exit !ours }'\'' /proc/self/mountinfo || {
            echo "refusing to run damo: /sys/kernel/mm/damon is not the empty mount of this namespace" >&2
            exit 70
        }
    fi
    exec "$0" "$@"' "$damo" "$@"
