#!/usr/bin/env bash
# Runs every test that needs nothing but this machine: builds everything warning-free in Swift 6
# mode (warnings are errors), then runs the unit, property and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
