#define _GNU_SOURCE
#include "swamon_syscalls.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int swamon_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int swamon_gettid(void) { return (int)syscall(SYS_gettid); }

int swamon_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int swamon_wait_readable(int fd, unsigned long long nanoseconds) {
    struct pollfd entry = {.fd = fd, .events = POLLIN};
    struct timespec timeout = {.tv_sec = (time_t)(nanoseconds / 1000000000ULL),
                               .tv_nsec = (long)(nanoseconds % 1000000000ULL)};
    return ppoll(&entry, 1, &timeout, NULL);
}

#include <malloc.h>
void swamon_malloc_trim(void) { malloc_trim(0); }
