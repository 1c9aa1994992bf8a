#!/usr/bin/env bash
# The host test suite under ThreadSanitizer and AddressSanitizer, each in a build directory of
# its own (.build-tsan, .build-asan). The end-to-end tests start the swamond and swamonctl of the
# same build, so the daemon runs instrumented too. Not part of Tests/run.sh (each run takes about
# three times the plain suite); prints the sanitizer reports, if any, and exits non-zero on one.
#   Tests/sanitizers.sh [thread|address]...     (default: both)
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for sanitizer in "${@:-thread address}"; do
    for s in $sanitizer; do
        dir=.build-${s:0:1}san
        log=/tmp/swamon-$s-sanitizer.log
        echo "== $s sanitizer ($dir)"
        if swift build --build-tests --sanitize="$s" --scratch-path "$dir" >"$log" 2>&1 \
            && TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1" ASAN_OPTIONS="detect_leaks=0" \
                swift test --skip-build --sanitize="$s" --scratch-path "$dir" >>"$log" 2>&1; then
            echo "PASS $s sanitizer: no report"
        else
            status=1
            echo "FAIL $s sanitizer:"; grep -E "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|SUMMARY|✘ Test run" "$log" | sort | uniq -c | head -20
        fi
    done
done
exit $status
