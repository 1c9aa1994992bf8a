// Non-variadic wrappers for system calls Swift cannot reach directly: syscall(2) is variadic,
// and ppoll/eventfd need _GNU_SOURCE, which must not leak into the headers Swift's Glibc module
// also compiles (the implementations live in shim.c).
#pragma once

int swamon_pidfd_open(int pid);
/// `pidfd_send_signal(pidfd, sig, NULL, 0)`; signal 0 only checks that the process still exists.
int swamon_pidfd_send_signal(int pidfd, int sig);
int swamon_gettid(void);
/// `prctl(PR_SET_CHILD_SUBREAPER, 1)`: orphaned descendants become this process's children.
int swamon_become_child_subreaper(void);
/// `prctl(PR_SET_PDEATHSIG, sig)`: `sig` arrives when the parent ends.
int swamon_end_with_parent(int sig);
int swamon_eventfd(void);
/// Waits up to `nanoseconds` for `fd` to become readable: 1 if it did, 0 on timeout, -1 on error.
int swamon_wait_readable(int fd, unsigned long long nanoseconds);
/// Returns freed heap memory to the system (`malloc_trim(0)`).
void swamon_malloc_trim(void);
/// `mallopt(M_ARENA_MAX, arenas)`: 1 on success.
int swamon_malloc_arena_max(int arenas);
/// process_madvise(2) over `count` ranges (at most UIO_MAXIOV): the bytes advised, or -1 with
/// errno set.
long swamon_process_madvise(int pidfd, const unsigned long long *starts, const unsigned long long *lengths,
                            unsigned long count, int advice);
/// Names the calling thread (`prctl(PR_SET_NAME)`, at most 15 bytes kept), as `ps -L` and
/// `/proc/PID/task/TID/comm` show it.
void swamon_set_thread_name(const char *name);
