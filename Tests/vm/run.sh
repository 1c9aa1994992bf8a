#!/usr/bin/env bash
# Tier 3: real access bits. Boots the test kernel (Tests/vm/kernel.sh: idle page tracking,
# soft-dirty, DAMON) under QEMU's software emulation with a busybox initramfs holding swamond,
# swamonctl and the workload, runs Tests/vm/guest-init.sh, and judges each backend against the
# workload's ground truth: of the bytes reported accessed inside the workload's buffer, the share
# in the hot range (precision), and the share of the hot range reported accessed (recall); both
# must reach 90 %. Prints the figures and a closing "N passed, M failed" line.
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
KERNEL=$(Tests/vm/kernel.sh) || exit 1
swift build -c release --static-swift-stdlib >/tmp/swamon-vm-build.log 2>&1 || { tail -20 /tmp/swamon-vm-build.log; exit 1; }
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
R=$(mktemp -d); OUT=$(mktemp -d)
trap 'rm -rf "$R" "$OUT"' EXIT
mkdir -p "$R"/{bin,proc,sys,dev,tmp,lib/x86_64-linux-gnu,lib64}
cp /bin/busybox "$R/bin/"
for b in swamond swamonctl swamon-workload; do
    cp "$BIN/$b" "$R/bin/"
    for lib in $(ldd "$BIN/$b" | awk '/=> \//{print $3}'); do cp -L "$lib" "$R/lib/x86_64-linux-gnu/"; done
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
cp Tests/vm/guest-init.sh "$R/init"; chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$OUT/initramfs.gz"
TSC=$(awk -F': ' '/^cpu MHz/{printf "%d", $2*1000; exit}' /proc/cpuinfo)
timeout 900 qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64 -m 1536 -smp 2,sockets=2,cores=1,threads=1 \
    -kernel "$KERNEL" -initrd "$OUT/initramfs.gz" \
    -append "console=ttyS0 quiet panic=-1 tsc=reliable tsc_early_khz=$TSC" \
    -nographic -no-reboot -nic none >"$OUT/guest.log" 2>&1
sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' "$OUT/guest.log" > "$OUT/guest.txt"
cp "$OUT/guest.txt" "${SWAMON_VM_LOG:-/tmp/swamon-vm-guest.txt}"
grep -E '^GUEST (kernel|workload|probe|error|status|done)' "$OUT/guest.txt"
python3 - "$OUT/guest.txt" "$started" <<'PY'
import sys, time, statistics
lines = [l.split() for l in open(sys.argv[1]) if l.startswith("GUEST ")]
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if ok: passed += 1
    else: failed += 1
work = next((l for l in lines if l[1] == "workload"), None)
check("guest ran to the end", any(l[1] == "done" for l in lines))
if work:
    rng = lambda t: tuple(int(x, 16) for x in t.split("-"))
    hot, cold = rng(work[6]), rng(work[8])
    buf = (hot[0], cold[1])
    def overlap(a, b): return max(0, min(a[1], b[1]) - max(a[0], b[0]))
    for backend in ("page_idle", "soft_dirty"):
        snaps = {}
        for l in lines:
            if l[1] == "regions" and l[2] == backend:
                snaps.setdefault(l[3], []).append((int(l[5], 16), int(l[6], 16), int(l[7])))
        precisions, recalls, counts = [], [], []
        for regions in snaps.values():
            acc = [(s, e) for s, e, n in regions if n > 0]
            in_buf = sum(overlap(r, buf) for r in acc)
            in_hot = sum(overlap(r, hot) for r in acc)
            precisions.append(in_hot / in_buf if in_buf else 0.0)
            recalls.append(in_hot / (hot[1] - hot[0]))
            counts.append(len(regions))
        if not snaps:
            check(f"{backend}: monitored the workload", False, "no regions reported")
            continue
        p, r = statistics.median(precisions), statistics.median(recalls)
        print(f"RESULT {backend} precision {p:.3f} recall {r:.3f} regions {statistics.median(counts)} "
              f"(per snapshot: precision {[round(x, 3) for x in precisions]}, recall {[round(x, 3) for x in recalls]})")
        check(f"{backend}: >= 90 % of accessed bytes in the buffer are hot", p >= 0.9, f"{p:.3f}")
        check(f"{backend}: >= 90 % of the hot range reported accessed", r >= 0.9, f"{r:.3f}")
print(f"vm tier took {int(time.time()) - int(sys.argv[2])} s")
print(f"vm: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
