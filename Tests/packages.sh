#!/usr/bin/env bash
# Installs (as root, with apt) the Debian packages swamon needs that the machine image (Debian 12
# with the Swift toolchain) does not ship. Only missing packages are installed; nothing is
# installed when all are present. Used by the README's two commands:
#   Tests/packages.sh build     what `swift build` needs
#   Tests/packages.sh test      what every test tier needs (includes build)
set -euo pipefail
# libfuse3-dev: swamon-sysfs (DAMON's sysfs tree through FUSE, for swamonctl damo).
BUILD="libsystemd-dev pkg-config libedit-dev zlib1g-dev libfuse3-dev"
# Host tests: setpriv/prlimit (util-linux), tmux (the prompt test), procps (ps).
# nspawn tier: systemd-container, debootstrap. QEMU tier: qemu-system-x86, busybox-static, cpio,
# and the test kernel's build: linux-source-6.12 flex bison bc libelf-dev build-essential xz-utils
# (linux-source-6.12 also holds the kernel's DAMON sysfs selftests run against swamon-sysfs).
# Benchmarks and scoring: python3. Record files read by the real damo (Tests/damo/setup.sh puts
# it in a venv from PyPI): python3-venv, file (damo picks a record's format by what file says).
# Heatmap PNGs: librsvg2-bin (rsvg-convert). The metrics tests scrape with a real Prometheus
# and check the exposition with promtool: prometheus.
TEST="$BUILD util-linux procps tmux systemd-container debootstrap qemu-system-x86 busybox-static cpio
 linux-source-6.12 build-essential flex bison bc libelf-dev xz-utils python3 python3-venv file librsvg2-bin prometheus"
case "${1:-}" in
    build) wanted=$BUILD ;;
    test) wanted=$TEST ;;
    *) echo "usage: $0 build|test" >&2; exit 64 ;;
esac
missing=""
for package in $wanted; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing; install them as root: apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
