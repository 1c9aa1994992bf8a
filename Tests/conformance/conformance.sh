#!/bin/sh
# The DAMON debugfs conformance cases — the kernel's debugfs selftests
# (tools/testing/selftests/damon/debugfs_*.sh) plus the contract's error rules — run against
# either the kernel's DAMON debugfs directory or a swamond socket, one line per case:
#     case NAME STEP;STEP;…
# where each step is `ok`, an errno name, or `=CONTENT` for a read (newlines shown as `|`; pids
# shown as P1/P2, a kdamond pid as PID). Runs under busybox sh. Needs two spare processes to
# use as targets; it starts `sleep` for them.
#   usage: conformance.sh debugfs /sys/kernel/debug/damon
#          conformance.sh swamond /run/swamond/swamond.sock   (swamonctl in PATH)
MODE=$1 WHERE=$2
SWITCH=monitor_on
[ "$MODE" = debugfs ] && [ -e "$WHERE/monitor_on_DEPRECATED" ] && SWITCH=monitor_on_DEPRECATED
[ "$MODE" = swamond ] && export SWAMON_SOCKET="$WHERE"

sleep 600 & P1=$!
sleep 600 & P2=$!

errno_of() {
    case "$1" in
        *"Invalid argument"*) echo EINVAL ;;
        *"resource busy"*) echo EBUSY ;;
        *"Operation not permitted"*) echo EPERM ;;
        *"No such file"*) echo ENOENT ;;
        *"File exists"*) echo EEXIST ;;
        *"Permission denied"*) echo EACCES ;;
        *"Argument list too long"*) echo E2BIG ;;
        *"not supported"*) echo ENOTSUP ;;
        *"Cannot allocate"*) echo ENOMEM ;;
        *"No such device"*) echo ENODEV ;;
        *"No such process"*) echo ESRCH ;;
        *) echo "ERR($1)" ;;
    esac
}

path() { [ "$1" = monitor_on ] && echo "$SWITCH" || echo "$1"; }

normalise() {
    sed -e "s/\b$P1\b/P1/g" -e "s/\b$P2\b/P2/g" | tr '\n' '|'
}

# swamonctl_errno MESSAGE: the errno name of "swamonctl: EINVAL: message".
swamonctl_errno() { err=${1#swamonctl: }; err=${err%% *}; echo "${err%:}"; }

# w FILE CONTENT…: writes CONTENT and a newline in one write, as the selftests' `echo` does;
# prints ok or the errno name (dd reports the failed write's error).
w() {
    f=$(path "$1"); shift
    if [ "$MODE" = debugfs ]; then
        err=$(printf '%s\n' "$*" | dd of="$WHERE/$f" bs=65536 2>&1) && echo ok || errno_of "$err"
    else
        err=$(swamonctl write "$f" "$*" 2>&1 >/dev/null) && echo ok || swamonctl_errno "$err"
    fi
}

# r FILE: prints =CONTENT or the errno name.
r() {
    f=$(path "$1")
    if [ "$MODE" = debugfs ]; then
        out=$(cat "$WHERE/$f" 2>/tmp/conformance.err; echo x) || true
        [ -s /tmp/conformance.err ] && { errno_of "$(cat /tmp/conformance.err)"; return; }
    else
        out=$(swamonctl read "$f" 2>/tmp/conformance.err; echo x) || true
        [ -s /tmp/conformance.err ] && { swamonctl_errno "$(cat /tmp/conformance.err)"; return; }
    fi
    echo "=$(printf '%s' "${out%x}" | normalise)"
}

# rs: reads schemes, each line cut to its 18 input numbers (the statistics after them differ by
# kernel version: two in 5.16, five later; the schemes_valid case shows them whole).
rs() { r schemes | awk -v RS='|' -v ORS='|' '{ line = $1; for (i = 2; i <= 18 && i <= NF; i++) line = line " " $i; print line }' | sed 's/|$//'; }

# rpid: reads kdamond_pid with a number shown as PID.
rpid() { r kdamond_pid | sed 's/^=[0-9][0-9]*|$/=PID|/'; }

# case NAME STEPS…: each STEP is a shell snippet whose output is one verdict.
RESULT=""
step() { RESULT="$RESULT${RESULT:+;}$("$@")"; }
report() { echo "case $1 $RESULT"; RESULT=""; }
reset() { w monitor_on off >/dev/null; w target_ids "" >/dev/null; w schemes "" >/dev/null; w attrs "5000 100000 1000000 10 1000" >/dev/null; }

reset
# debugfs_attrs.sh and the attrs rules.
step w attrs "1 2 3 4 5"; step r attrs; report attrs_valid
step w attrs "1 2 3 4"; step r attrs; report attrs_too_few
step w attrs "1 2 3 5 4"; step r attrs; report attrs_min_above_max
step w attrs "1 2 3 2 4"; report attrs_min_regions_below_3
step w attrs "0 2 3 4 5"; report attrs_zero_sample_interval
step w attrs "5 2 3 4 5"; report attrs_sample_above_aggregation
step w attrs "1 2 3 4 99999999999999999999999"; step r attrs; report attrs_overflow
step w attrs "5000 100000 1000000 10 1000 trailing words"; step r attrs; report attrs_trailing_words
step w attrs "abc"; report attrs_not_numbers
# debugfs_target_ids.sh and the target_ids rules.
step r target_ids; report target_ids_initially_empty
step w target_ids "$P1 $P2"; step r target_ids; report target_ids_valid
step w target_ids "$P1 $P2 abc $P1"; step r target_ids; report target_ids_garbage_after
step w target_ids "abc $P1"; step r target_ids; report target_ids_garbage_first
step w target_ids "$P1"; step w target_ids "$P2 999999999"; step r target_ids; report target_ids_unknown_pid
step w target_ids "-1"; step r target_ids; report target_ids_negative
step w target_ids ""; step r target_ids; report target_ids_empty
step w target_ids "paddr"; step r target_ids; report target_ids_paddr
step w target_ids ""; report target_ids_reset
# init_regions (dbgfs KUnit inputs).
step w target_ids "$P1 $P2"; step w init_regions "$P2 10 20 $P1 39 59 $P1 70 134 $P2 20 25"; step r init_regions; report init_regions_by_pid
step w init_regions "1 10 20 0 39 59 0 70 134 1 20 25"; step r init_regions; report init_regions_by_index
step w init_regions "$P1 10 20 $P1 14 26"; step r init_regions; report init_regions_overlap
step w init_regions "$P1 20 10"; report init_regions_reversed
step w target_ids ""; report init_regions_reset
# debugfs_schemes.sh and the schemes rules.
step w schemes "1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1"; step r schemes; report schemes_valid
VALID="1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1"
step w schemes "$VALID"; step w schemes '1 2\n3 4 5 6 3 0 0 0 1 2 3 1 100 3 2 1'; step rs; report schemes_multi_lines
step w schemes "$VALID"; step w schemes "1 2 3 4 5 6 9 0 0 0 1 2 3 1 100 3 2 1"; step rs; report schemes_invalid_action
step w schemes "$VALID"; step w schemes "2 1 2 1 10 1 3 10 1 1 1 1 1 1 1 1 2 3"; step rs; report schemes_min_above_max
step w schemes "$VALID"; step w schemes "$VALID garbage"; step rs; report schemes_trailing_garbage
step w schemes ""; step r schemes; report schemes_empty
# debugfs_duplicate_context_creation.sh, debugfs_rm_non_contexts.sh and the context rules.
step w mk_contexts foo; step w mk_contexts foo; step r foo/attrs; report mk_contexts_duplicate
step w rm_contexts foo; step r foo/attrs; report rm_contexts_existing
step w rm_contexts bar; report rm_contexts_missing
for f in attrs target_ids init_regions schemes kdamond_pid mk_contexts rm_contexts monitor_on; do
    step w rm_contexts "$(path $f)"; report "rm_contexts_file_$f"
done
step r mk_contexts; report read_mk_contexts
step r rm_contexts; report read_rm_contexts
step r nonexistent; report read_missing_file
# debugfs_empty_targets.sh and monitor_on.
step r monitor_on; report monitor_on_initially_off
step w target_ids ""; step w monitor_on on; step r monitor_on; report monitor_on_empty_targets
step w monitor_on off; report monitor_off_when_off
step w monitor_on maybe; report monitor_on_bad_word
step w target_ids "$P1"; step w monitor_on on; step r monitor_on; step w monitor_on on; report monitor_on_running
step rpid; report kdamond_pid_running
step w attrs "5000 100000 1000000 10 1000"; step w target_ids "$P2"; step w schemes ""; step w mk_contexts foo; report writes_while_running
step w monitor_on off; step r monitor_on; step r kdamond_pid; step r target_ids; report monitor_off
# A target that exits ends monitoring.
sleep 600 & P3=$!
step w target_ids "$P3"; step w monitor_on on; report monitor_on_target
kill -9 $P3; wait $P3 2>/dev/null
i=0; while [ $i -lt 50 ] && [ "$(r monitor_on)" = "=on|" ]; do sleep 0.1; i=$((i + 1)); done
step r monitor_on; report monitor_stops_when_target_exits
reset
kill -9 $P1 $P2 2>/dev/null
echo "conformance done $MODE"
