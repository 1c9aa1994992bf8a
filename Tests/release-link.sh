#!/usr/bin/env bash
# How release builds link swamond (Package.swift, daemonReleaseLinking): no dynamic symbol table
# of its own and, where glibc is 2.36 or later, lld with packed relative relocations (DT_RELR).
# Builds swamond as systemd/install.sh does and checks its ELF headers; prints what it found.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build -c release --static-swift-stdlib --product swamond >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)/swamond
exported=$(readelf --dyn-syms -W "$bin" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND"' | wc -l)
if [ "$exported" -gt 16 ]; then
    echo "release link: swamond exports $exported symbols (expected none of its own: --no-export-dynamic)" >&2
    exit 1
fi
glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
relocations="relative relocations unpacked (glibc $glibc is older than 2.36)"
if [ "$(printf '%s\n' 2.36 "$glibc" | sort -V | head -1)" = 2.36 ]; then
    readelf -SW "$bin" | grep -q ' \.relr\.dyn ' || { echo "release link: swamond has no .relr.dyn although glibc is $glibc" >&2; exit 1; }
    relocations="relative relocations packed (.relr.dyn, glibc $glibc)"
fi
echo "release link: swamond exports $exported symbols, $relocations"
