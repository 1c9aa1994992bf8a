#!/usr/bin/env bash
# Runs every test this machine can run:
#  1. builds everything warning-free in Swift 6 mode (warnings are errors) and runs the unit,
#     property and end-to-end tests (real daemon, real processes, real journald);
#  2. tier 2, swamond under a real systemd in systemd-nspawn (Tests/nspawn/run.sh), when running
#     as root with systemd-nspawn and debootstrap installed (set SWAMON_SKIP_NSPAWN=1 to skip).
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
