#!/usr/bin/env bash
# Checks that docs/man/swamond.8, swamonctl.1 and swamon-sysfs.8 are what docs/man/generate.sh makes from the
# current argument parsers (the date line aside), and that every man page renders without
# warnings. Prints one PASS/FAIL line per page.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
docs/man/generate.sh "$out" >/dev/null
failed=0
for page in swamond.8 swamonctl.1 swamon-sysfs.8; do
    if diff <(grep -v '^\.Dd ' "docs/man/$page") <(grep -v '^\.Dd ' "$out/$page") >/dev/null; then
        echo "PASS man page $page is current"
    else
        echo "FAIL man page $page differs from the argument parser: run docs/man/generate.sh"; failed=1
    fi
done
for page in docs/man/swamond.8 docs/man/swamonctl.1 docs/man/swamon-sysfs.8 docs/man/swamond.conf.5; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null | grep -v 'cannot adjust\|can.t break' || true)
    if [ -z "$warnings" ]; then echo "PASS man page $page renders"; else echo "FAIL man page $page: $warnings"; failed=1; fi
done
exit $failed
