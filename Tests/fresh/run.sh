#!/usr/bin/env bash
# The fresh-machine test: the README's two commands, run from a fresh clone in a clean Debian 12
# root (debootstrap, cached; the packages of Tests/fresh/image-packages.txt stand in for the image
# as shipped), with the Swift toolchain and the Swift package mirror bind-mounted read-only.
# Nothing else is installed by hand: whatever the commands need they must install themselves.
#   Command 1 (build and run): must install, build, and start a daemon that answers swamonctl.
#   Command 2 (all tests): Tests/run.sh in the same root with --prepare-only: it installs what the
#   tests need, builds everything warning-free (tests and fuzzers included) and checks every
#   tier's prerequisites (the kernel build's tools and headers, QEMU, busybox, cpio, nspawn,
#   debootstrap). The suites themselves are not run a second time inside the root: the same CI
#   run has just run them on the host, nesting QEMU and nspawn in a chroot would double CI's time
#   (about 40 more minutes on 2 cores), and what a fresh machine can lack is a package, which the
#   build and the prerequisite checks find.
# Prints the wall time of each command and a closing "N passed, M failed" line.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE=${SWAMON_CACHE:-/var/cache/swamon}
SWIFT_ROOT=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PACKAGES=$(grep -v '^#' Tests/fresh/image-packages.txt | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
KEY=$(echo "bookworm minbase $PACKAGES" | sha256sum | cut -c1-12)
BASE=$CACHE/fresh-$KEY
passed=0; failed=0
result() { if [ "$1" = 0 ]; then echo "PASS $2"; passed=$((passed + 1)); else echo "FAIL $2"; failed=$((failed + 1)); fi; }

if [ ! -f "$BASE/.complete" ]; then
    echo "building the fresh root cache $BASE (a few minutes)"
    rm -rf "$BASE.tmp"; mkdir -p "$CACHE"
    debootstrap --variant=minbase --include="$PACKAGES" bookworm "$BASE.tmp" "$MIRROR" >/tmp/swamon-fresh-debootstrap.log 2>&1 \
        || { tail -20 /tmp/swamon-fresh-debootstrap.log; exit 1; }
    touch "$BASE.tmp/.complete"; rm -rf "$BASE"; mv "$BASE.tmp" "$BASE"
fi

ROOT=$(mktemp -d /var/tmp/swamon-fresh.XXXXXX)
mounts=()
cleanup() {
    [ -n "${DAEMON:-}" ] && kill -TERM -- "-$DAEMON" 2>/dev/null
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null; done
    rm -rf "$ROOT"
}
trap cleanup EXIT
cp -a "$BASE/." "$ROOT/"
bind() { # bind SOURCE TARGET [ro]
    mkdir -p "$2"; mount --bind "$1" "$2" && mounts+=("$2")
    [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
}
mount -t proc proc "$ROOT/proc" && mounts+=("$ROOT/proc")
bind /sys "$ROOT/sys"; bind /dev "$ROOT/dev"; bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs tmpfs "$ROOT/run" && mounts+=("$ROOT/run")
mount -t tmpfs tmpfs "$ROOT/tmp" && mounts+=("$ROOT/tmp")
TOOLCHAIN=$(dirname "$SWIFT_ROOT")
bind "$TOOLCHAIN" "$ROOT$TOOLCHAIN" ro
[ -d /opt/swift-packages ] && bind /opt/swift-packages "$ROOT/opt/swift-packages" ro
cp /etc/gitconfig "$ROOT/etc/gitconfig" 2>/dev/null || true
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# The image's trust settings, part of the machine as shipped like its resolver and apt sources:
# its local CA certificates (this machine kind reaches PyPI through an egress proxy with its own
# CA), the bundle made from them, and pip's configuration naming that bundle.
mkdir -p "$ROOT/usr/local/share/ca-certificates" "$ROOT/etc/ssl/certs"
cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/" 2>/dev/null || true
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$ROOT/etc/pip.conf"
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
git clone -q "$REPO" "$ROOT/root/swamon"

IN() { chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$SWIFT_ROOT/bin" \
    SWAMON_IN_FRESH_ROOT=1 CI="${CI:-}" bash -c "cd /root/swamon && $1"; }

# The README's two commands, exactly as the README prints them.
first=$(awk '/^```sh$/{f=1; next} f{print; exit}' README.md | sed 's/ *#.*$//')
second=$(awk '/^```sh$/{f=1; next} f&&n++==1{print; exit}' README.md | sed 's/ *#.*$//')
echo "command 1: $first"
echo "command 2: $second"

start=$(date +%s)
# In a session of its own, so that the daemon it ends with can be stopped with its shell.
export -f IN; export ROOT SWIFT_ROOT first
setsid bash -c 'IN "$first"' >/tmp/swamon-fresh-first.log 2>&1 &
DAEMON=$!
answered=1
for _ in $(seq 1 900); do
    if IN ".build/debug/swamonctl status" >/tmp/swamon-fresh-status.log 2>&1; then answered=0; break; fi
    kill -0 "$DAEMON" 2>/dev/null || break
    sleep 1
done
echo "command 1 took $(( $(date +%s) - start )) s until swamonctl status answered"
[ $answered = 0 ] || tail -30 /tmp/swamon-fresh-first.log
result $answered "command 1 installs, builds and runs a daemon that answers swamonctl status"
kill -TERM -- "-$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; DAEMON=""

start=$(date +%s)
IN "$second --prepare-only" >/tmp/swamon-fresh-second.log 2>&1
status=$?
echo "command 2 took $(( $(date +%s) - start )) s"
grep -E 'installing:|prerequisites|prepared:|fuzzers built' /tmp/swamon-fresh-second.log | tail -10
[ $status = 0 ] || tail -30 /tmp/swamon-fresh-second.log
result $status "command 2 installs what the tests need, builds everything and finds every tier's prerequisites"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
