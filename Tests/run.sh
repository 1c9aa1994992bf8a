#!/usr/bin/env bash
# Runs every test (as root; it installs what the tests need with Tests/packages.sh):
#  1. builds everything warning-free in Swift 6 mode (warnings are errors) and runs the unit,
#     property and end-to-end tests (real daemon, real processes, real journald); checks that the
#     man pages say what --help says; replays the fuzz corpus and fuzzes each target for 30 s
#     (Tests/fuzz/run.sh; SWAMON_FUZZ_SECONDS changes that); installs the real damo from PyPI
#     into a venv (Tests/damo/setup.sh) for the record-file tests; checks that every mutant of
#     Tests/mutation/mutants.txt still applies (the mutation run itself is Tests/mutation/run.py);
#     builds swamond as systemd/install.sh does and checks how it is linked (Tests/release-link.sh);
#  2. tier 2, swamond under a real systemd in systemd-nspawn (Tests/nspawn/run.sh);
#  3. tier 3, real access bits in a QEMU guest running a kernel with idle page tracking,
#     soft-dirty and DAMON (Tests/vm/run.sh), and the conformance script against that kernel's
#     DAMON debugfs (Tests/vm/conformance.sh), and DAMOS side by side with the kernel's
#     (Tests/vm/damos.sh). The kernel is built once and cached in /var/cache/swamon;
#  4. the fresh-machine test: the README's two commands in a clean Debian 12 root
#     (Tests/fresh/run.sh; not run again inside that root).
# SWAMON_SKIP_NSPAWN=1, SWAMON_SKIP_VM=1 or SWAMON_SKIP_FRESH=1 skip a tier, saying so.
# --prepare-only: install, build (tests and the fuzzers included) and check every tier's
# prerequisites, without running the suites (what the fresh-machine test runs in its root).
set -euo pipefail
cd "$(dirname "$0")/.."
Tests/packages.sh test
swift build --build-tests -Xswiftc -warnings-as-errors
Tests/damo/setup.sh >/dev/null
if [ "${1:-}" = --prepare-only ]; then
    Tests/fuzz/run.sh --build-only
    Tests/nspawn/run.sh --check
    Tests/vm/boot.sh --check
    docs/man/generate.sh "$(mktemp -d)" >/dev/null
    echo "prepared: everything builds and every tier's prerequisites are installed"
    exit 0
fi
swift test --skip-build
Tests/mutation/run.py --check
bin=$(swift build --show-bin-path)
"$bin/swamon-fuzz-parsers" Tests/fuzz/corpus/parsers
"$bin/swamon-fuzz-registry" Tests/fuzz/corpus/registry
Tests/man-pages.sh
Tests/release-link.sh
Tests/fuzz/run.sh "${SWAMON_FUZZ_SECONDS:-30}"
if [ -n "${SWAMON_SKIP_NSPAWN:-}" ]; then
    echo "nspawn tier skipped: SWAMON_SKIP_NSPAWN is set"
elif [ "$(id -u)" != 0 ]; then
    echo "nspawn tier skipped: needs root"
else
    Tests/nspawn/run.sh
fi
if [ -n "${SWAMON_SKIP_VM:-}" ]; then
    echo "vm tier skipped: SWAMON_SKIP_VM is set"
else
    Tests/vm/run.sh
    Tests/vm/conformance.sh
    Tests/vm/damos.sh
fi
if [ -n "${SWAMON_SKIP_FRESH:-}" ]; then
    echo "fresh-machine test skipped: SWAMON_SKIP_FRESH is set"
elif [ -n "${SWAMON_IN_FRESH_ROOT:-}" ]; then
    echo "fresh-machine test not repeated inside the fresh root"
elif [ "$(id -u)" != 0 ]; then
    echo "fresh-machine test skipped: needs root (debootstrap, chroot, mounts)"
else
    Tests/fresh/run.sh
fi
