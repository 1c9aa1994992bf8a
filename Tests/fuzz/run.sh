#!/usr/bin/env bash
# Fuzzing with libFuzzer: builds swamon-fuzz-parsers (every text swamon parses from outside:
# request lines, each protocol file, the configuration file, workload configurations, /proc
# files; with round-trip checks) and swamon-fuzz-registry (request sequences from three kinds of
# peers fed to the daemon's registry, every file read back after each) with
# -sanitize=fuzzer, and runs each for SECONDS (default 30) from the corpus in
# Tests/fuzz/corpus/NAME, in a scratch copy. A crash, a trap or a broken invariant fails the run
# and leaves the input in Tests/fuzz/crashes/. Prints the executions of each and a closing
# "N passed, M failed" line.
#   Tests/fuzz/run.sh [SECONDS]            SWAMON_FUZZ_KEEP=1 also adds new inputs to the corpus
#   Tests/fuzz/run.sh --build-only         build the two fuzzers and stop
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-${SWAMON_FUZZ_SECONDS:-30}}
BUILD=(swift build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING
    -Xlinker --allow-multiple-definition)
passed=0; failed=0
mkdir -p Tests/fuzz/crashes
for name in parsers registry; do
    "${BUILD[@]}" --product "swamon-fuzz-$name" >/tmp/swamon-fuzz-build.log 2>&1 || { tail -20 /tmp/swamon-fuzz-build.log; exit 1; }
done
[ "${1:-}" = --build-only ] && { echo "fuzzers built"; exit 0; }
for name in parsers registry; do
    corpus=$(mktemp -d)
    cp Tests/fuzz/corpus/$name/* "$corpus/"
    log=/tmp/swamon-fuzz-$name.log
    ".build-fuzz/release/swamon-fuzz-$name" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=Tests/fuzz/crashes/$name- -print_final_stats=1 "$corpus" >"$log" 2>&1
    status=$?
    runs=$(awk '/^stat::number_of_executed_units:/{print $2}' "$log")
    if [ $status = 0 ]; then
        echo "PASS fuzz $name: ${runs:-?} executions in ${SECONDS_EACH} s, no crash"; passed=$((passed + 1))
        [ -n "${SWAMON_FUZZ_KEEP:-}" ] && cp -n "$corpus"/* "Tests/fuzz/corpus/$name/"
    else
        echo "FAIL fuzz $name (exit $status):"; grep -E "ERROR|invariant broken|Fatal error|Test unit written" "$log" | head -10
        failed=$((failed + 1))
    fi
    rm -rf "$corpus"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
