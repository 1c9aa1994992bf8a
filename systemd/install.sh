#!/usr/bin/env bash
# Installs swamond, swamonctl and swamon-sysfs with their units, configuration, documentation and man pages.
#   systemd/install.sh [DESTDIR]      (DESTDIR: install into a root file system instead of /)
# Builds release binaries with the Swift runtime linked in (--static-swift-stdlib), so the target
# system needs only libc, libstdc++, libsystemd, libedit (swamonctl's prompt) and, for
# swamonctl damo, libfuse3 (swamon-sysfs; Debian's libfuse3-3) and util-linux's unshare. Then: systemctl daemon-reload &&
# systemctl enable --now swamond.socket
set -euo pipefail
cd "$(dirname "$0")/.."
DESTDIR=${1:-}
swift build -c release --static-swift-stdlib --product swamond
swift build -c release --static-swift-stdlib --product swamonctl
swift build -c release --static-swift-stdlib --product swamon-sysfs
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
install -Dm755 "$bin/swamond" "$DESTDIR/usr/local/bin/swamond"
install -Dm755 "$bin/swamonctl" "$DESTDIR/usr/local/bin/swamonctl"
install -Dm755 "$bin/swamon-sysfs" "$DESTDIR/usr/local/bin/swamon-sysfs"
install -Dm644 systemd/swamond.service "$DESTDIR/etc/systemd/system/swamond.service"
install -Dm644 systemd/swamond.socket "$DESTDIR/etc/systemd/system/swamond.socket"
install -Dm644 systemd/swamond-metrics.socket "$DESTDIR/etc/systemd/system/swamond-metrics.socket"
install -Dm644 systemd/swamon.sysusers "$DESTDIR/usr/lib/sysusers.d/swamon.conf"
install -Dm644 systemd/swamond.tmpfiles "$DESTDIR/usr/lib/tmpfiles.d/swamond.conf"
[ -e "$DESTDIR/etc/swamond.conf" ] || install -Dm644 etc/swamond.conf "$DESTDIR/etc/swamond.conf"
install -Dm644 docs/protocol.md "$DESTDIR/usr/local/share/doc/swamon/protocol.md"
install -Dm644 docs/journal.md "$DESTDIR/usr/local/share/doc/swamon/journal.md"
install -Dm644 docs/metrics.md "$DESTDIR/usr/local/share/doc/swamon/metrics.md"
install -Dm644 docs/sysfs.md "$DESTDIR/usr/local/share/doc/swamon/sysfs.md"
install -Dm644 docs/man/swamond.8 "$DESTDIR/usr/local/share/man/man8/swamond.8"
install -Dm644 docs/man/swamond.conf.5 "$DESTDIR/usr/local/share/man/man5/swamond.conf.5"
install -Dm644 docs/man/swamonctl.1 "$DESTDIR/usr/local/share/man/man1/swamonctl.1"
install -Dm644 docs/man/swamon-sysfs.8 "$DESTDIR/usr/local/share/man/man8/swamon-sysfs.8"
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    systemd-sysusers swamon.conf
    systemd-tmpfiles --create swamond.conf
    systemctl daemon-reload
fi
echo "installed; enable with: systemctl enable --now swamond.socket (metrics: systemctl enable --now swamond-metrics.socket)"
