// libsystemd's daemon and journal APIs (from libsystemd-dev). Swift cannot call the variadic
// sd_journal_send(); SwamonSystemd uses sd_journal_sendv().
#pragma once
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
