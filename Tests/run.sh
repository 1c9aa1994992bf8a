#!/usr/bin/env bash
# Runs every test this machine can run:
#  1. builds everything warning-free in Swift 6 mode (warnings are errors) and runs the unit,
#     property and end-to-end tests (real daemon, real processes, real journald);
#  2. tier 2, swamond under a real systemd in systemd-nspawn (Tests/nspawn/run.sh), when running
#     as root with systemd-nspawn and debootstrap installed (set SWAMON_SKIP_NSPAWN=1 to skip);
#  3. tier 3, real access bits in a QEMU guest running a kernel with idle page tracking,
#     soft-dirty and DAMON (Tests/vm/run.sh), and the conformance script against that kernel's
#     DAMON debugfs (Tests/vm/conformance.sh), when QEMU, busybox-static, cpio and
#     linux-source-6.12 are installed (set SWAMON_SKIP_VM=1 to skip). The kernel is built once
#     and cached in /var/cache/swamon.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
if [ -n "${SWAMON_SKIP_NSPAWN:-}" ]; then
    echo "nspawn tier skipped: SWAMON_SKIP_NSPAWN is set"
elif [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then
    echo "nspawn tier skipped: needs root, systemd-nspawn and debootstrap (apt-get install systemd-container debootstrap)"
else
    Tests/nspawn/run.sh
fi
if [ -n "${SWAMON_SKIP_VM:-}" ]; then
    echo "vm tier skipped: SWAMON_SKIP_VM is set"
elif ! command -v qemu-system-x86_64 >/dev/null || [ ! -x /bin/busybox ] || ! command -v cpio >/dev/null \
    || [ ! -f /usr/src/linux-source-6.12.tar.xz ]; then
    echo "vm tier skipped: needs qemu-system-x86, busybox-static, cpio and linux-source-6.12 (see .ci/run)"
else
    Tests/vm/run.sh
    Tests/vm/conformance.sh
fi
