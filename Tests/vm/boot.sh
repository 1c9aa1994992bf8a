#!/usr/bin/env bash
# Boots the tier-3 guest once: the cached test kernel (kernel.sh), a busybox initramfs holding
# static swamond, swamonctl, swamon-workload, swamon-minimal-sampler and the conformance script,
# plus GUEST_INIT as /init, under QEMU's software emulation (-cpu qemu64; KVM is not usable here).
# Writes the guest's serial output, cleaned of terminal escapes, to OUTPUT.
# Words in $SWAMON_VM_APPEND are added to the kernel command line; `NAME=value` words the kernel
# does not know reach the init script as environment variables.
#   usage: Tests/vm/boot.sh GUEST_INIT OUTPUT [MEMORY_MIB]      Tests/vm/boot.sh --check: prerequisites only
set -uo pipefail
cd "$(dirname "$0")/../.."
GUEST_INIT=${1:-} OUTPUT=${2:-} MEMORY=${3:-1536}
for need in qemu-system-x86_64:qemu-system-x86 cpio:cpio; do
    command -v "${need%%:*}" >/dev/null || { echo "tier 3 needs ${need%%:*}: apt-get install ${need##*:} (Tests/packages.sh test)" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "tier 3 needs /bin/busybox: apt-get install busybox-static (Tests/packages.sh test)" >&2; exit 1; }
if [ "${1:-}" = --check ]; then Tests/vm/kernel.sh --check; echo "guest prerequisites: present"; exit; fi
KERNEL=$(Tests/vm/kernel.sh) || exit 1
swift build -c release --static-swift-stdlib >/tmp/swamon-vm-build.log 2>&1 || { tail -20 /tmp/swamon-vm-build.log >&2; exit 1; }
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
R=$(mktemp -d); WORK=$(mktemp -d)
trap 'rm -rf "$R" "$WORK"' EXIT
mkdir -p "$R"/{bin,proc,sys,dev,tmp,lib/x86_64-linux-gnu,lib64}
cp /bin/busybox "$R/bin/"
for b in swamond swamonctl swamon-workload swamon-minimal-sampler; do
    cp "$BIN/$b" "$R/bin/"
    for lib in $(ldd "$BIN/$b" | awk '/=> \//{print $3}'); do cp -L "$lib" "$R/lib/x86_64-linux-gnu/"; done
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
cp "$GUEST_INIT" "$R/init"; chmod +x "$R/init"
cp Tests/conformance/conformance.sh Tests/vm/guest-lib.sh "$R/bin/"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$WORK/initramfs.gz"
# tsc=reliable with the host's TSC rate: without it the guest's clock drifts under emulation.
TSC=$(awk -F': ' '/^cpu MHz/{printf "%d", $2*1000; exit}' /proc/cpuinfo)
timeout 2400 qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64 -m "$MEMORY" -smp 2,sockets=2,cores=1,threads=1 \
    -kernel "$KERNEL" -initrd "$WORK/initramfs.gz" \
    -append "console=ttyS0 quiet panic=-1 tsc=reliable tsc_early_khz=$TSC ${SWAMON_VM_APPEND:-}" \
    -nographic -no-reboot -nic none >"$WORK/guest.log" 2>&1
sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/\r//g' "$WORK/guest.log" > "$OUTPUT"
