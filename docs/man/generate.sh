#!/usr/bin/env bash
# Regenerates swamond.8, swamonctl.1 and swamon-sysfs.8 from the argument parsers (swift-argument-parser's
# generate-manual), so the man pages say exactly what --help says. swamond.conf.5 is written by
# hand. Tests/man-pages.sh checks that the committed pages are current.
#   docs/man/generate.sh [OUTPUT_DIRECTORY]       (default: docs/man)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-docs/man}
swift build --product generate-manual >/dev/null
swift build --product swamond >/dev/null
swift build --product swamonctl >/dev/null
swift build --product swamon-sysfs >/dev/null
bin=$(swift build --show-bin-path)
mkdir -p "$out"
# A fixed date keeps regeneration reproducible: the date of the last change to the sources.
date=$(git log -1 --format=%cs -- Sources/swamond Sources/swamonctl Sources/swamon-sysfs 2>/dev/null || true)
date=${date:-2026-11-29}
"$bin/generate-manual" "$bin/swamond" --section 8 --date "$date" -o "$out"
"$bin/generate-manual" "$bin/swamonctl" --section 1 --date "$date" -o "$out"
"$bin/generate-manual" "$bin/swamon-sysfs" --section 8 --date "$date" -o "$out"
# Blank lines between the help text's paragraphs become mdoc paragraph breaks.
sed -i 's/^$/.Pp/' "$out/swamond.8" "$out/swamonctl.1" "$out/swamon-sysfs.8"
