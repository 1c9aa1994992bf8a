#!/usr/bin/env bash
# Makes docs/heatmap/zigzag.{data,svg,png}: swamond monitors the workload generator's zigzag
# pattern (masim's zigzag_30secs) for its 30 seconds, swamonctl records it and draws the heatmap.
# Run from anywhere after `swift build`, as root or a member of the control group; needs
# rsvg-convert (librsvg2-bin). The access check is whatever this kernel offers (auto).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
out=docs/heatmap
work=$(mktemp -d)
trap 'kill "$daemon" "$workload" 2>/dev/null; rm -rf "$work"' EXIT
printf 'journal_every = 0\n' >"$work/swamond.conf"
"$bin/swamond" --config "$work/swamond.conf" --socket "$work/swamond.sock" 2>"$work/swamond.log" &
daemon=$!
for _ in $(seq 100); do [ -S "$work/swamond.sock" ] && break; sleep 0.1; done
ctl() { "$bin/swamonctl" --socket "$work/swamond.sock" "$@"; }
"$bin/swamon-workload" --pattern zigzag >/dev/null &
workload=$!
ctl attrs 5000 100000 1000000 10 1000
ctl targets "$workload"
ctl start
ctl record --duration 30s --output "$out/zigzag.data"
ctl report heatmap --input "$out/zigzag.data" --output "$out/zigzag.svg"
ctl report heatmap --input "$out/zigzag.data" --output "$out/zigzag.png"
ctl report access --input "$out/zigzag.data" --sort access | head -12
