#!/usr/bin/env bash
# Installs the real damo from PyPI (3.4.3, unmodified) into a virtual environment cached in
# /var/cache/swamon, for the tests that read swamon's record files with it. Prints damo's path.
# Needs python3 with venv (Debian: python3-venv, from Tests/packages.sh test) and PyPI.
set -euo pipefail
version=3.4.3
dir=/var/cache/swamon/damo-$version
if [ ! -x "$dir/bin/damo" ]; then
    rm -rf "$dir.partial"
    python3 -m venv "$dir.partial" >&2
    "$dir.partial/bin/pip" install --quiet --disable-pip-version-check "damo==$version" >&2
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    # The venv's scripts name their interpreter by the path it was made at.
    sed -i "1s|$dir.partial|$dir|" "$dir"/bin/*
fi
echo "$dir/bin/damo"
