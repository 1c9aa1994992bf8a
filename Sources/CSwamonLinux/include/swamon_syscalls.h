// Non-variadic wrappers for the system calls glibc exposes only through syscall(2), which Swift
// cannot call (it is variadic).
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline int swamon_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

static inline pid_t swamon_gettid(void) { return (pid_t)syscall(SYS_gettid); }

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>

static inline int swamon_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

/// Waits up to `nanoseconds` for `fd` to become readable; 1 if it did, 0 on timeout, -1 on error.
static inline int swamon_wait_readable(int fd, unsigned long long nanoseconds) {
    struct pollfd entry = {.fd = fd, .events = POLLIN};
    struct timespec timeout = {.tv_sec = (time_t)(nanoseconds / 1000000000ULL),
                               .tv_nsec = (long)(nanoseconds % 1000000000ULL)};
    return ppoll(&entry, 1, &timeout, NULL);
}
