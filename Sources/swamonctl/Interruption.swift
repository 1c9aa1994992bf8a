import Glibc

/// SIGINT and SIGTERM held pending instead of killing the process: a recording polls the socket
/// in short steps and looks for a pending signal between them, so Ctrl-C ends it between two
/// lines and everything read so far is written. The signals stay blocked for the rest of the
/// process once this exists.
struct Interruption {
    var mask = sigset_t()

    init() {
        // An ignored signal is discarded rather than left pending: take the default back first.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        sigprocmask(SIG_BLOCK, &mask, nil)
    }

    enum Wake { case readable, interrupted, timeout }

    /// Waits up to `milliseconds` (in steps of at most 100 ms) for `descriptor` to be readable or
    /// for one of the signals to be pending.
    func wait(for descriptor: Int32, milliseconds: Int32) -> Wake {
        var left = max(0, milliseconds)
        repeat {
            if pending { return .interrupted }
            var fds = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let step = min(left, 100)
            if poll(&fds, 1, step) > 0 { return pending ? .interrupted : .readable }
            left -= step
        } while left > 0
        return pending ? .interrupted : .timeout
    }

    var pending: Bool {
        var set = sigset_t()
        sigpending(&set)
        return sigismember(&set, SIGINT) == 1 || sigismember(&set, SIGTERM) == 1
    }
}
