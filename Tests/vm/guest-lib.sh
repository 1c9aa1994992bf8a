# Shared by the guest inits (packed as /bin/guest-lib.sh by boot.sh; source it).

# start_swamond [CPU]: swamond on /tmp/swamond.sock (pinned to CPU when given), its log in
# /tmp/swamond.log; exports SWAMON_SOCKET and SWAMOND (its pid). If it does not come up, says so
# as a GUEST error line and ends the guest.
start_swamond() {
    if [ -n "${1:-}" ]; then
        taskset -c "$1" /bin/swamond --socket /tmp/swamond.sock --set journal_every=0 2>/tmp/swamond.log &
    else
        /bin/swamond --socket /tmp/swamond.sock --set journal_every=0 2>/tmp/swamond.log &
    fi
    for _ in $(seq 150); do [ -S /tmp/swamond.sock ] && break; sleep 0.2; done
    [ -S /tmp/swamond.sock ] || { echo "GUEST error swamond did not start: $(tr '\n' '|' </tmp/swamond.log)"; echo "GUEST done"; reboot -f; }
    export SWAMON_SOCKET=/tmp/swamond.sock
    SWAMOND=$(pidof swamond)
    export SWAMOND
}
