#!/usr/bin/env bash
# Builds (once) the tier-3 test kernel: Linux 6.12 from Debian's linux-source-6.12, tinyconfig plus
# idle page tracking, soft-dirty, DAMON (vaddr, paddr, sysfs, the deprecated debugfs) and what a
# serial-console initramfs guest under QEMU needs. Cached in $SWAMON_CACHE (default
# /var/cache/swamon) keyed by the source package version and this option list; prints the
# bzImage path. About 5.5 minutes on 2 cores when not cached. --check: only check the build's
# prerequisites.
set -euo pipefail
CACHE=${SWAMON_CACHE:-/var/cache/swamon}
OPTIONS="64BIT EXPERT PRINTK TTY SERIAL_8250 SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP BINFMT_ELF BINFMT_SCRIPT
 PROC_FS SYSFS DEVTMPFS TMPFS DEBUG_FS DEBUG_FS_ALLOW_ALL MMU PROC_PAGE_MONITOR MULTIUSER FUTEX EPOLL SIGNALFD
 TIMERFD EVENTFD SHMEM AIO POSIX_TIMERS UNIX NET PCI CHECKPOINT_RESTORE MEM_SOFT_DIRTY IDLE_PAGE_TRACKING DAMON
 DAMON_VADDR DAMON_PADDR DAMON_SYSFS DAMON_DBGFS_DEPRECATED SWAP ADVISE_SYSCALLS FTRACE TRACING SMP
 TRANSPARENT_HUGEPAGE USERFAULTFD PERF_EVENTS UNIX98_PTYS HYPERVISOR_GUEST PARAVIRT KVM_GUEST
 BLOCK BLK_DEV ZRAM ZSMALLOC ZRAM_BACKEND_LZO"
# Everything the build needs, checked before the cache is looked at, so that a cached kernel never
# hides a missing package (objtool needs libelf-dev's gelf.h; a machine without it fails late).
missing=""
for tool in make gcc ld flex bison bc perl tar xz; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
[ -f /usr/include/gelf.h ] || missing="$missing gelf.h(libelf-dev)"
[ -f /usr/src/linux-source-6.12.tar.xz ] || missing="$missing /usr/src/linux-source-6.12.tar.xz(linux-source-6.12)"
if [ -n "$missing" ]; then
    echo "the test kernel's build needs:$missing; install them with Tests/packages.sh test (apt-get install linux-source-6.12 build-essential flex bison bc libelf-dev xz-utils)" >&2
    exit 1
fi
[ "${1:-}" = --check ] && { echo "kernel build prerequisites: present"; exit 0; }
VERSION=$(dpkg-query -W -f '${Version}' linux-source-6.12)
KEY=$(echo "$VERSION $OPTIONS" | sha256sum | cut -c1-12)
OUT=$CACHE/kernel-$KEY
if [ ! -f "$OUT/bzImage" ]; then
    BUILD=$CACHE/kbuild-$KEY
    rm -rf "$BUILD"; mkdir -p "$BUILD"
    tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$BUILD"
    cd "$BUILD"/linux-source-6.12
    make tinyconfig >/dev/null
    ./scripts/config $(for o in $OPTIONS; do printf -- '--enable %s ' "$o"; done)
    make olddefconfig >/dev/null
    for o in IDLE_PAGE_TRACKING MEM_SOFT_DIRTY DAMON_DBGFS_DEPRECATED; do
        grep -q "^CONFIG_$o=y" .config || { echo "kernel config lacks CONFIG_$o" >&2; exit 1; }
    done
    make -j"$(nproc)" bzImage >"$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log" >&2; exit 1; }
    mkdir -p "$OUT"; cp arch/x86/boot/bzImage .config "$OUT/"
    rm -rf "$BUILD"
fi
echo "$OUT/bzImage"
