#define _GNU_SOURCE
#include "swamon_syscalls.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int swamon_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int swamon_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }

int swamon_become_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int swamon_end_with_parent(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }

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
int swamon_malloc_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

long swamon_process_madvise(int pidfd, const unsigned long long *starts, const unsigned long long *lengths,
                            unsigned long count, int advice) {
    struct iovec ranges[1024];
    if (count > 1024) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned long i = 0; i < count; i++) {
        ranges[i].iov_base = (void *)(uintptr_t)starts[i];
        ranges[i].iov_len = (size_t)lengths[i];
    }
    return syscall(SYS_process_madvise, pidfd, ranges, count, advice, 0U);
}

void swamon_set_thread_name(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
