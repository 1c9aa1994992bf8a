#!/usr/bin/env bash
# Tier 2: swamond under a real systemd. Boots a Debian 12 root file system with systemd as PID 1
# in systemd-nspawn, installs swamond with systemd/install.sh and drives it the way users do.
# The debootstrap root file system is cached outside the repository (SWAMON_CACHE, default
# /var/cache/swamon), keyed by suite and package list. Prints one PASS/FAIL line per check and a
# closing "N passed, M failed" line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
CACHE=${SWAMON_CACHE:-/var/cache/swamon}
PACKAGES=systemd,systemd-sysv,dbus,libsystemd0,libedit2,procps
KEY=$(echo "bookworm minbase $PACKAGES" | sha256sum | cut -c1-12)
BASE=$CACHE/rootfs-$KEY
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
for tool in systemd-nspawn:systemd-container debootstrap:debootstrap nsenter:util-linux; do
    command -v "${tool%%:*}" >/dev/null || { echo "the nspawn tier needs ${tool%%:*}: apt-get install ${tool##*:} (Tests/packages.sh test)"; exit 1; }
done
[ "${1:-}" = --check ] && { echo "nspawn prerequisites: present"; exit 0; }
passed=0; failed=0
check() { # check NAME COMMAND...
    local name=$1; shift
    if "$@" >/tmp/swamon-nspawn-check.out 2>&1; then echo "PASS $name"; passed=$((passed + 1))
    else echo "FAIL $name"; sed 's/^/    /' /tmp/swamon-nspawn-check.out | tail -20; failed=$((failed + 1)); fi
}

if [ ! -f "$BASE/.complete" ]; then
    echo "building the root file system cache $BASE (about a minute)"
    rm -rf "$BASE.tmp"; mkdir -p "$CACHE"
    debootstrap --variant=minbase --include=$PACKAGES bookworm "$BASE.tmp" "$MIRROR" >/tmp/swamon-debootstrap.log 2>&1 \
        || { tail -20 /tmp/swamon-debootstrap.log; exit 1; }
    touch "$BASE.tmp/.complete"; rm -rf "$BASE"; mv "$BASE.tmp" "$BASE"
fi

ROOT=$(mktemp -d /var/tmp/swamon-nspawn.XXXXXX)
LOG=$ROOT.console.log
NP=""
cleanup() {
    [ -n "$NP" ] && kill "$NP" 2>/dev/null && wait "$NP" 2>/dev/null
    rm -rf "$ROOT" "$LOG"; rm -rf /run/systemd/nspawn 2>/dev/null
}
trap cleanup EXIT
cp -a "$BASE/." "$ROOT/"
systemd/install.sh "$ROOT" >/tmp/swamon-install.log 2>&1 || { tail -20 /tmp/swamon-install.log; exit 1; }
swift build -c release --static-swift-stdlib --product swamon-workload >/dev/null 2>&1
install -m755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/swamon-workload" "$ROOT/usr/local/bin/"
mkdir -p "$ROOT/etc/systemd/system/sockets.target.wants"
ln -sf /etc/systemd/system/swamond.socket "$ROOT/etc/systemd/system/sockets.target.wants/swamond.socket"

started=$(date +%s.%N)
systemd-nspawn -D "$ROOT" -b --register=no --keep-unit --console=read-only >"$LOG" 2>&1 &
NP=$!
L=""; for _ in $(seq 100); do L=$(pgrep -P $NP -x systemd); [ -n "$L" ] && break; sleep 0.1; done
[ -n "$L" ] || { echo "FAIL boot: no systemd in the container"; cat "$LOG"; exit 1; }
IN() { nsenter -t "$L" -a "$@"; }
for _ in $(seq 100); do
    s=$(IN systemctl is-system-running 2>/dev/null); [ "$s" = running ] || [ "$s" = degraded ] && break; sleep 0.2
done
echo "container up in $(echo "$(date +%s.%N) - $started" | bc) s ($(IN systemctl is-system-running))"

check "systemd-analyze verify accepts the units" IN systemd-analyze verify /etc/systemd/system/swamond.service /etc/systemd/system/swamond.socket /etc/systemd/system/swamond-metrics.socket
echo "info: $(IN systemd-analyze security swamond.service --no-pager 2>/dev/null | tail -1)"
check "swamond.socket is listening" IN systemctl is-active swamond.socket
check "swamond is not started before first use" sh -c "! nsenter -t $L -a systemctl is-active swamond.service"
check "swamonctl status starts swamond by socket activation" IN swamonctl status
check "swamond.service is active" IN systemctl is-active swamond.service
IN sh -c 'swamon-workload --hot-mib 8 --cold-mib 64 >/tmp/workload.out 2>&1 &'
for _ in $(seq 50); do W=$(IN awk '{print $3}' /tmp/workload.out 2>/dev/null); [ -n "$W" ] && break; sleep 0.1; done
check "swamonctl attrs" IN swamonctl attrs 5000 100000 1000000 10 1000
check "swamonctl targets (a process in the container)" IN swamonctl targets "$W"
check "swamonctl start" IN swamonctl start
# A DAMOS scheme under the unit's hardening (capabilities, system-call filter): committed while
# running, applied to the workload's cold memory, nothing refused.
check "swamonctl schemes add pageout (a commit while running)" IN swamonctl schemes add pageout --max-accesses 0
sleep 3
IN swamonctl status >/tmp/swamon-nspawn-schemes.txt 2>&1
check "the scheme acts under the shipped unit" sh -c "grep -q 'schemes_refused=- ' /tmp/swamon-nspawn-schemes.txt && ! grep -q 'schemes_applied_bytes=0 ' /tmp/swamon-nspawn-schemes.txt"
IN systemctl status swamond.service --no-pager >/tmp/swamon-status.txt 2>&1
check "systemctl status shows STATUS=" grep -q 'Status: "1 of 1 contexts monitoring 1 target (access check referenced)"' /tmp/swamon-status.txt
IN journalctl -u swamond.service -o json --no-pager >/tmp/swamon-journal.json 2>&1
check "journalctl -u swamond has aggregation records of the target" \
    grep -q "\"SWAMON_TARGET\":\"$W\".*\"MESSAGE_ID\":\"6f0c1a3e2b8d4c51a7e9d2f4b6c8a013\"\|\"MESSAGE_ID\":\"6f0c1a3e2b8d4c51a7e9d2f4b6c8a013\".*\"SWAMON_TARGET\":\"$W\"" /tmp/swamon-journal.json
grep "6f0c1a3e2b8d4c51a7e9d2f4b6c8a013" /tmp/swamon-journal.json | tail -1 >"${SWAMON_NSPAWN_RECORD:-/tmp/swamon-nspawn-record.json}"
cp /tmp/swamon-status.txt "${SWAMON_NSPAWN_STATUS:-/tmp/swamon-nspawn-status.txt}"
check "swamonctl regions shows the target" sh -c "nsenter -t $L -a swamonctl regions | grep -q '^$W '"
check "systemctl stop swamond stops cleanly" IN systemctl stop swamond.service
check "the stop was clean (Result=success)" sh -c "nsenter -t $L -a systemctl show swamond.service -p Result | grep -q 'Result=success'"
check "the journal shows monitoring stopped on SIGTERM" \
    sh -c "nsenter -t $L -a journalctl -u swamond.service --no-pager | grep -q 'monitoring stopped: monitor_on off'"

# Watchdog: a monitoring loop made to hang (test-only fault switch) stops the pings, and systemd
# restarts the service.
IN mkdir -p /run/systemd/system/swamond.service.d
IN sh -c 'printf "[Service]\nEnvironment=SWAMOND_TEST_FAULT=hang-monitor\nWatchdogSec=3s\n" > /run/systemd/system/swamond.service.d/fault.conf'
IN systemctl daemon-reload
IN swamonctl targets "$W" >/dev/null
IN swamonctl attrs 5000 50000 1000000 10 1000 >/dev/null
IN swamonctl start >/dev/null
restarted=""
for _ in $(seq 100); do
    n=$(IN systemctl show swamond.service -p NRestarts --value 2>/dev/null); [ "${n:-0}" -ge 1 ] && { restarted=$n; break; }; sleep 0.2
done
check "a hung monitoring loop makes the watchdog restart swamond" test -n "$restarted"
check "the journal names the watchdog" sh -c "nsenter -t $L -a journalctl -u swamond.service --no-pager | grep -qi 'watchdog timeout'"
IN rm -rf /run/systemd/system/swamond.service.d
IN systemctl daemon-reload

# Restart resumes: the state file keeps the targets (pid and start time) and that monitoring was
# on; after SIGKILL, systemd's Restart=on-failure brings swamond back monitoring the same process.
IN systemctl restart swamond.service
IN swamonctl targets "$W" >/dev/null 2>&1; IN swamonctl start >/dev/null 2>&1
check "monitoring the workload before the kill" sh -c "nsenter -t $L -a swamonctl status | grep -q 'context=root state=on .*targets=$W '"
before=$(IN systemctl show swamond.service -p MainPID --value)
IN kill -9 "$before"
after=""
for _ in $(seq 100); do
    after=$(IN systemctl show swamond.service -p MainPID --value 2>/dev/null)
    [ -n "$after" ] && [ "$after" != 0 ] && [ "$after" != "$before" ] && break; sleep 0.2
done
check "systemd restarted swamond after SIGKILL" test -n "$after" -a "$after" != 0 -a "$after" != "$before"
resumed=1
for _ in $(seq 50); do
    IN swamonctl status 2>/dev/null | grep -q "context=root state=on .*targets=$W " && { resumed=0; break; }; sleep 0.2
done
check "after the restart swamonctl status shows the same process monitored" test $resumed = 0
check "the journal says what was resumed" \
    sh -c "nsenter -t $L -a journalctl -u swamond.service --no-pager | grep -q 'root: after the restart, monitoring again pid $W'"

# Metrics under the unit as installed: swamond-metrics.socket listens on 127.0.0.1:9464 (the
# container shares the host's network) and hands the socket over; swamond.service keeps
# PrivateNetwork=yes and RestrictAddressFamilies=AF_UNIX. A service started by systemd-run is
# named by its unit.
# systemd refuses to start a socket whose service runs: stop swamond first (docs/metrics.md).
IN systemctl enable swamond-metrics.socket >/dev/null 2>&1
IN systemctl stop swamond.service
IN systemctl start swamond-metrics.socket swamond.service
check "swamond-metrics.socket is listening" IN systemctl is-active swamond-metrics.socket
IN systemd-run --quiet --unit=swamon-demo swamon-workload --hot-mib 4 --cold-mib 16
D=""; for _ in $(seq 50); do D=$(IN systemctl show swamon-demo.service -p MainPID --value); [ -n "$D" ] && [ "$D" != 0 ] && break; sleep 0.1; done
IN swamonctl stop >/dev/null 2>&1
IN swamonctl targets "$W" "$D" >/dev/null
IN swamonctl start >/dev/null
sleep 2
python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=10).read().decode(), end="")' >/tmp/swamon-nspawn-metrics.txt 2>&1
check "GET /metrics answers under the shipped unit, with the workload's series" \
    grep -q "swamon_target_bytes{context=\"root\",target=\"$W\"}" /tmp/swamon-nspawn-metrics.txt
check "the metrics name the systemd unit of a service's process" \
    grep -q "swamon_target_info{context=\"root\",target=\"$D\",comm=\"swamon-workload\",unit=\"swamon-demo.service\"} 1" /tmp/swamon-nspawn-metrics.txt
check "promtool check metrics accepts the exposition" sh -c "promtool check metrics </tmp/swamon-nspawn-metrics.txt"
check "the unit keeps PrivateNetwork=yes and RestrictAddressFamilies=AF_UNIX" \
    sh -c "nsenter -t $L -a systemctl show swamond.service -p PrivateNetwork -p RestrictAddressFamilies | tr '\n' ' ' | grep -q 'PrivateNetwork=yes RestrictAddressFamilies=AF_UNIX'"
check "the journal says swamond serves the socket systemd passed" \
    sh -c "nsenter -t $L -a journalctl -u swamond.service --no-pager | grep -q 'serving metrics on the socket systemd passed'"
IN systemctl stop swamon-demo.service >/dev/null 2>&1

# A unit as the target: a service that forks a child; both are monitored as one target set, the
# journal and status name the unit, and stopping the service stops the context by itself.
IN swamonctl stop >/dev/null 2>&1
IN systemd-run --quiet --unit=swamon-follow sh -c 'swamon-workload --hot-mib 4 --cold-mib 16 >/dev/null & exec swamon-workload --hot-mib 4 --cold-mib 16 >/dev/null'
sleep 1
check "swamonctl targets --unit names a service" IN swamonctl targets --unit swamon-follow.service
check "target_ids reads back as the unit" sh -c "nsenter -t $L -a swamonctl targets | grep -qx 'unit:swamon-follow.service'"
IN swamonctl start >/dev/null
sleep 2
IN swamonctl status >/tmp/swamon-nspawn-unit.txt 2>&1
check "both processes of the service are monitored, and status names the unit" \
    sh -c "grep -q 'unit=swamon-follow.service' /tmp/swamon-nspawn-unit.txt && grep -o 'targets=[0-9,]*' /tmp/swamon-nspawn-unit.txt | head -1 | grep -q ','"
check "the journal's aggregation records carry SWAMON_UNIT" \
    sh -c "nsenter -t $L -a journalctl -u swamond.service -o json --no-pager | grep -q '\"SWAMON_UNIT\":\"swamon-follow.service\"'"
IN systemctl stop swamon-follow.service >/dev/null 2>&1
stopped=1
for _ in $(seq 50); do
    IN swamonctl status 2>/dev/null | grep -qE 'context=root state=off .*last_stop=unit:swamon-follow.service_(has_no_processes_left|is_gone)' && { stopped=0; break; }; sleep 0.2
done
check "stopping the service stops the context by itself" test $stopped = 0

IN systemctl poweroff >/dev/null 2>&1
for _ in $(seq 100); do kill -0 $NP 2>/dev/null || break; sleep 0.1; done
wait $NP 2>/dev/null; NP=""
echo "nspawn: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
