#!/bin/sh
# Runs the kernel's own DAMON sysfs selftests (tools/testing/selftests/damon of Debian's
# linux-source-6.12, unmodified unless said) against swamon-sysfs, each through
# `swamonctl damo` (a private mount namespace with swamon-sysfs over /sys/kernel/mm/damon).
# Prints one line per test: PASS NAME, or FAIL NAME: the test's last line of output.
#   sysfs.sh                    as shipped
#   sysfs.sh-absent-features    without the checks of the files swamond lacks (apply_interval_us,
#                               filters, quotas/goals): everything else of the tree
#   *.py                        with _damon_sysfs.py skipping writes of 0 to those absent files
#                               (and reading their nr_* as 0), as damo does
# Usage: Tests/sysfs/selftests.sh SWAMONCTL SOCKET [TEST…]
set -eu
swamonctl=$(realpath "$1")
socket=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || { echo "needs $tarball (apt-get install linux-source-6.12)" >&2; exit 69; }
version=$(dpkg-query -W -f '${Version}' linux-source-6.12)
cache=/var/cache/swamon/damon-selftests-$version
if [ ! -f "$cache/.complete" ]; then
    rm -rf "$cache" && mkdir -p "$cache"
    tar -xJf "$tarball" -C "$cache" --strip-components=5 linux-source-6.12/tools/testing/selftests/damon
    touch "$cache/.complete"
fi
work=$(mktemp -d /tmp/swamon-selftests.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$cache"/. "$work"/
cd "$work"
cc=$(command -v cc || command -v clang)
for program in access_memory access_memory_even; do "$cc" -O2 -o "$program" "$program.c"; done
sed -e '/apply_interval_us/d' -e '/test_filters "\$scheme_dir/d' -e '/test_goals "\$quotas_dir/d' sysfs.sh > sysfs.sh-absent-features
python3 - <<'PATCH'
source = open('_damon_sysfs.py').read()
source = source.replace('''def write_file(path, string):
    "Returns error string if failed, or None otherwise"
    string = '%s' % string
''', '''def write_file(path, string):
    "Returns error string if failed, or None otherwise"
    string = '%s' % string
    if (not os.path.exists(path) and string == '0' and
            os.path.basename(path) in ['apply_interval_us', 'nr_filters', 'nr_goals']):
        return None
''')
source = source.replace('''    the reading failed\'\'\'
''', '''    the reading failed\'\'\'
    if not os.path.exists(path) and os.path.basename(path) in ['nr_filters', 'nr_goals']:
        return '0', None
''')
open('_damon_sysfs.py', 'w').write(source)
PATCH
grep -q "basename(path) in \['nr_filters'" _damon_sysfs.py || { echo "the _damon_sysfs.py patch no longer applies" >&2; exit 70; }

# A test that ends leaves its kdamonds to stop when their targets are reaped; the next one
# would find them on (EBUSY, as on the kernel).
settle() {
    for _ in $(seq 100); do
        "$swamonctl" --socket "$socket" status | grep -q 'context=kdamond[0-9]* state=on' || return 0
        sleep 0.1
    done
}

tests=${*:-sysfs.sh sysfs.sh-absent-features damon_nr_regions.py damos_quota.py damos_quota_goal.py damos_apply_interval.py damos_tried_regions.py sysfs_update_schemes_tried_regions_hang.py sysfs_update_schemes_tried_regions_wss_estimation.py}
for test in $tests; do
    settle
    case $test in
        *.py) run="python3 $test" ;;
        *) run="bash $test" ;;
    esac
    if output=$(timeout 300 "$swamonctl" --socket "$socket" damo --damo /bin/sh -- "$here/guarded.sh" $run 2>&1); then
        echo "PASS $test"
    else
        echo "FAIL $test: $(printf '%s\n' "$output" | tail -n 1)"
    fi
done
